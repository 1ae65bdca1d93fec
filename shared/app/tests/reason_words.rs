//! Every rule a suggestion's reasons can name has its words in the volunteers' app, in French
//! and English: a rule added to the classifier without them would show as its bare id.

use vigie_domain::classify::Rule;

#[test]
fn every_reason_rule_has_its_words_in_the_app_in_both_languages() {
    let strings = include_str!("../web/app/src/reasons.js");
    let (fr, en) = strings
        .split_once("\n  en: {")
        .expect("reasons.js has an en block after the fr one");
    for rule in Rule::ALL {
        let id = serde_json::to_value(rule).unwrap();
        let key = format!("\"why.{}\":", id.as_str().unwrap());
        assert!(fr.contains(&key), "no French words for {key}");
        assert!(en.contains(&key), "no English words for {key}");
    }
}
