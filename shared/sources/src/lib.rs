//! Clients for networks and feeds: each turns a network's documented payloads into domain
//! observations behind the domain's `Source` port.
//!
//! # Adding a source kind
//!
//! The collection engine (`vigie_app::collect`) knows nothing of any network: checkpoints,
//! idempotent storage, deadlines, rate limits and health are the same for every kind. A new
//! kind (say `telegram`) is:
//!
//! 1. **One variant of the crisis file**, in `vigie_domain::crisis`: a `RawSource` variant with
//!    its keys (`deny_unknown_fields`; secrets only as names of variables, like `token_env`),
//!    validated into a `SourceKind` variant, and its name in `SourceKind::name`. The crisis
//!    file's tests cover a valid and an invalid example.
//! 2. **One module here implementing `Source`** (`id`, `kind`, `fetch`): send requests through
//!    [`Http::send`] (rustls, retries with backoff on timeouts and 5xx, 429 turned into
//!    `SourceError::RateLimited`), read bodies with [`http::Answer::json`] (garbled answers
//!    become clear transient errors without repeating the text), and return a `Batch`:
//!    - `observations`, each with a `native_id` that is the network's own stable id of the
//!      post (never a random or position-based one: it is what makes a rerun harmless);
//!    - `checkpoint`, an opaque string the engine stores only after the observations are, and
//!      hands back to the next `fetch`; `more` when another page is waiting now;
//!    - `skipped` for items that are not reports, counted by `SkipReason` (an unreadable
//!      item, one with no text...: skip them, keep the rest of the page) and
//!      `spreads` for reposts of a post, never a report of their own;
//!    - `SourceError::Fatal` for what needs a person (credentials, a gone source),
//!      `Transient` for what the next run may get past. Errors and logs never carry a token,
//!      a password or a post's text.
//! 3. **Wiring**: the variant built into the client in `vigie_host::sources` (secrets read
//!    through the `env` lookup, a missing one named in the source's error), and, for the
//!    cloud, a `functions/collect-<kind>` binary calling `vigie_host::serve_collector(CollectorKind::<Kind>)`
//!    with its function, role, log group and schedule in `infra/template.yaml` and its name in
//!    the CLI's function list (`infra/cli/src/cloud.rs`).
//! 4. **Tests** in `tests/clients.rs` against a wiremock server speaking the network's
//!    documented format from fixture files: paging, a malformed item, 429, 5xx then success,
//!    a timeout, truncated JSON, an HTML page, an empty answer (for a social network, what a
//!    post carries besides its text goes in `tests/richness.rs`); and one engine run in
//!    `shared/host/tests/collect.rs` (run twice: nothing new the second time).

pub mod bluesky;
pub mod feeds;
pub mod http;
pub mod mastodon;
pub mod post;
mod rich;
pub mod x;
pub mod youtube;

pub use bluesky::BlueskySource;
pub use feeds::FeedSource;
pub use http::{Http, RetryPolicy};
pub use mastodon::MastodonSource;
pub use post::{BlueskyPoster, MastodonPoster};
pub use x::XSource;
pub use youtube::YouTubeSource;
