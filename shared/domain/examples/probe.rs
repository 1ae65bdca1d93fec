//! Reads posts, one a line, on standard input and prints the suggestion and its reasons for
//! each: how a rule reads a post, for whoever extends the lexicons.
//! `cargo run -p vigie-domain --example probe < posts.txt` (add `--official` for an official
//! account's posts).

use vigie_domain::classify::classify_explained;
use vigie_domain::text::fold_with_origins;

fn main() {
    let official = std::env::args().any(|a| a == "--official");
    for line in std::io::stdin().lines() {
        let Ok(text) = line else { break };
        let (folded, origins) = fold_with_origins(&text);
        let (s, reasons) = classify_explained(&text, &folded, &origins, official);
        let reasons = serde_json::to_string(&reasons).unwrap_or_default();
        println!("{} {} | {text}\n    {reasons}", s.category, s.priority);
    }
}
