//! Learning from the crisis's own triage: a model trained on the categories and priorities
//! the volunteers set, combined with the rules of [`crate::classify`] for new posts.
//!
//! The model is a naive Bayes classifier over hashed features of the folded text (words, pairs
//! of words, and four-letter pieces of words, which catch the spellings of one Creole word).
//! It has two heads: the category and the priority. Naive Bayes keeps counts, so it learns one
//! decision at a time and forgets one as exactly: when a volunteer changes a report's category
//! from rescue to hazard, the report's words leave the rescue counts and join the hazard ones
//! ([`Model::revise`]). The model is kept in the store ([`MODEL_KEY`], compare-and-set as a
//! checkpoint), so every host and every function suggests with the same one.
//!
//! How a suggestion is combined ([`Model::refine`]):
//! - nothing changes before the model has learnt [`MIN_DECISIONS`] decisions of a head;
//! - a rule that found a life at risk (critical) is never overridden, nor a priority set by the
//!   source's own fields (a CAP alert's severity);
//! - the model's category or priority replaces the rules' only when it is sure of it (its
//!   posterior at least [`CATEGORY_CONFIDENCE`] or [`PRIORITY_CONFIDENCE`]), and its category
//!   only where the rules found no words for theirs (they said `other`, or nothing weighed);
//! - an official source is never made critical by the model, as by the rules;
//! - a change made by the model carries its reason ([`Rule::Learned`]) first, with the post's
//!   words that weighed most for it.

use crate::classify::{Reason, Rule, Suggestion};
use crate::report::Report;
use crate::taxonomy::{Category, Priority};
use crate::text::{fold_with_origins, quote, WordOrigin};
use base64::Engine;
use std::collections::HashMap;
use std::io::{Read, Write};

/// Where the model is kept among the store's checkpoints. Source ids are `a-z0-9-`, so no
/// source's checkpoint can take this key.
pub const MODEL_KEY: &str = "#triage-model";

/// Decisions a head needs before it changes any suggestion.
pub const MIN_DECISIONS: u32 = 40;
/// How sure the category head must be to replace the rules' category.
pub const CATEGORY_CONFIDENCE: f64 = 0.99;
/// How sure the priority head must be to replace the rules' priority.
pub const PRIORITY_CONFIDENCE: f64 = 0.99;
/// Naive Bayes counts a post's features (a word, its pieces, its pairs) as independent
/// evidence, which makes it far surer than it is right; its log-likelihoods are divided by
/// this. It and the two confidences were chosen on the development set's time split.
const TEMPERATURE: f64 = 5.0;
/// The stored model stays under this size (a DynamoDB item holds 400 KB): past it, the
/// rarest features are forgotten first.
pub const MAX_STORED_BYTES: usize = 300_000;

const CATEGORIES: usize = 12;
const PRIORITIES: usize = 4;
const CLASSES: usize = CATEGORIES + PRIORITIES;
const BUCKETS: u64 = 1 << 22;
/// Additive smoothing of the counts.
const ALPHA: f64 = 0.5;
const MAGIC: &[u8; 4] = b"VNB1";
/// A stored model unpacks to less than this (a bound on what a damaged one can cost).
const MAX_UNPACKED_BYTES: u64 = 64 << 20;

/// A feature of a post: its hashed bucket, and the words it comes from in the folded text
/// when it is a word (to quote them in an explanation).
#[derive(Debug, Clone, Copy)]
struct Feature {
    bucket: u32,
    word: Option<(usize, usize)>,
}

/// What the model suggests for a post, each head with its posterior.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Learned {
    pub category: Option<(Category, f64)>,
    pub priority: Option<(Priority, f64)>,
}

/// A stored model that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("the stored triage model cannot be read: {0}")]
pub struct ModelError(String);

/// The counts of the naive Bayes model. Classes are the categories, then the priorities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Model {
    /// Decisions learnt per class.
    docs: [u32; CLASSES],
    /// Features counted per class (the denominators).
    totals: [u64; CLASSES],
    /// Per feature bucket, its count in each class where it is not zero.
    counts: HashMap<u32, Counts, Buckets>,
}

/// A feature's counts per class, where not zero. Most features are seen in one or two
/// classes: kept inline, their counts are read without a second memory access.
type Counts = smallvec::SmallVec<[(u8, u32); 2]>;

/// Hashing for the feature buckets, which are hashes already: the bucket is its own hash.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Buckets;

