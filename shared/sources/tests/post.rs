//! Posting relays against the loopback fakes (`vigie_conformance::fakes`) speaking Mastodon's statuses API (with
//! `Idempotency-Key` honoured as Mastodon does: the same key within the hour gives back the
//! status already made) and atproto's `createRecord` (a record key already used is refused)
//! and `getRecord`.

mod common;

use common::http;
use serde_json::json;
use vigie_conformance::fakes::{mount_mastodon, mount_pds};
use vigie_domain::ports::{PostError, Poster};
use vigie_sources::{BlueskyPoster, MastodonPoster};
use wiremock::MockServer;

#[tokio::test]
async fn mastodon_posts_once_per_key_even_when_sent_again_or_its_answer_is_lost() {
    let server = MockServer::start().await;
    let statuses = mount_mastodon(&server).await;
    let poster = MastodonPoster::new(
        "asso-masto",
        &server.uri(),
        "masto-relay-token".into(),
        http(),
    );
    assert_eq!(
        (poster.account(), poster.network()),
        ("asso-masto", "mastodon")
    );
    let text = "Consignes de la préfecture : restez chez vous. https://prefecture.example/c #Gwada";
    let first = poster.post(text, "vigie-rl1-asso-masto").await.unwrap();
    assert_eq!(first.url, "https://mastodon.example/@asso/110000");
    // The coordinator's second click, or a function retried: the same key, the same status.
    let again = poster.post(text, "vigie-rl1-asso-masto").await.unwrap();
    assert_eq!(again, first);
    // The answer lost once (a gateway timeout after the status was made): the client sends
    // again with the key and gets the status made.
    *statuses.lose.lock().unwrap() = 1;
    let lost = poster
        .post("Autre message", "vigie-rl2-asso-masto")
        .await
        .unwrap();
    assert_eq!(lost.url, "https://mastodon.example/@asso/110001");
    let made = statuses.made.lock().unwrap().clone();
    assert_eq!(made.len(), 2, "one status per relay");
    assert_eq!(made[0].1["visibility"], "public");

    // A refused token and a refused text are refusals, naming what to fix; never the token.
    let wrong = MastodonPoster::new("asso-masto", &server.uri(), "wrong".into(), http());
    let e = wrong.post(text, "k").await.unwrap_err();
    assert!(
        matches!(&e, PostError::Refused(t) if t.contains("token_env") && !t.contains("wrong")),
        "{e:?}"
    );
    let e = poster.post(&"a".repeat(501), "k2").await.unwrap_err();
    assert!(
        matches!(&e, PostError::Refused(t) if t.contains("character limit")),
        "{e:?}"
    );
}

#[tokio::test]
async fn bluesky_posts_once_under_its_record_key_with_link_and_hashtag_facets() {
    let server = MockServer::start().await;
    let pds = mount_pds(&server).await;
    let poster = BlueskyPoster::new(
        "asso-bsky",
        &server.uri(),
        "asso.bsky.example".into(),
        "app-pass-1234".into(),
        http(),
    );
    let text = "Évacuez les zones basses : https://prefecture.example/evac #Gwada #Guadeloupe";
    let first = poster.post(text, "3lbqzbx2k7s2a").await.unwrap();
    assert_eq!(
        first.url,
        "https://bsky.app/profile/asso.bsky.example/post/3lbqzbx2k7s2a"
    );
    // Sent again: the key is taken, the record is there: the same post, not a second one.
    let again = poster.post(text, "3lbqzbx2k7s2a").await.unwrap();
    assert_eq!(again, first);
    // The server fails after writing (a 500, as some PDS answer a duplicate too): the post is
    // found under its key.
    *pds.fail_after_write.lock().unwrap() = 1;
    let after_500 = poster
        .post("Eau potable : faites bouillir", "3lbqzbx2k7s2b")
        .await
        .unwrap();
    assert!(after_500.url.ends_with("/post/3lbqzbx2k7s2b"));

    let records = pds.records.lock().unwrap().clone();
    assert_eq!(records.len(), 2);
    let record = &records["3lbqzbx2k7s2a"];
    assert_eq!(record["$type"], "app.bsky.feed.post");
    assert_eq!(record["text"], text);
    let link_start = text.find("https").unwrap();
    assert_eq!(
        record["facets"][0],
        json!({"index": {"byteStart": link_start, "byteEnd": link_start + "https://prefecture.example/evac".len()},
               "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://prefecture.example/evac"}]})
    );
    let tag = text.find("#Gwada").unwrap();
    assert_eq!(
        record["facets"][1],
        json!({"index": {"byteStart": tag, "byteEnd": tag + 6},
               "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "Gwada"}]})
    );
    assert_eq!(record["facets"].as_array().unwrap().len(), 3);

    let wrong = BlueskyPoster::new(
        "asso-bsky",
        &server.uri(),
        "asso.bsky.example".into(),
        "nope".into(),
        http(),
    );
    let e = wrong.post(text, "3lbqzbx2k7s2c").await.unwrap_err();
    assert!(
        matches!(&e, PostError::Refused(t) if t.contains("app password") && !t.contains("nope")),
        "{e:?}"
    );
}
