//! What the social clients share to make a post's text complete: lenient reading of the
//! optional parts of a post (a part that is not readable is left out, never the whole post),
//! and the comparisons of links that keep a link from being written twice.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A list of which only the readable elements are kept; anything that is not a list (null, a
/// string...) reads as an empty list.
pub(crate) fn lenient_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|i| serde_json::from_value(i).ok())
            .collect(),
        _ => Vec::new(),
    })
}

/// An optional part read only if it is readable.
pub(crate) fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    Ok(serde_json::from_value(Value::deserialize(d)?).ok())
}

/// A query parameter's value, percent-encoded (everything but RFC 3986's unreserved
/// characters).
pub(crate) fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Post ids that are decimal numbers written as strings (Mastodon's, X's): `a` is the newer
/// when it is the larger number; ids that are not numbers compare by length, then text.
pub(crate) fn newer(a: &str, b: &str) -> bool {
    match (a.parse::<u128>(), b.parse::<u128>()) {
        (Ok(x), Ok(y)) => x > y,
        _ => (a.len(), a) > (b.len(), b),
    }
}

/// Every run of whitespace turned into one space, trimmed: a context line stays one line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A link as written for comparison: no scheme, no `www.`, no trailing slash, lowercase.
fn bare(url: &str) -> String {
    let lower = url.trim().to_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .unwrap_or(&lower);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    rest.trim_end_matches('/').to_string()
}

/// The two links are the same page, give or take the scheme, `www.` and a trailing slash.
pub(crate) fn same_url(a: &str, b: &str) -> bool {
    let a = bare(a);
    !a.is_empty() && a == bare(b)
}

/// What a post shows as a link's text is a shortened form of the link itself
/// (`example.org/alerte…` for `https://www.example.org/alerte-rouge`).
pub(crate) fn shortened_form_of(shown: &str, url: &str) -> bool {
    let shown = shown.trim();
    let shown = shown
        .strip_suffix('…')
        .or_else(|| shown.strip_suffix("..."))
        .unwrap_or(shown);
    let shown = bare(shown);
    !shown.is_empty() && bare(url).starts_with(&shown)
}

/// The plain text already has this link as one of its words (punctuation around it aside).
pub(crate) fn text_has_url(text: &str, url: &str) -> bool {
    text.split_whitespace().any(|word| {
        let word = word
            .trim_start_matches(['(', '<', '"', '\''])
            .trim_end_matches([')', '>', '"', '\'', '.', ',', ';', ':', '!', '?']);
        same_url(word, url)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_compare_without_scheme_www_or_trailing_slash() {
        assert!(same_url(
            "https://www.example.org/a/",
            "http://example.org/a"
        ));
        assert!(!same_url("https://example.org/a", "https://example.org/b"));
        assert!(!same_url("", ""));
        assert!(shortened_form_of(
            "example.org/alerte…",
            "https://www.example.org/alerte-rouge"
        ));
        assert!(shortened_form_of(
            "https://example.org/a",
            "https://example.org/a"
        ));
        assert!(!shortened_form_of(
            "the alert",
            "https://example.org/alerte"
        ));
        assert!(!shortened_form_of("…", "https://example.org/alerte"));
        assert!(text_has_url(
            "See (https://example.org/a/).",
            "https://example.org/a"
        ));
        assert!(!text_has_url(
            "See example.org/abc",
            "https://example.org/a"
        ));
    }
}
