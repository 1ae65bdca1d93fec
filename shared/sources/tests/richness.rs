//! What a Bluesky post or a Mastodon status carries besides its text (links behind
//! shortened text, link cards, alt texts, quoted posts, polls, custom emoji), read through
//! the public `Source::fetch` against loopback servers answering fixtures written from the
//! AT Protocol lexicons (`app.bsky.feed.defs#postView`, `app.bsky.richtext.facet`,
//! `app.bsky.embed.*#view`) and Mastodon's entity documentation (Status, Poll, PreviewCard,
//! MediaAttachment, CustomEmoji).

use serde_json::{json, Value};
use std::time::Duration;
use vigie_domain::ports::{Batch, SkipReason, Source};
use vigie_domain::report::{Body, Observation};
use vigie_domain::text::html_to_text;
use vigie_sources::{BlueskySource, Http, MastodonSource, RetryPolicy};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn http() -> Http {
    Http::new(
        Duration::from_millis(800),
        RetryPolicy {
            attempts: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
        },
    )
    .unwrap()
}

/// The text as a volunteer reads it (HTML turned into text).
fn text(o: &Observation) -> String {
    match &o.body {
        Body::Plain(t) => t.clone(),
        Body::Html(h) => html_to_text(h),
    }
}

/// The observation whose native id ends with `tail`.
fn by_id<'a>(batch: &'a Batch, tail: &str) -> &'a Observation {
    batch
        .observations
        .iter()
        .find(|o| o.native_id.ends_with(tail))
        .unwrap_or_else(|| panic!("no observation {tail}"))
}

async fn bluesky_page(body: Value) -> Batch {
    let server = MockServer::start().await;
    Mock::given(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture("bluesky_session.json")))
        .mount(&server)
        .await;
    Mock::given(path("/xrpc/app.bsky.feed.searchPosts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    BlueskySource::new(
        "bsky",
        &server.uri(),
        "Guadeloupe",
        "vigie-watch.bsky.example".into(),
        "app-pass".into(),
        http(),
    )
    .fetch(None)
    .await
    .unwrap()
}

async fn bluesky_rich() -> Batch {
    bluesky_page(serde_json::from_str(&fixture("bluesky_rich.json")).unwrap()).await
}

#[tokio::test]
async fn bluesky_link_facets_give_the_full_link_counting_utf8_bytes() {
    let batch = bluesky_rich().await;
    let o = by_id(&batch, "3krich0001");
    assert_eq!(
        text(o),
        "Éboulement à Deshaies 🌧️🌊 : route côtière fermée, détails \
         https://www.example.org/alerte-rouge-deshaies et voir la carte \
         (https://carte.example/fermetures). @prefet971.bsky.example #Guadeloupe",
        "accents and emoji before the links are counted in bytes; words shown for a link \
         are kept with the link after them; mentions, tags and a facet past the end of the \
         text change nothing"
    );
    assert_eq!(o.author_name.as_deref(), Some("Lyne B."));
    assert_eq!(
        o.url.as_deref(),
        Some("https://bsky.app/profile/lyne-b.bsky.example/post/3krich0001")
    );
    assert_eq!(o.media, 0);
}

#[tokio::test]
async fn bluesky_facets_off_a_character_overlapping_or_unreadable_are_ignored() {
    let batch = bluesky_rich().await;
    assert_eq!(
        text(by_id(&batch, "3krich0002")),
        "Crue à Capesterre 🌧️ suivez https://vigicrues.example/gp/capesterre"
    );
}

#[tokio::test]
async fn bluesky_link_cards_add_their_title_and_link_once() {
    let batch = bluesky_rich().await;
    assert_eq!(
        text(by_id(&batch, "3krich0003")),
        "Point sur les routes ce soir\n\nLink: État des routes en Guadeloupe — https://routes.example/etat"
    );
    assert_eq!(
        text(by_id(&batch, "3krich0004")),
        "Carte des coupures https://edf.example/coupures-guadeloupe\n\nLink: Coupures en cours",
        "the text already has the card's link (give or take a trailing slash)"
    );
}

#[tokio::test]
async fn bluesky_alt_texts_are_context_and_images_are_counted() {
    let batch = bluesky_rich().await;
    let o = by_id(&batch, "3krich0005");
    assert_eq!(
        text(o),
        "Lamentin ce matin\n\nImage: Rivière en crue sous le pont de Lamentin\nImage: Voiture emportée par le courant"
    );
    assert_eq!(o.media, 3, "an image without alt text is still an image");
}

