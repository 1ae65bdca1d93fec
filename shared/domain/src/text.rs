//! Text as volunteers read it and as the rules match it: HTML from networks turned into plain
//! text (entities decoded, paragraphs kept, links kept), and a folded form (lowercase, no
//! accents, words only) that the classifier and the geoparser compare against their lexicons.

use ego_tree::iter::Edge;
use scraper::{Html, Node};
use std::borrow::Cow;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Plain text from an HTML fragment such as a Mastodon `content` or an RSS description.
pub fn html_to_text(html: &str) -> String {
    if !html.contains(['<', '&']) {
        return clean_text(html);
    }
    let fragment = Html::parse_fragment(html);
    let mut out = String::with_capacity(html.len());
    let is_block = |name: &str| {
        matches!(
            name,
            "p" | "div" | "li" | "blockquote" | "h1" | "h2" | "h3" | "h4" | "tr"
        )
    };
    for edge in fragment.root_element().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                // What a script or a style says is code, not the post's words.
                Node::Text(_) if inside_code(&node) => {}
                Node::Text(t) => out.push_str(&t.text),
                Node::Element(e) if e.name() == "br" => out.push('\n'),
                // A block starts a paragraph: one blank line before it.
                Node::Element(e)
                    if is_block(e.name()) && !out.is_empty() && !out.ends_with("\n\n") =>
                {
                    out.push_str(if out.ends_with('\n') { "\n" } else { "\n\n" });
                }
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(e) = node.value() {
                    if is_block(e.name()) && !out.ends_with('\n') {
                        out.push('\n');
                    }
                }
            }
        }
    }
    clean_text(&out)
}

fn inside_code(node: &ego_tree::NodeRef<'_, Node>) -> bool {
    node.ancestors().any(|a| {
        a.value()
            .as_element()
            .is_some_and(|e| matches!(e.name(), "script" | "style" | "noscript" | "template"))
    })
}

/// Whether a character has no place in a text Vigie stores or publishes: XML 1.0 forbids it
/// (C0 controls other than tab, line feed and carriage return; U+FFFE and U+FFFF) or
/// discourages it (DEL and C1 controls; the noncharacters U+FDD0 to U+FDEF and the last two
/// of every plane), so that one such character in a summary would break the Atom feed.
/// (Lone surrogates, which XML forbids too, cannot be in a Rust string.)
pub fn is_unfit_char(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
        || is_noncharacter(c)
}

/// U+FDD0 to U+FDEF, and U+xFFFE and U+xFFFF of every plane.
fn is_noncharacter(c: char) -> bool {
    matches!(c, '\u{fdd0}'..='\u{fdef}') || ((c as u32) & 0xfffe) == 0xfffe
}