impl std::hash::BuildHasher for Buckets {
    type Hasher = BucketHasher;
    fn build_hasher(&self) -> BucketHasher {
        BucketHasher(0)
    }
}

#[derive(Default)]
struct BucketHasher(u64);

impl std::hash::Hasher for BucketHasher {
    fn finish(&self) -> u64 {
        // Spread over the high bits too, which the table's probing reads.
        self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n);
    }
}

/// `ln(n + ALPHA)`, from a table for the counts most features have.
fn ln_count(n: u32) -> f64 {
    static TABLE: std::sync::LazyLock<Vec<f64>> =
        std::sync::LazyLock::new(|| (0..1024).map(|n| (f64::from(n) + ALPHA).ln()).collect());
    TABLE
        .get(n as usize)
        .copied()
        .unwrap_or_else(|| (f64::from(n) + ALPHA).ln())
}

/// Whether a report going from `before` (none when new) to `after` changes what the model
/// learns from it: the category or priority a volunteer set.
pub fn changes_decision(before: Option<&Report>, after: &Report) -> bool {
    match before {
        Some(b) => b.category != after.category || b.priority != after.priority,
        None => after.category.is_some() || after.priority.is_some(),
    }
}

fn fnv(parts: &[&[u8]]) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    ((h ^ (h >> 32)) % BUCKETS) as u32
}

/// The features of a folded text, each once (a word said twice is no more evidence).
fn features(folded: &str) -> Vec<Feature> {
    let mut out = Vec::with_capacity(folded.len() / 2);
    let mut previous: Option<&str> = None;
    let mut at = 0;
    let mut padded = String::with_capacity(32);
    let mut bounds: Vec<usize> = Vec::with_capacity(32);
    for word in folded.split(' ') {
        let start = at;
        at += word.len() + 1;
        if word.is_empty() {
            continue;
        }
        if word.chars().count() >= 2 {
            out.push(Feature {
                bucket: fnv(&[b"w", word.as_bytes()]),
                word: Some((start, start + word.len())),
            });
        }
        if let Some(p) = previous {
            out.push(Feature {
                bucket: fnv(&[b"b", p.as_bytes(), word.as_bytes()]),
                word: None,
            });
        }
        previous = Some(word);
        padded.clear();
        padded.push('<');
        padded.push_str(word);
        padded.push('>');
        bounds.clear();
        bounds.extend(padded.char_indices().map(|(i, _)| i));
        bounds.push(padded.len());
        // Four-letter pieces of words of four letters or more.
        if bounds.len() > 6 {
            for i in 0..bounds.len() - 4 {
                out.push(Feature {
                    bucket: fnv(&[b"c", &padded.as_bytes()[bounds[i]..bounds[i + 4]]]),
                    word: None,
                });
            }
        }
    }
    out.sort_unstable_by_key(|f| (f.bucket, f.word.is_none()));
    out.dedup_by_key(|f| f.bucket);
    out
}

fn labels(category: Option<Category>, priority: Option<Priority>) -> Vec<usize> {
    let mut out = Vec::with_capacity(2);
    if let Some(c) = category {
        out.push(c as usize);
    }
    if let Some(p) = priority {
        out.push(CATEGORIES + p as usize);
    }
    out
}

impl Model {
    /// Decisions learnt by the category head and by the priority head.
    pub fn decisions(&self) -> (u32, u32) {
        (
            self.docs[..CATEGORIES].iter().sum(),
            self.docs[CATEGORIES..].iter().sum(),
        )
    }

    /// Learns (`sign` 1) or forgets (`sign` -1) a decision on a text: its category, its
    /// priority or both.
    pub fn learn(
        &mut self,
        text: &str,
        category: Option<Category>,
        priority: Option<Priority>,
        sign: i32,
    ) {
        let classes = labels(category, priority);
        if classes.is_empty() {
            return;
        }
        let (folded, _) = fold_with_origins(text);
        let feats = features(&folded);
        for &class in &classes {
            let docs = &mut self.docs[class];
            *docs = if sign > 0 {
                docs.saturating_add(1)
            } else {
                docs.saturating_sub(1)
            };
        }
        for f in &feats {
            let entry = self.counts.entry(f.bucket).or_default();
            for &class in &classes {
                let slot = match entry.iter().position(|(c, _)| usize::from(*c) == class) {
                    Some(i) => i,
                    None if sign > 0 => {
                        entry.push((class as u8, 0));
                        entry.len() - 1
                    }
                    // Forgotten already (pruned): nothing to take away.
                    None => continue,
                };
                let n = &mut entry[slot].1;
                if sign > 0 {
                    *n = n.saturating_add(1);
                    self.totals[class] += 1;
                } else if *n > 0 {
                    *n -= 1;
                    self.totals[class] = self.totals[class].saturating_sub(1);
                }
            }
            entry.retain(|(_, n)| *n > 0);
            if entry.is_empty() {
                self.counts.remove(&f.bucket);
            }
        }
    }