#[tokio::test]
async fn bluesky_record_with_media_reads_the_images_then_the_quoted_post() {
    let batch = bluesky_rich().await;
    let o = by_id(&batch, "3krich0006");
    assert_eq!(
        text(o),
        "Ça se confirme chez nous\n\n\
         Image: Arbre tombé sur la ligne électrique\n\
         Quoting @meteo-gp.bsky.example: Vigilance rouge cyclone : restez chez vous — \
         https://bsky.app/profile/meteo-gp.bsky.example/post/3kquoted001"
    );
    assert_eq!(o.media, 1);
}

#[tokio::test]
async fn bluesky_a_quote_of_a_deleted_post_says_so_with_its_link() {
    let batch = bluesky_rich().await;
    assert_eq!(
        text(by_id(&batch, "3krich0007")),
        "Quelqu'un a la source ?\n\nQuoting a post that is no longer available — \
         https://bsky.app/profile/did:plc:gonedemo/post/3kgone0001"
    );
}

#[tokio::test]
async fn bluesky_never_stores_an_empty_text() {
    let batch = bluesky_rich().await;
    let image_only = by_id(&batch, "3krich0008");
    assert_eq!(text(image_only), "[image]");
    assert_eq!(image_only.media, 1);
    assert!(
        batch
            .observations
            .iter()
            .all(|o| !text(o).trim().is_empty()),
        "no empty text"
    );
    assert!(
        !batch
            .observations
            .iter()
            .any(|o| o.native_id.ends_with("3krich0009")),
        "a post with no text and nothing embedded is skipped"
    );
    assert_eq!(batch.skipped.get(SkipReason::NoText), 1);
    assert_eq!(batch.skipped.total(), 1);
    assert_eq!(batch.observations.len(), 10);
}

#[tokio::test]
async fn bluesky_unknown_or_garbled_embeds_keep_the_post() {
    let batch = bluesky_rich().await;
    let future = by_id(&batch, "3krich0010");
    assert_eq!(text(future), "Eau potable coupée à Gosier");
    assert_eq!(future.media, 0);
    let garbled = by_id(&batch, "3krich0011");
    assert_eq!(text(garbled), "Coulée de boue à Bouillante");
    assert_eq!(garbled.media, 0);
}

#[tokio::test]
async fn bluesky_several_images_without_alt_a_video_and_a_blocked_quote() {
    let mut page: Value = serde_json::from_str(&fixture("bluesky_rich.json")).unwrap();
    let mut two = page["posts"][7].clone();
    two["uri"] = json!("at://did:plc:photogpdemo/app.bsky.feed.post/3krich0101");
    two["embed"]["images"] =
        json!([{"thumb": "t", "fullsize": "f", "alt": ""}, {"thumb": "t", "fullsize": "f"}]);
    let mut video = page["posts"][7].clone();
    video["uri"] = json!("at://did:plc:photogpdemo/app.bsky.feed.post/3krich0102");
    video["embed"] = json!({"$type": "app.bsky.embed.video#view", "cid": "bafyvideo", "playlist": "https://video.bsky.example/p.m3u8", "alt": "Vagues sur la jetée"});
    let mut blocked = page["posts"][6].clone();
    blocked["uri"] = json!("at://did:plc:karldemo/app.bsky.feed.post/3krich0103");
    blocked["embed"]["record"] = json!({"$type": "app.bsky.embed.record#viewBlocked", "uri": "at://did:plc:blockeddemo/app.bsky.feed.post/3kblock0001", "blocked": true, "author": {"did": "did:plc:blockeddemo"}});
    page["posts"] = json!([two, video, blocked]);
    let batch = bluesky_page(page).await;
    let two = by_id(&batch, "3krich0101");
    assert_eq!((text(two).as_str(), two.media), ("[2 images]", 2));
    let video = by_id(&batch, "3krich0102");
    assert_eq!(
        (text(video).as_str(), video.media),
        ("Video: Vagues sur la jetée", 1)
    );
    assert_eq!(
        text(by_id(&batch, "3krich0103")),
        "Quelqu'un a la source ?\n\nQuoting a post hidden by a block — \
         https://bsky.app/profile/did:plc:blockeddemo/post/3kblock0001"
    );
}