/// `text` without the characters of [`is_unfit_char`]: tab, line feed and carriage return
/// stay, and so does everything else. Text without any comes back as it was, without a copy.
pub fn strip_unfit(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_unfit_char) {
        Cow::Owned(text.chars().filter(|c| !is_unfit_char(*c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

/// Collapses runs of spaces, keeps at most one blank line, trims. Control characters go (as
/// spaces), and so do noncharacters (see [`is_unfit_char`]).
pub fn clean_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut newlines = 0;
    let mut space = false;
    for ch in text.chars() {
        if ch == '\n' {
            newlines += 1;
            space = false;
            continue;
        }
        if is_noncharacter(ch) {
            continue;
        }
        if ch.is_whitespace() || ch.is_control() {
            space = true;
            continue;
        }
        if !out.is_empty() {
            if newlines > 0 {
                out.push_str(if newlines > 1 { "\n\n" } else { "\n" });
            } else if space {
                out.push(' ');
            }
        }
        newlines = 0;
        space = false;
        out.push(ch);
    }
    out
}

/// Lowercase, accents removed, every run of non-alphanumeric characters turned into one space,
/// with a space at each end so that `" word "` finds whole words. URLs and @mentions are
/// dropped: they name accounts and sites, not what happens.
pub fn fold(text: &str) -> String {
    fold_into(text, |_, _| {})
}

/// Where a folded word comes from: its bytes in the folded text and the bytes of the
/// whitespace-separated piece of the original it is part of ("l'eau" gives "l" and "eau",
/// both from "l'eau").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordOrigin {
    pub folded: (u32, u32),
    pub written: (u32, u32),
}

/// [`fold`], and where each folded word was written, to quote the post's own words for a
/// match found in the folded text (see [`quote`]).
pub fn fold_with_origins(text: &str) -> (String, Vec<WordOrigin>) {
    let mut origins = Vec::with_capacity(text.len() / 5);
    let folded = fold_into(text, |folded, written| {
        origins.push(WordOrigin { folded, written })
    });
    (folded, origins)
}

/// The words of `text` as written behind the folded bytes `from..to` (whole pieces between
/// spaces, without the punctuation at their ends), or `None` when nothing was written there.
pub fn quote<'t>(text: &'t str, origins: &[WordOrigin], from: usize, to: usize) -> Option<&'t str> {
    let (from, to) = (from as u32, to as u32);
    // Origins are in folded order: the first word ending after `from`, the last starting
    // before `to`.
    let first = origins.partition_point(|w| w.folded.1 <= from);
    let last = origins
        .partition_point(|w| w.folded.0 < to)
        .checked_sub(1)?;
    let (first, last) = (origins.get(first)?, origins.get(last)?);
    if first.folded.0 >= to || last.folded.1 <= from {
        return None;
    }
    let piece = text.get(first.written.0 as usize..last.written.1 as usize)?;
    let piece = piece.trim_matches(|c: char| !c.is_alphanumeric());
    (!piece.is_empty()).then_some(piece)
}

