//! Escalations POSTed as JSON to the webhook of the crisis file, so the authority hears of a
//! life-threatening report the moment a volunteer escalates it. Without a webhook, the
//! escalation is logged (without the post's text) for whoever watches the logs.

use async_trait::async_trait;
use std::time::Duration;
use vigie_domain::ports::{Notifier, NotifyError};
use vigie_domain::Report;

pub struct WebhookNotifier {
    url: String,
    client: reqwest::Client,
}

impl WebhookNotifier {
    pub fn new(url: &str) -> Result<WebhookNotifier, NotifyError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| NotifyError(e.to_string()))?;
        Ok(WebhookNotifier {
            url: url.to_string(),
            client,
        })
    }
}

#[async_trait]
impl Notifier for WebhookNotifier {
    async fn escalation(&self, report: &Report) -> Result<(), NotifyError> {
        let body = vigie_domain::report::escalation_payload(report);
        let mut last = String::new();
        // Two tries of at most 5 s: the volunteer's request waits for them, and must answer well
        // inside an API gateway's 30 s.
        for attempt in 0..2u32 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(300 * 2u64.pow(attempt))).await;
            }
            match self.client.post(&self.url).json(&body).send().await {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) => last = format!("webhook answered HTTP {}", r.status().as_u16()),
                Err(e) if e.is_timeout() => last = "webhook timed out".into(),
                Err(_) => last = "webhook unreachable".into(),
            }
        }
        Err(NotifyError(last))
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
}
