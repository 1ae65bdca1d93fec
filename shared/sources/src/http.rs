//! HTTP for every source: one client (rustls), timeouts, retries with exponential backoff and
//! jitter on timeouts and 5xx, and rate limits turned into "call again after" instead of a
//! retry storm. Errors never carry a token, a password or a post's text.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use rand::Rng;
use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};
use std::time::Duration;
use vigie_domain::ports::SourceError;

/// How hard to try before giving up on this run.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
        }
    }
}

/// The HTTP client of the collectors.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    retry: RetryPolicy,
}

/// An answer that was neither a rate limit nor a server error.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON, or a transient error saying what came instead (truncated JSON, an
    /// HTML error page, nothing). The body itself is not repeated: it may be a private post.
    pub fn json<T: serde::de::DeserializeOwned>(&self, what: &str) -> Result<T, SourceError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(SourceError::Transient(format!("{what}: empty answer")));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            let kind = self
                .headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("no content type");
            let looks_html = self.body.iter().take(200).any(|b| *b == b'<');
            let hint = if looks_html {
                ", looks like an HTML page"
            } else {
                ""
            };
            SourceError::Transient(format!(
                "{what}: answer is not the expected JSON ({kind}{hint}): {}",
                e.classify_message()
            ))
        })
    }
}

trait Classify {
    fn classify_message(&self) -> String;
}

impl Classify for serde_json::Error {
    fn classify_message(&self) -> String {
        match self.classify() {
            serde_json::error::Category::Eof => {
                format!("truncated at line {} column {}", self.line(), self.column())
            }
            serde_json::error::Category::Syntax => {
                format!(
                    "syntax error at line {} column {}",
                    self.line(),
                    self.column()
                )
            }
            serde_json::error::Category::Data => "unexpected shape".into(),
            serde_json::error::Category::Io => "read error".into(),
        }
    }
}

impl Http {
    pub fn new(timeout: Duration, retry: RetryPolicy) -> Result<Http, SourceError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!(
                "Vigie/",
                env!("CARGO_PKG_VERSION"),
                " (crisis volunteers' monitoring)"
            ))
            .build()
            .map_err(|e| SourceError::Fatal(format!("cannot build the HTTP client: {e}")))?;
        Ok(Http { client, retry })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends the request made by `make`, retrying timeouts, connection failures and 5xx.
    /// A 429 stops at once with the time the server asked us to wait until.
    pub async fn send(
        &self,
        what: &str,
        make: impl Fn(&reqwest::Client) -> RequestBuilder,
    ) -> Result<Answer, SourceError> {
        let mut last = String::new();
        for attempt in 0..self.retry.attempts {
            if attempt > 0 {
                tokio::time::sleep(self.backoff(attempt)).await;
            }
            let response = match make(&self.client).send().await {
                Ok(r) => r,
                Err(e) => {
                    last = if e.is_timeout() {
                        "timed out".to_string()
                    } else if e.is_connect() {
                        "could not connect".to_string()
                    } else {
                        "request failed".to_string()
                    };
                    continue;
                }
            };
            let status = response.status();
            let headers = response.headers().clone();
            if status == StatusCode::TOO_MANY_REQUESTS {
                return Err(SourceError::RateLimited {
                    until: rate_limit_until(&headers, Utc::now()),
                });
            }
            if status.is_server_error() {
                last = format!("HTTP {}", status.as_u16());
                continue;
            }
            let body = match response.bytes().await {
                Ok(b) => b.to_vec(),
                Err(e) => {
                    last = if e.is_timeout() {
                        "timed out reading the answer".into()
                    } else {
                        "answer cut off".into()
                    };
                    continue;
                }
            };
            return Ok(Answer {
                status,
                headers,
                body,
            });
        }
        Err(SourceError::Transient(format!(
            "{what}: {last} after {} attempts",
            self.retry.attempts
        )))
    }

    /// Exponential backoff with full jitter, capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self.retry.base_delay.saturating_mul(1 << attempt.min(10));
        let cap = exp.min(self.retry.max_delay);
        let jitter = rand::thread_rng().gen_range(0.5..=1.0);
        cap.mul_f64(jitter)
    }
}

/// When a rate-limited source may be called again, from whichever header it sent:
/// `Retry-After` (seconds or an HTTP date), Mastodon's `X-RateLimit-Reset` (an ISO 8601 time),
/// X's `x-rate-limit-reset` (epoch seconds), or `RateLimit-Reset` (epoch seconds, as Bluesky
/// sends, or seconds from now). One minute
/// when none is readable.
pub fn rate_limit_until(headers: &HeaderMap, now: DateTime<Utc>) -> DateTime<Utc> {
    // Never longer than a day, never in the past: a wrong header must not switch a source off.
    read_rate_limit(headers, now).clamp(now, now + ChronoDuration::days(1))
}

fn read_rate_limit(headers: &HeaderMap, now: DateTime<Utc>) -> DateTime<Utc> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(v) = get("retry-after") {
        if let Ok(secs) = v.parse::<i64>() {
            return now + ChronoDuration::seconds(secs.clamp(0, 86_400));
        }
        if let Ok(t) = DateTime::parse_from_rfc2822(v) {
            return t.with_timezone(&Utc);
        }
    }
    for name in ["x-ratelimit-reset", "x-rate-limit-reset", "ratelimit-reset"] {
        if let Some(v) = get(name) {
            if let Ok(t) = DateTime::parse_from_rfc3339(v) {
                return t.with_timezone(&Utc);
            }
            if let Ok(n) = v.parse::<i64>() {
                return if n > 1_000_000_000 {
                    DateTime::from_timestamp(n, 0).unwrap_or(now + ChronoDuration::minutes(1))
                } else {
                    now + ChronoDuration::seconds(n.clamp(0, 86_400))
                };
            }
        }
    }
    now + ChronoDuration::minutes(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn every_rate_limit_header_style() {
        let now = DateTime::parse_from_rfc3339("2026-09-14T03:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            rate_limit_until(&headers(&[("retry-after", "120")]), now),
            now + ChronoDuration::seconds(120)
        );
        assert_eq!(
            rate_limit_until(
                &headers(&[("retry-after", "Mon, 14 Sep 2026 03:05:00 GMT")]),
                now
            )
            .to_rfc3339(),
            "2026-09-14T03:05:00+00:00"
        );
        assert_eq!(
            rate_limit_until(
                &headers(&[("x-ratelimit-reset", "2026-09-14T03:10:00.000Z")]),
                now
            )
            .to_rfc3339(),
            "2026-09-14T03:10:00+00:00"
        );
        let epoch = now.timestamp() + 300;
        assert_eq!(
            rate_limit_until(&headers(&[("x-rate-limit-reset", &epoch.to_string())]), now),
            now + ChronoDuration::seconds(300)
        );
        assert_eq!(
            rate_limit_until(&headers(&[("ratelimit-reset", &epoch.to_string())]), now),
            now + ChronoDuration::seconds(300)
        );
        assert_eq!(
            rate_limit_until(&headers(&[("ratelimit-reset", "45")]), now),
            now + ChronoDuration::seconds(45)
        );
        assert_eq!(
            rate_limit_until(&HeaderMap::new(), now),
            now + ChronoDuration::minutes(1)
        );
        let far = headers(&[("x-ratelimit-reset", "2031-01-01T00:00:00Z")]);
        assert_eq!(rate_limit_until(&far, now), now + ChronoDuration::days(1));
        let past = headers(&[("retry-after", "Mon, 14 Sep 2020 03:05:00 GMT")]);
        assert_eq!(rate_limit_until(&past, now), now);
    }
}
