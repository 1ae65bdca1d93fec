//! Escalations POSTed as JSON to the webhook of the crisis file, so the authority hears of a
//! life-threatening report the moment a volunteer escalates it. Each call is one attempt of at
//! most 5 s; the application retries in the background after answering the volunteer (or
//! makes one attempt before answering on a host that stops once it has answered, see
//! [`WebhookNotifier::inline`]). Without a webhook, the escalation is logged (without the
//! post's text) for whoever watches the logs.

use async_trait::async_trait;
use std::time::Duration;
use vigie_domain::ports::{Delivery, Notifier, NotifyError};
use vigie_domain::Report;

/// How long one attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

pub struct WebhookNotifier {
    url: String,
    client: reqwest::Client,
    delivery: Delivery,
}

impl WebhookNotifier {
    pub fn new(url: &str) -> Result<WebhookNotifier, NotifyError> {
        let client = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .build()
            .map_err(|e| NotifyError(e.to_string()))?;
        Ok(WebhookNotifier {
            url: url.to_string(),
            client,
            delivery: Delivery::Background,
        })
    }

    /// One attempt before answering, for a host that cannot work after it has answered.
    pub fn inline(self) -> WebhookNotifier {
        WebhookNotifier {
            delivery: Delivery::Inline,
            ..self
        }
    }
}

#[async_trait]
impl Notifier for WebhookNotifier {
    async fn escalation(&self, report: &Report) -> Result<(), NotifyError> {
        let body = vigie_domain::report::escalation_payload(report);
        match self.client.post(&self.url).json(&body).send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(NotifyError(format!(
                "webhook answered HTTP {}",
                r.status().as_u16()
            ))),
            Err(e) if e.is_timeout() => Err(NotifyError("webhook timed out".into())),
            Err(_) => Err(NotifyError("webhook unreachable".into())),
        }
    }

    fn delivery(&self) -> Delivery {
        self.delivery
    }

    fn channel(&self) -> &'static str {
        "the webhook"
    }
}

/// Used when the crisis has no webhook: the escalation goes to the log only.
pub struct LogNotifier;

#[async_trait]
impl Notifier for LogNotifier {
    async fn escalation(&self, report: &Report) -> Result<(), NotifyError> {
        tracing::warn!(report = %report.id, category = %report.effective_category(), "escalation (no webhook configured in the crisis file)");
        Ok(())
    }

    fn delivery(&self) -> Delivery {
        Delivery::Inline
    }

    fn channel(&self) -> &'static str {
        "the log (no webhook in the crisis file)"
    }
}