    /// Follows a volunteer's change of a report: the decision `before` held is forgotten (none
    /// when the report is new) and the one `after` holds learnt. A decision is a category or
    /// priority a volunteer set (not the suggestion). Returns whether the model changed.
    pub fn revise(&mut self, before: Option<&Report>, after: &Report) -> bool {
        if !changes_decision(before, after) {
            return false;
        }
        if let Some(b) = before {
            self.learn(&b.text, b.category, b.priority, -1);
        }
        self.learn(&after.text, after.category, after.priority, 1);
        true
    }

    /// The counts of the features the model has seen, each feature looked up once.
    fn seen(&self, feats: &[Feature]) -> Vec<&[(u8, u32)]> {
        feats
            .iter()
            .filter_map(|f| self.counts.get(&f.bucket).map(Counts::as_slice))
            .collect()
    }

    /// What the counts of the seen features add to each class's log-likelihood, beyond their
    /// smoothing, in one pass for both heads.
    fn evidence(seen: &[&[(u8, u32)]]) -> [f64; CLASSES] {
        let ln_alpha = ALPHA.ln();
        let mut sums = [0.0; CLASSES];
        for entry in seen {
            for &(class, n) in entry.iter() {
                if let Some(sum) = sums.get_mut(usize::from(class)) {
                    *sum += ln_count(n) - ln_alpha;
                }
            }
        }
        sums
    }

    /// The posteriors of the classes of a head over a text's features that the model has
    /// seen (`features` of them, with their [`Model::evidence`]; features it never saw weigh
    /// nothing), for the classes with a decision; `None` before the head has learnt enough.
    fn posteriors(
        &self,
        features: usize,
        evidence: &[f64; CLASSES],
        head: std::ops::Range<usize>,
    ) -> Option<Vec<f64>> {
        let docs: u32 = self.docs[head.clone()].iter().sum();
        let classes = self.docs[head.clone()].iter().filter(|d| **d > 0).count();
        if docs < MIN_DECISIONS || classes < 2 {
            return None;
        }
        let vocabulary = self.counts.len() as f64 + 1.0;
        let ln_alpha = ALPHA.ln();
        let features = features as f64;
        // Every seen feature as if counted 0 times in each class, then the counts it has.
        let mut logs: Vec<f64> = head
            .map(|c| {
                if self.docs[c] == 0 {
                    return f64::NEG_INFINITY;
                }
                let denominator = (self.totals[c] as f64 + ALPHA * vocabulary).ln();
                let likelihood = features * (ln_alpha - denominator) + evidence[c];
                (f64::from(self.docs[c]) / f64::from(docs)).ln() + likelihood / TEMPERATURE
            })
            .collect();
        let max = logs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut sum = 0.0;
        for l in &mut logs {
            *l = (*l - max).exp();
            sum += *l;
        }
        Some(logs.into_iter().map(|l| l / sum).collect())
    }

    fn best(posteriors: &[f64]) -> (usize, f64) {
        posteriors
            .iter()
            .copied()
            .enumerate()
            .fold((0, f64::MIN), |b, (i, p)| if p > b.1 { (i, p) } else { b })
    }

    /// What the model suggests for a folded text.
    pub fn suggest(&self, folded: &str) -> Learned {
        let feats = features(folded);
        self.suggest_features(&feats)
    }

    fn suggest_features(&self, feats: &[Feature]) -> Learned {
        let seen = self.seen(feats);
        let evidence = Model::evidence(&seen);
        let category = self
            .posteriors(seen.len(), &evidence, 0..CATEGORIES)
            .map(|p| {
                let (i, p) = Model::best(&p);
                (Category::ALL[i], p)
            });
        let priority = self
            .posteriors(seen.len(), &evidence, CATEGORIES..CLASSES)
            .map(|p| {
                let (i, p) = Model::best(&p);
                (Priority::ALL[i], p)
            });
        Learned { category, priority }
    }

