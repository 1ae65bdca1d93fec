//! What the fault tests share: the mock interceptor over a set of rules, test credentials, and
//! the SDK's standard retry mode without its waits.

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::Credentials;
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode};
use std::time::Duration;

/// Where the mocked clients say they are.
pub const REGION: &str = "eu-west-3";

/// Attempts per call, the first included: the SDK's default.
pub const ATTEMPTS: u32 = 3;

/// Standard retries with a negligible backoff, so the tests do not sleep.
pub fn retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(1))
}

/// Answers each request with the first of `rules` that matches it and has answers left.
pub fn interceptor(rules: &[&Rule]) -> MockResponseInterceptor {
    rules.iter().fold(
        MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny),
        |i, rule| i.with_rule(rule),
    )
}

/// Static credentials: requests are signed, never sent.
pub fn credentials() -> Credentials {
    Credentials::new("test", "test", None, None, "tests")
}
