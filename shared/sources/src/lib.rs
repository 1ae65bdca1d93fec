//! Clients for networks and feeds: each turns a network's documented payloads into domain
//! observations behind the domain's `Source` port.

pub mod bluesky;
pub mod feeds;
pub mod http;
pub mod mastodon;

pub use bluesky::BlueskySource;
pub use feeds::FeedSource;
pub use http::{Http, RetryPolicy};
pub use mastodon::MastodonSource;