    /// Combines the rules' suggestion for `text` (with its reasons) with the model, by the
    /// rules in the module's header. Returns whether the model changed it.
    pub fn refine(
        &self,
        text: &str,
        official: bool,
        suggestion: &mut Suggestion,
        reasons: &mut Vec<Reason>,
    ) -> bool {
        let (folded, origins) = fold_with_origins(text);
        self.refine_folded(text, &folded, &origins, official, suggestion, reasons)
    }

    /// [`Model::refine`], given the folding of `text` ([`fold_with_origins`]).
    pub fn refine_folded(
        &self,
        text: &str,
        folded: &str,
        origins: &[WordOrigin],
        official: bool,
        suggestion: &mut Suggestion,
        reasons: &mut Vec<Reason>,
    ) -> bool {
        if suggestion.priority == Priority::Critical
            || reasons.iter().any(|r| r.rule == Rule::SourceFields)
        {
            return false;
        }
        let feats = features(folded);
        let learned = self.suggest_features(&feats);
        let rules = *suggestion;
        if let Some((c, p)) = learned.category {
            // Only where the rules found no words for their category.
            let weak = rules.category == Category::Other
                || !reasons.iter().any(|r| r.rule == Rule::Evidence);
            if p >= CATEGORY_CONFIDENCE && weak {
                suggestion.category = c;
            }
        }
        if let Some((mut priority, p)) = learned.priority {
            if official && priority == Priority::Critical {
                priority = Priority::High;
            }
            if p >= PRIORITY_CONFIDENCE {
                suggestion.priority = priority;
            }
        }
        if *suggestion == rules {
            return false;
        }
        // The words that weighed most for the model's choice against the rules'.
        let (for_class, against) = if suggestion.category != rules.category {
            (suggestion.category as usize, rules.category as usize)
        } else {
            (
                CATEGORIES + suggestion.priority as usize,
                CATEGORIES + rules.priority as usize,
            )
        };
        let vocabulary = self.counts.len() as f64 + 1.0;
        let mut weighed: Vec<(f64, (usize, usize))> = feats
            .iter()
            .filter_map(|f| {
                let span = f.word?;
                let entry = self.counts.get(&f.bucket)?;
                let n = |c: usize| {
                    entry
                        .iter()
                        .find(|(k, _)| usize::from(*k) == c)
                        .map_or(0.0, |(_, n)| f64::from(*n))
                };
                let rate = |c: usize| (n(c) + ALPHA) / (self.totals[c] as f64 + ALPHA * vocabulary);
                let w = (rate(for_class) / rate(against)).ln();
                (w > 0.0).then_some((w, span))
            })
            .collect();
        weighed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut words: Vec<String> = Vec::new();
        for (_, (from, to)) in weighed {
            if words.len() == 3 {
                break;
            }
            if let Some(q) = quote(text, origins, from, to) {
                if !words.iter().any(|w| w == q) {
                    words.push(q.to_string());
                }
            }
        }
        reasons.insert(
            0,
            Reason {
                rule: Rule::Learned,
                category: (suggestion.category != rules.category).then_some(suggestion.category),
                words,
            },
        );
        true
    }