/// The folding of [`fold`], telling `word` each folded word's bytes and the bytes of the
/// original piece it comes from.
fn fold_into(text: &str, mut word: impl FnMut((u32, u32), (u32, u32))) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    let base = text.as_ptr() as usize;
    for piece in text.split_whitespace() {
        let lower = piece.to_lowercase();
        if lower.starts_with("http://")
            || lower.starts_with("https://")
            || lower.starts_with("www.")
        {
            continue;
        }
        if lower.starts_with('@') && lower.len() > 1 {
            continue;
        }
        let at = (piece.as_ptr() as usize - base) as u32;
        let written = (at, at + piece.len() as u32);
        let mut started: Option<usize> = None;
        for ch in lower.nfd() {
            if is_combining_mark(ch) {
                continue;
            }
            if ch.is_alphanumeric() {
                started.get_or_insert(out.len());
                out.push(ch);
            } else {
                if let Some(s) = started.take() {
                    word((s as u32, out.len() as u32), written);
                }
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
        }
        if let Some(s) = started.take() {
            word((s as u32, out.len() as u32), written);
        }
        if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out
}

/// Folds one name the same way as [`fold`], without the surrounding spaces.
pub fn fold_name(name: &str) -> String {
    fold(name).trim().to_string()
}

/// Splits a hashtag such as `PointeAPitre` or `Sainte_Anne` into folded words
/// (`pointe a pitre`): camel case and underscores mark word boundaries.
pub fn split_hashtag(tag: &str) -> String {
    let chars: Vec<char> = tag.chars().collect();
    let mut out = String::new();
    for (i, &ch) in chars.iter().enumerate() {
        if ch == '_' || ch == '-' {
            out.push(' ');
            continue;
        }
        if camel_boundary(&chars, i) {
            out.push(' ');
        }
        out.push(ch);
    }
    fold_name(&out)
}

/// Whether a new word starts at `chars[i]` inside a camel-case hashtag: an upper-case letter
/// after a lower-case one (`PointeA`), or the last capital of a run followed by lower case
/// (`APitre`).
pub fn camel_boundary(chars: &[char], i: usize) -> bool {
    if i == 0 || !chars[i].is_uppercase() {
        return false;
    }
    let prev = chars[i - 1];
    let next_lower = chars.get(i + 1).is_some_and(|c| c.is_lowercase());
    prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_match_in_the_folded_text_is_quoted_as_written() {
        let text = "Au SECOURS !! on est bloqués chez @ami, l'eau monte https://x.example/a Pointe-à-Pitre";
        let (folded, origins) = fold_with_origins(text);
        assert_eq!(folded, fold(text));
        let at = |needle: &str| {
            let i = folded.find(needle).unwrap();
            quote(text, &origins, i, i + needle.len())
        };
        assert_eq!(at(" au secours "), Some("Au SECOURS"));
        assert_eq!(at(" bloques "), Some("bloqués"));
        assert_eq!(at(" eau monte "), Some("l'eau monte"));
        assert_eq!(at(" pointe a pitre "), Some("Pointe-à-Pitre"));
        assert_eq!(quote(text, &origins, 0, 1), None);
    }

    #[test]
    fn mastodon_html_becomes_text_with_links_and_paragraphs() {
        let html = r#"<p>Route coupée à <a href="https://m.example/tags/PetitBourg" class="mention hashtag" rel="tag">#<span>PetitBourg</span></a> &amp; Goyave</p><p>Voir <a href="https://example.org/route/123"><span class="invisible">https://</span><span class="ellipsis">example.org/rou</span><span class="invisible">te/123</span></a><br>merci</p>"#;
        assert_eq!(
            html_to_text(html),
            "Route coupée à #PetitBourg & Goyave\n\nVoir https://example.org/route/123\nmerci"
        );
    }

    #[test]
    fn entities_and_whitespace() {
        assert_eq!(
            html_to_text("l&#39;eau   monte&nbsp;vite"),
            "l'eau monte vite"
        );
        assert_eq!(clean_text("  a \t b\n\n\n\nc  "), "a b\n\nc");
        assert_eq!(html_to_text("<script>alert(1)</script>ok"), "ok");
        assert_eq!(
            html_to_text("<p>vent<style>p{color:red}</style> fort</p>"),
            "vent fort"
        );
    }

    #[test]
    fn characters_xml_forbids_are_unfit() {
        for c in [
            '\u{0}',
            '\u{1}',
            '\u{8}',
            '\u{b}',
            '\u{1b}',
            '\u{7f}',
            '\u{85}',
            '\u{fdd0}',
            '\u{fffe}',
            '\u{ffff}',
            '\u{1fffe}',
            '\u{10ffff}',
        ] {
            assert!(is_unfit_char(c), "U+{:04X}", c as u32);
        }
        for c in [
            '\t',
            '\n',
            '\r',
            ' ',
            'é',
            '\u{fffd}',
            '\u{fefe}',
            '\u{1f600}',
            '\u{e000}',
        ] {
            assert!(!is_unfit_char(c), "U+{:04X}", c as u32);
        }
        assert_eq!(strip_unfit("a\u{1}b\u{ffff}\tc\r\n"), "ab\tc\r\n");
        assert!(matches!(strip_unfit("déjà vu"), Cow::Borrowed(_)));
        assert_eq!(clean_text("a\u{1}b\u{fffe}c"), "a bc");
    }

    #[test]
    fn folding_removes_accents_urls_and_mentions() {
        assert_eq!(
            fold("Morne-à-l'Eau: Dégâts! voir https://x.org @bob@m.example #Gwada"),
            " morne a l eau degats voir gwada "
        );
        assert_eq!(fold("Mòn-a-Lo Sentwòz"), " mon a lo sentwoz ");
    }

    #[test]
    fn hashtags_split_on_case() {
        assert_eq!(split_hashtag("PointeAPitre"), "pointe a pitre");
        assert_eq!(split_hashtag("sainte_anne"), "sainte anne");
        assert_eq!(split_hashtag("gwada"), "gwada");
    }
}
