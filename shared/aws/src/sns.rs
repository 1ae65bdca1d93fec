//! Escalations published to an SNS topic, which fans them out to the authority (e-mail, SMS,
//! an HTTPS endpoint) as the stack subscribes them.

use async_trait::async_trait;
use vigie_domain::ports::{Delivery, Notifier, NotifyError};
use vigie_domain::Report;

pub struct SnsNotifier {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl SnsNotifier {
    pub fn new(config: &aws_config::SdkConfig, topic_arn: &str) -> SnsNotifier {
        SnsNotifier::with_client(aws_sdk_sns::Client::new(config), topic_arn)
    }

    /// A notifier on a client configured elsewhere (tests give it a mocked one).
    pub fn with_client(client: aws_sdk_sns::Client, topic_arn: &str) -> SnsNotifier {
        SnsNotifier {
            client,
            topic_arn: topic_arn.to_string(),
        }
    }
}

#[async_trait]
impl Notifier for SnsNotifier {
    async fn escalation(&self, report: &Report) -> Result<(), NotifyError> {
        let payload = vigie_domain::report::escalation_payload(report);
        let subject = format!(
            "Vigie — escalation: {} ({})",
            report.effective_category(),
            report.effective_priority()
        );
        self.client
            .publish()
            .topic_arn(&self.topic_arn)
            .subject(subject)
            .message(payload.to_string())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                NotifyError(format!(
                    "SNS: {}",
                    aws_sdk_sns::error::DisplayErrorContext(&e)
                ))
            })
    }

    /// SNS delivers to the topic's subscribers and retries on its own: the hand-off is made
    /// before answering (a Lambda function stops once it has answered).
    fn delivery(&self) -> Delivery {
        Delivery::Inline
    }

    fn channel(&self) -> &'static str {
        "the escalation topic"
    }
}