    /// The model as stored: compact bytes, deflated, in base64, under [`MAX_STORED_BYTES`] (the rarest
    /// features are forgotten first when it would be over).
    pub fn encode(&mut self) -> String {
        let mut floor = 0;
        loop {
            let mut deflate =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            // Writing to memory cannot fail.
            let _ = deflate.write_all(&self.bytes());
            let bytes = deflate.finish().unwrap_or_default();
            let text = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&bytes);
            if text.len() <= MAX_STORED_BYTES {
                return text;
            }
            floor += 1;
            self.forget_rarer_than(floor);
        }
    }

    /// Forgets the features counted at most `floor` times in all.
    fn forget_rarer_than(&mut self, floor: u32) {
        let totals = &mut self.totals;
        self.counts.retain(|_, entry| {
            let n: u32 = entry.iter().map(|(_, n)| *n).sum();
            if n > floor {
                return true;
            }
            for (c, n) in entry.iter() {
                totals[usize::from(*c)] = totals[usize::from(*c)].saturating_sub(u64::from(*n));
            }
            false
        });
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.counts.len() * 6);
        out.extend_from_slice(MAGIC);
        for d in self.docs {
            varint(&mut out, u64::from(d));
        }
        for t in self.totals {
            varint(&mut out, t);
        }
        varint(&mut out, self.counts.len() as u64);
        let mut buckets: Vec<(&u32, &Counts)> = self.counts.iter().collect();
        buckets.sort_unstable_by_key(|(b, _)| **b);
        let mut last = 0u32;
        for (bucket, entry) in buckets {
            varint(&mut out, u64::from(bucket - last));
            last = *bucket;
            out.push(entry.len() as u8);
            for (c, n) in entry {
                out.push(*c);
                varint(&mut out, u64::from(*n));
            }
        }
        out
    }

    /// Reads a stored model ([`Model::encode`]).
    pub fn decode(text: &str) -> Result<Model, ModelError> {
        let packed = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(text.trim())
            .map_err(|e| ModelError(format!("not base64: {e}")))?;
        let mut bytes = Vec::new();
        flate2::read::DeflateDecoder::new(packed.as_slice())
            .take(MAX_UNPACKED_BYTES)
            .read_to_end(&mut bytes)
            .map_err(|e| ModelError(format!("not deflated: {e}")))?;
        let mut r = Reader {
            bytes: &bytes,
            at: 0,
        };
        if r.take(4)? != MAGIC {
            return Err(ModelError("not a Vigie triage model".into()));
        }
        let mut m = Model::default();
        for d in &mut m.docs {
            *d = u32::try_from(r.varint()?).map_err(|_| ModelError("count too large".into()))?;
        }
        for t in &mut m.totals {
            *t = r.varint()?;
        }
        let n = r.varint()?;
        let mut bucket = 0u64;
        for _ in 0..n {
            bucket += r.varint()?;
            if bucket >= BUCKETS {
                return Err(ModelError(format!("feature {bucket} out of range")));
            }
            let k = r.take(1)?[0];
            let mut entry = Counts::with_capacity(usize::from(k));
            for _ in 0..k {
                let c = r.take(1)?[0];
                if usize::from(c) >= CLASSES {
                    return Err(ModelError(format!("class {c} out of range")));
                }
                let count =
                    u32::try_from(r.varint()?).map_err(|_| ModelError("count too large".into()))?;
                entry.push((c, count));
            }
            m.counts.insert(bucket as u32, entry);
        }
        if r.at != bytes.len() {
            return Err(ModelError("bytes left over".into()));
        }
        Ok(m)
    }
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], ModelError> {
        let piece = self
            .bytes
            .get(self.at..self.at + n)
            .ok_or_else(|| ModelError("cut short".into()))?;
        self.at += n;
        Ok(piece)
    }

    fn varint(&mut self) -> Result<u64, ModelError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.take(1)?[0];
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(ModelError("number too long".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::classify_explained;

    pub(super) fn trained() -> Model {
        let mut m = Model::default();
        for i in 0..30 {
            m.learn(
                &format!("les sargasses s'échouent à la plage numéro {i}, odeur forte"),
                Some(Category::Hazard),
                Some(Priority::Medium),
                1,
            );
            m.learn(
                &format!("distribution de repas au gymnase {i}, venez nombreux"),
                Some(Category::Solidarity),
                Some(Priority::Low),
                1,
            );
        }
        m
    }

    fn suggest(m: &Model, text: &str, official: bool) -> (Suggestion, Vec<Reason>) {
        let (folded, origins) = fold_with_origins(text);
        let (mut s, mut r) = classify_explained(text, &folded, &origins, official);
        m.refine(text, official, &mut s, &mut r);
        (s, r)
    }

    #[test]
    fn learns_the_crisis_words_and_says_so() {
        let m = trained();
        let text = "Encore des Sargasses à Sainte-Anne ce matin";
        let (before, _) = suggest(&Model::default(), text, false);
        assert_ne!(
            before.category,
            Category::Hazard,
            "the rules alone: {before:?}"
        );
        let (after, reasons) = suggest(&m, text, false);
        assert_eq!(after.category, Category::Hazard);
        assert_eq!(reasons[0].rule, Rule::Learned);
        assert_eq!(reasons[0].category, Some(Category::Hazard));
        assert!(
            reasons[0].words.iter().any(|w| w == "Sargasses"),
            "quoted as written: {:?}",
            reasons[0].words
        );
    }

    #[test]
    fn nothing_changes_before_enough_decisions() {
        let mut m = Model::default();
        for _ in 0..(MIN_DECISIONS / 2 - 1) {
            m.learn("sargasses plage", Some(Category::Hazard), None, 1);
            m.learn("repas gymnase", Some(Category::Solidarity), None, 1);
        }
        let (s, r) = suggest(&m, "sargasses sur la plage", false);
        assert_ne!(s.category, Category::Hazard);
        assert!(r.iter().all(|r| r.rule != Rule::Learned));
    }

    #[test]
    fn a_life_at_risk_found_by_the_rules_is_never_overridden() {
        let mut m = trained();
        // Even a model taught that this very post is low solidarity.
        let text = "au secours on est bloqués sur le toit, l'eau monte, venez nombreux";
        for _ in 0..40 {
            m.learn(text, Some(Category::Solidarity), Some(Priority::Low), 1);
        }
        let (s, r) = suggest(&m, text, false);
        assert_eq!(s.priority, Priority::Critical);
        assert_eq!(s.category, Category::Rescue);
        assert!(r.iter().all(|r| r.rule != Rule::Learned));
    }

    #[test]
    fn an_official_source_is_never_made_critical() {
        let mut m = Model::default();
        for i in 0..40 {
            m.learn(
                &format!("alerte barrage de la rivière {i}"),
                Some(Category::Hazard),
                Some(Priority::Critical),
                1,
            );
            m.learn(
                &format!("marché ouvert {i}"),
                Some(Category::Other),
                Some(Priority::Low),
                1,
            );
        }
        let (s, _) = suggest(&m, "alerte barrage de la rivière", true);
        assert_eq!(s.priority, Priority::High);
        let (s, _) = suggest(&m, "alerte barrage de la rivière", false);
        assert_eq!(s.priority, Priority::Critical);
    }

    #[test]
    fn a_changed_decision_is_forgotten_exactly() {
        let empty = Model::default();
        let mut m = Model::default();
        m.learn(
            "les sargasses",
            Some(Category::Hazard),
            Some(Priority::Low),
            1,
        );
        m.learn(
            "les sargasses",
            Some(Category::Hazard),
            Some(Priority::Low),
            -1,
        );
        assert_eq!(m, empty);

        let mut report = crate::report::fixtures::ingested(&crate::report::fixtures::observation(
            "des sargasses à la plage",
        ));
        let before = report.clone();
        report.category = Some(Category::Hazard);
        assert!(m.revise(Some(&before), &report));
        assert_eq!(m.decisions(), (1, 0));
        let mut changed = report.clone();
        changed.category = Some(Category::Other);
        changed.priority = Some(Priority::Low);
        assert!(m.revise(Some(&report), &changed));
        assert_eq!(m.decisions(), (1, 1));
        let mut expected = Model::default();
        expected.learn(
            "des sargasses à la plage",
            Some(Category::Other),
            Some(Priority::Low),
            1,
        );
        assert_eq!(m, expected);
        assert!(!m.revise(Some(&changed), &changed.clone()));
    }

    #[test]
    fn stored_and_read_back_the_same_and_a_bad_one_is_named() {
        let mut m = trained();
        let text = m.encode();
        assert_eq!(Model::decode(&text).unwrap(), m);
        let err = Model::decode("bm90IGEgbW9kZWw").unwrap_err().to_string();
        assert!(err.contains("not deflated"), "{err}");
        let mut deflate =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        deflate.write_all(b"some other bytes").unwrap();
        let other =
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(deflate.finish().unwrap());
        let err = Model::decode(&other).unwrap_err().to_string();
        assert!(err.contains("not a Vigie triage model"), "{err}");
        let err = Model::decode(&text[..text.len() / 2])
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot be read"), "{err}");
    }

    #[test]
    fn the_stored_model_stays_under_its_size() {
        let mut m = Model::default();
        // Many decisions of distinct words: far more features than fit.
        for i in 0..12_000u32 {
            let words: Vec<String> = (0..12).map(|k| format!("w{}x{}", i, k * 7919)).collect();
            m.learn(
                &words.join(" "),
                Some(Category::ALL[(i % 12) as usize]),
                None,
                1,
            );
        }
        m.learn("sargasses plage", Some(Category::Hazard), None, 1);
        m.learn("sargasses plage", Some(Category::Hazard), None, 1);
        let text = m.encode();
        assert!(text.len() <= MAX_STORED_BYTES, "{}", text.len());
        let read = Model::decode(&text).unwrap();
        assert_eq!(read.decisions().0, 12_002);
        // What was seen more than once is kept.
        let feats = features(" sargasses plage ");
        assert!(feats.iter().all(|f| read.counts.contains_key(&f.bucket)));
    }
}