async fn mastodon_page(body: Value) -> Batch {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/timelines/tag/Guadeloupe"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    MastodonSource::new("masto", &server.uri(), &["Guadeloupe".into()], None, http())
        .fetch(None)
        .await
        .unwrap()
}

async fn mastodon_rich() -> Batch {
    mastodon_page(serde_json::from_str(&fixture("mastodon_rich.json")).unwrap()).await
}

#[tokio::test]
async fn mastodon_polls_add_their_options() {
    let batch = mastodon_rich().await;
    assert_eq!(
        text(by_id(&batch, "/3010")),
        "Avez-vous encore l'eau au robinet ? #Gwada\n\nPoll: Oui / Non / Coupée depuis hier"
    );
}

#[tokio::test]
async fn mastodon_cards_add_their_title_and_a_link_the_content_lacks() {
    let batch = mastodon_rich().await;
    assert_eq!(
        text(by_id(&batch, "/3009")),
        "Point routes : https://routes.example/etat\n\nLink: État des routes en Guadeloupe",
        "the content links to the card's page already"
    );
    assert_eq!(
        text(by_id(&batch, "/3008")),
        "Le point de la préfecture #Gwada\n\n\
         Link: Cyclone : le point de 4 h — https://news.example/cyclone?jour=14&heure=4"
    );
}

#[tokio::test]
async fn mastodon_display_names_lose_their_custom_emoji() {
    let batch = mastodon_rich().await;
    assert_eq!(
        by_id(&batch, "/3010").author_name.as_deref(),
        Some("Lyne"),
        "a listed shortcode and one left unlisted"
    );
    assert_eq!(
        by_id(&batch, "/3007").author_name.as_deref(),
        Some("Sylvie")
    );
    assert_eq!(
        by_id(&batch, "/3008").author_name.as_deref(),
        Some("ti_mano"),
        "nothing but emoji: the username"
    );
    assert_eq!(
        by_id(&batch, "/3009").author_name.as_deref(),
        Some("Routes 971")
    );
}

#[tokio::test]
async fn mastodon_media_only_statuses_read_their_alt_text_or_are_skipped() {
    let batch = mastodon_rich().await;
    let o = by_id(&batch, "/3007");
    assert_eq!(text(o), "Image: Maison inondée à Baie-Mahault");
    assert_eq!(o.media, 2);
    assert!(
        !batch
            .observations
            .iter()
            .any(|o| o.native_id.ends_with("/3006")),
        "media without any description and no content: nothing to read"
    );
    assert_eq!(batch.skipped.get(SkipReason::NoText), 1);
    assert_eq!(batch.skipped.total(), 1);
    assert_eq!(batch.observations.len(), 4);
    assert_eq!(
        batch.checkpoint.as_deref(),
        Some("3010"),
        "skipped statuses still move the checkpoint"
    );
}

#[tokio::test]
async fn mastodon_a_boost_of_an_empty_status_is_skipped_with_no_spread() {
    let statuses: Vec<Value> = serde_json::from_str(&fixture("mastodon_rich.json")).unwrap();
    let mut boost = statuses[0].clone();
    boost["id"] = json!("3011");
    boost["uri"] = json!("https://other.example/users/lyne/statuses/3011/activity");
    boost["content"] = json!("");
    boost["poll"] = Value::Null;
    boost["reblog"] = statuses[4].clone();
    let batch = mastodon_page(json!([boost])).await;
    assert!(batch.observations.is_empty());
    assert!(batch.spreads.is_empty());
    assert_eq!(batch.skipped.get(SkipReason::NoText), 1);
}

#[tokio::test]
async fn mastodon_garbled_poll_card_or_emoji_keep_the_status() {
    let statuses: Vec<Value> = serde_json::from_str(&fixture("mastodon_rich.json")).unwrap();
    let mut s = statuses[0].clone();
    s["poll"] = json!({"options": "Oui, Non"});
    s["card"] = json!(["not", "a", "card"]);
    s["account"]["emojis"] = json!([{"shortcode": 7}, {"shortcode": "blobcat"}]);
    s["spoiler_text"] = json!("Eau <coupée> & sale");
    let batch = mastodon_page(json!([s])).await;
    let o = &batch.observations[0];
    assert_eq!(
        text(o),
        "Eau <coupée> & sale\n\nAvez-vous encore l'eau au robinet ? #Gwada",
        "the content warning is plain text"
    );
    assert_eq!(o.author_name.as_deref(), Some("Lyne"));
    assert!(batch.skipped.is_empty());
}
