//! Place names of a territory, and the geoparser that finds them in a post.
//!
//! The gazetteer is a CSV (format in `data/README.md`). Bundled: Guadeloupe's, hand-curated
//! (`builtin:guadeloupe`, also `builtin:fr-971`), and one per French department or territory
//! generated from open data (`builtin:fr-56`, `builtin:fr-972`: `data/fr/README.md`). What is
//! special to a territory (names elsewhere, everyday words, homonyms, the Basse-Terre
//! town-or-island rule) is data too, in `data/territories.toml`. Two communes of one territory
//! under one form ("Vergné" and "La Vergne" in Charente-Maritime, both "vergne" folded): the one
//! whose own name the post writes, else none, as for any name the geoparser is unsure of. The
//! geoparser
//! matches the longest known name in the post, in any of its everyday forms (accents, case,
//! hyphens, missing articles, St-/Ste-, hashtags such as `#PointeAPitre`, postal codes, Creole
//! names, well-known localities such as Jarry, a name written in one piece or in pieces such as
//! "Granbou" or "Ti-Bou"), and returns nothing when unsure: a name that also exists elsewhere and
//! is placed there by the post ("Sainte-Anne en Martinique", "Martinique : ... au Lamentin"), the
//! whole territory named by a post about somewhere else ("une collecte à Paris pour la
//! Guadeloupe"), a river named after a commune ("la rivière Grande Goyave"), or a place name that
//! is also a common word used as one ("un moule à gâteau").
//!
//! When a post names several communes, the one introduced as where things happen ("à Jarry",
//! "in Goyave", Creole "a Vyéfò") wins over one named as a viewpoint or a direction ("on voit la
//! fumée depuis les Abymes", "plus moyen de passer vers Deshaies"); then the first named.

use crate::taxonomy::Precision;
use crate::text::{camel_boundary, fold_name};
use serde::Deserialize;
// The names are the territory's own data, not a visitor's: a fast hasher without
// flooding resistance suits them.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::io::Read;
use std::sync::OnceLock;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

const GUADELOUPE_CSV: &str = include_str!("../data/gazetteer-guadeloupe.csv");
/// What is special to each territory (names elsewhere, everyday words, homonyms, town or area).
const TERRITORIES_TOML: &str = include_str!("../data/territories.toml");
/// The generated gazetteers of the other French territories: one gzip member per territory
/// in `communes.csv.gz`, found by its offset and length in `index.csv` (`data/fr/README.md`).
const FR_INDEX: &str = include_str!("../data/fr/index.csv");
const FR_COMMUNES: &[u8] = include_bytes!("../data/fr/communes.csv.gz");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKind {
    Commune,
    Area,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub kind: PlaceKind,
    pub insee: Option<String>,
    pub name: String,
    pub alt_names: Vec<String>,
    pub island: String,
    pub postal_codes: Vec<String>,
    pub population: Option<u64>,
    pub lat: f64,
    pub lon: f64,
}

impl Place {
    pub fn precision(&self) -> Precision {
        match self.kind {
            PlaceKind::Commune => Precision::Commune,
            PlaceKind::Area => Precision::Area,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: line {line}: {reason}")]
pub struct GazetteerError {
    pub source_name: String,
    pub line: usize,
    pub reason: String,
}

#[derive(Deserialize)]
struct Row {
    kind: String,
    insee: String,
    name: String,
    alt_names: String,
    island: String,
    postal_codes: String,
    population: String,
    lat: f64,
    lon: f64,
    /// Forms of the name that are also everyday words (generated gazetteers).
    #[serde(default)]
    common_words: String,
}

/// What the geoparser knows of a territory beyond its places: one section of
/// `data/territories.toml`, which documents each field.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerritoryRules {
    #[serde(default)]
    pub elsewhere: Vec<String>,
    #[serde(default)]
    pub common_words: Vec<String>,
    #[serde(default)]
    pub introduced_only: Vec<String>,
    #[serde(default)]
    pub homonyms: Vec<Homonym>,
    #[serde(default)]
    pub town_or_area: Vec<TownOrArea>,
}

/// A commune whose name is also a place in another territory, and the words naming that one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Homonym {
    pub insee: String,
    pub elsewhere: Vec<String>,
}

/// A commune and an area of the same name, and the words that tell them apart.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownOrArea {
    pub town: String,
    pub area: String,
    #[serde(default)]
    pub area_before: Vec<String>,
    #[serde(default)]
    pub area_after: Vec<String>,
    #[serde(default)]
    pub town_around: Vec<String>,
}

fn territories() -> &'static HashMap<String, TerritoryRules> {
    static RULES: OnceLock<HashMap<String, TerritoryRules>> = OnceLock::new();
    RULES.get_or_init(|| {
        toml::from_str(TERRITORIES_TOML)
            .unwrap_or_else(|e| panic!("data/territories.toml is valid: {e}"))
    })
}

impl TerritoryRules {
    /// The rules of a builtin territory (`fr-972`), or the default ones.
    pub fn of(territory: &str) -> TerritoryRules {
        let all = territories();
        all.get(territory)
            .or_else(|| all.get("default"))
            .cloned()
            .unwrap_or_default()
    }
}

/// One generated territory of `data/fr/index.csv`.
#[derive(Debug, Clone, Deserialize)]
struct IndexRow {
    territory: String,
    #[allow(dead_code)]
    name: String,
    offset: usize,
    length: usize,
    #[allow(dead_code)]
    communes: usize,
}

fn fr_index() -> &'static [IndexRow] {
    static INDEX: OnceLock<Vec<IndexRow>> = OnceLock::new();
    INDEX.get_or_init(|| {
        csv::Reader::from_reader(FR_INDEX.as_bytes())
            .deserialize()
            .collect::<Result<Vec<IndexRow>, _>>()
            .unwrap_or_else(|e| panic!("data/fr/index.csv is valid: {e}"))
    })
}

/// The names of the builtin gazetteers: `guadeloupe`, then `fr-` and the code of each French
/// department or territory bundled (`fr-01` … `fr-95`, `fr-2A`, `fr-2B`, `fr-971` … `fr-978`).
pub fn builtin_names() -> Vec<String> {
    let mut names = vec!["guadeloupe".to_string(), "fr-971".to_string()];
    names.extend(fr_index().iter().map(|r| format!("fr-{}", r.territory)));
    names.sort_by_key(|n| (n != "guadeloupe", n.len() > 5, n.clone()));
    names
}

/// Whether `name` is a builtin gazetteer, without loading it.
pub fn is_builtin(name: &str) -> bool {
    name == "guadeloupe"
        || name == "fr-971"
        || name
            .strip_prefix("fr-")
            .is_some_and(|code| fr_index().iter().any(|r| r.territory == code))
}

/// The builtin gazetteers in a few words, for an error message.
pub fn builtin_summary() -> String {
    let names = builtin_names();
    let mainland: Vec<&String> = names.iter().filter(|n| n.len() == 5).collect();
    let overseas: Vec<&str> = names
        .iter()
        .filter(|n| n.len() > 5 && n.starts_with("fr-"))
        .map(String::as_str)
        .collect();
    format!(
        "guadeloupe, {}…{} (with fr-2A, fr-2B), {}",
        mainland.first().map_or("", |s| s.as_str()),
        mainland.last().map_or("", |s| s.as_str()),
        overseas.join(", ")
    )
}

/// A territory's places with every form under which posts name them.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    places: Vec<Place>,
    /// Folded form (words separated by one space) → places it may name.
    forms: HashMap<String, Vec<usize>>,
    /// The same forms without spaces: a hashtag or a word written in one piece
    /// ("#pointeapitre", "Granbou"), or a one-word name written in pieces ("Ti-Bou", "Sent-Ann").
    joined: HashMap<String, Vec<usize>>,
    postal: HashMap<String, usize>,
    /// The most words of a form.
    longest: usize,
    /// A form's first word → the most words of the forms it starts (no other word starts a
    /// form: the search for names skips it at once).
    starts: HashMap<String, usize>,
    rules: TerritoryRules,
    /// Folded one-word forms that are also everyday words (the territory's rules): places when
    /// written as names or introduced as places.
    common: HashSet<String>,
    /// Everyday words flagged by the gazetteer's `common_words` column: places only when
    /// written as names (capitalised, in a hashtag).
    named_only: HashSet<String>,
}

/// Words before "Grande X" that make it the name of a river ("la rivière Grande Goyave"), not
/// the commune.
const RIVER_WORDS: &[&str] = &[
    "riviere", "ravine", "river", "rivye", "larivye", "lariviye", "larivie", "ravin",
];
const PLACE_INTRODUCERS: &[&str] = &[
    "a", "au", "en", "sur", "vers", "depuis", "pour", "le", "la", "les", "in", "at", "near", "to",
    "from", "kot", "adan", "o", "an", "di", "bourg", "commune", "ville", "secteur", "quartier",
];
/// Words before a name that introduce it as where the event is ("à Jarry", Creole "a Vyéfò").
const EVENT_INTRODUCERS: &[&str] = &["a", "au", "aux", "in", "at", "adan", "kot"];
/// Words before a name that introduce it as a viewpoint or a direction ("depuis les Abymes",
/// "vers Deshaies", "to La Désirade"), not where the event is.
const ASIDE_INTRODUCERS: &[&str] = &["depuis", "vers", "to", "toward", "towards"];
/// What the geoparser found.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceMatch<'g> {
    pub place: &'g Place,
    /// Index of the first word of the match, for ordering.
    pub at: usize,
}

impl Gazetteer {
    /// Guadeloupe, bundled with Vigie.
    pub fn guadeloupe() -> Gazetteer {
        Gazetteer::from_csv_with(
            "builtin:guadeloupe",
            GUADELOUPE_CSV,
            TerritoryRules::of("fr-971"),
        )
        .unwrap_or_else(|e| panic!("bundled gazetteer is valid: {e}"))
    }

    /// A builtin gazetteer by name (see [`builtin_names`]): `guadeloupe` (also `fr-971`), or
    /// `fr-` and a department's or territory's code (`fr-972`, `fr-56`, `fr-2A`). Only the
    /// territory asked for is decompressed. `None` for any other name: a crisis file naming
    /// one is refused, never given another territory's places.
    pub fn builtin(name: &str) -> Option<Gazetteer> {
        if name == "guadeloupe" || name == "fr-971" {
            return Some(Gazetteer::guadeloupe());
        }
        let code = name.strip_prefix("fr-")?;
        let row = fr_index().iter().find(|r| r.territory == code)?;
        let member = FR_COMMUNES.get(row.offset..row.offset + row.length)?;
        let mut text = String::new();
        flate2::read::GzDecoder::new(member)
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("bundled gazetteer {name} decompresses: {e}"));
        let source = format!("builtin:{name}");
        Some(
            Gazetteer::from_csv_with(&source, &text, TerritoryRules::of(name))
                .unwrap_or_else(|e| panic!("bundled gazetteer is valid: {e}")),
        )
    }

    /// Reads a gazetteer CSV, with the default territory rules. `source_name` names it in
    /// errors.
    pub fn from_csv(source_name: &str, text: &str) -> Result<Gazetteer, GazetteerError> {
        Gazetteer::from_csv_with(source_name, text, TerritoryRules::of("default"))
    }

    /// Reads a gazetteer CSV with the given territory rules.
    pub fn from_csv_with(
        source_name: &str,
        text: &str,
        rules: TerritoryRules,
    ) -> Result<Gazetteer, GazetteerError> {
        let fail = |line: usize, reason: String| GazetteerError {
            source_name: source_name.to_string(),
            line,
            reason,
        };
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let mut places = Vec::new();
        let common: HashSet<String> = rules.common_words.iter().cloned().collect();
        let mut named_only: HashSet<String> = HashSet::default();
        for (i, row) in reader.deserialize::<Row>().enumerate() {
            let line = i + 2;
            let row = row.map_err(|e| fail(line, e.to_string()))?;
            let kind = match row.kind.as_str() {
                "commune" => PlaceKind::Commune,
                "area" => PlaceKind::Area,
                other => return Err(fail(line, format!("kind `{other}` is not commune or area"))),
            };
            if kind == PlaceKind::Commune && row.insee.trim().is_empty() {
                return Err(fail(line, "a commune needs its insee code".into()));
            }
            if !(-90.0..=90.0).contains(&row.lat) || !(-180.0..=180.0).contains(&row.lon) {
                return Err(fail(
                    line,
                    format!("lat/lon {} {} out of range", row.lat, row.lon),
                ));
            }
            if row.name.trim().is_empty() {
                return Err(fail(line, "name is empty".into()));
            }
            let list = |s: &str| {
                s.split(';')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(String::from)
                    .collect::<Vec<_>>()
            };
            named_only.extend(
                list(&row.common_words)
                    .into_iter()
                    .filter(|w| !common.contains(w)),
            );
            places.push(Place {
                kind,
                insee: Some(row.insee.trim().to_string()).filter(|s| !s.is_empty()),
                name: row.name.trim().to_string(),
                alt_names: list(&row.alt_names),
                island: row.island.trim().to_string(),
                postal_codes: list(&row.postal_codes),
                population: row.population.trim().parse().ok(),
                lat: row.lat,
                lon: row.lon,
            });
        }
        if places.is_empty() {
            return Err(fail(1, "no places".into()));
        }
        Ok(Gazetteer::index(places, rules, common, named_only))
    }

    fn index(
        places: Vec<Place>,
        rules: TerritoryRules,
        common: HashSet<String>,
        named_only: HashSet<String>,
    ) -> Gazetteer {
        let mut forms: HashMap<String, Vec<usize>> = HashMap::default();
        let mut joined: HashMap<String, Vec<usize>> = HashMap::default();
        let mut postal: HashMap<String, Vec<usize>> = HashMap::default();
        for (i, p) in places.iter().enumerate() {
            let mut names: Vec<String> = std::iter::once(&p.name)
                .chain(p.alt_names.iter())
                .map(|n| fold_name(n))
                .collect();
            // "Basse-Terre (île)" is named "Basse-Terre" in posts: the bracket is for readers.
            names.extend(p.name.split_once('(').map(|(n, _)| fold_name(n)));
            let mut extra = Vec::new();
            for n in &names {
                for article in ["les ", "le ", "la ", "l "] {
                    if let Some(rest) = n.strip_prefix(article) {
                        extra.push(rest.to_string());
                    }
                }
                for (long, short) in [("saint ", "st "), ("sainte ", "ste ")] {
                    if let Some(rest) = n.strip_prefix(long) {
                        extra.push(format!("{short}{rest}"));
                    }
                }
            }
            names.extend(extra);
            for n in names {
                if n.is_empty() {
                    continue;
                }
                let entry = forms.entry(n.clone()).or_default();
                if !entry.contains(&i) {
                    entry.push(i);
                }
                let entry = joined.entry(n.replace(' ', "")).or_default();
                if !entry.contains(&i) {
                    entry.push(i);
                }
            }
            for code in &p.postal_codes {
                postal.entry(code.clone()).or_default().push(i);
            }
        }
        // A postal code shared by several communes (frequent in rural France) names none of
        // them.
        let postal: HashMap<String, usize> = postal
            .into_iter()
            .filter_map(|(code, at): (String, Vec<usize>)| match at.as_slice() {
                [one] => Some((code, *one)),
                _ => None,
            })
            .collect();
        let mut starts: HashMap<String, usize> = HashMap::default();
        for key in forms.keys() {
            let first = key.split(' ').next().unwrap_or_default();
            let most = starts.entry(first.to_string()).or_default();
            *most = (*most).max(key.split(' ').count());
        }
        let longest = starts.values().copied().max().unwrap_or(1);
        Gazetteer {
            places,
            forms,
            joined,
            postal,
            longest,
            starts,
            rules,
            common,
            named_only,
        }
    }

    pub fn places(&self) -> &[Place] {
        &self.places
    }

    pub fn by_insee(&self, insee: &str) -> Option<&Place> {
        self.places
            .iter()
            .find(|p| p.insee.as_deref() == Some(insee))
    }

    /// A place as a volunteer names it: an INSEE code, `area:NAME`, or any known form of a name.
    pub fn resolve(&self, name: &str) -> Option<&Place> {
        let name = name.trim();
        if let Some(p) = self.by_insee(name) {
            return Some(p);
        }
        let (wanted_area, name) = match name.strip_prefix("area:") {
            Some(rest) => (true, rest),
            None => (false, name),
        };
        if let Some(p) = self.places.iter().find(|p| p.name == name) {
            return Some(p);
        }
        let candidates = self.forms.get(&fold_name(name))?;
        let pick = |kind| {
            candidates
                .iter()
                .map(|&i| &self.places[i])
                .find(|p| p.kind == kind)
        };
        if wanted_area {
            pick(PlaceKind::Area)
        } else {
            pick(PlaceKind::Commune).or_else(|| pick(PlaceKind::Area))
        }
    }

    /// The place a post is about, or `None` when it names none of the territory's places or
    /// the geoparser is unsure. A commune wins over an area (an island over the whole
    /// territory); among equals, a name introduced as the event place wins over a neutral one,
    /// which wins over a viewpoint or a direction; then the first named.
    pub fn locate(&self, text: &str) -> Option<&Place> {
        let words = tokens(text);
        let matches = self.matches(&words);
        let rank = |m: &PlaceMatch| match (m.place.kind, m.place.insee.is_some()) {
            (PlaceKind::Commune, _) => 0,
            (PlaceKind::Area, _) if m.place.island.is_empty() => 2,
            (PlaceKind::Area, _) => 1,
        };
        let role = |m: &PlaceMatch| match m.at.checked_sub(1).map(|p| words[p].text.as_str()) {
            Some(p) if EVENT_INTRODUCERS.contains(&p) => 0,
            Some(p) if ASIDE_INTRODUCERS.contains(&p) => 2,
            _ => 1,
        };
        matches
            .iter()
            .min_by_key(|m| (rank(m), role(m), m.at))
            .map(|m| m.place)
    }

    /// Every accepted place name in the post, in order.
    pub fn matches(&self, words: &[Word]) -> Vec<PlaceMatch<'_>> {
        let elsewhere = self.elsewhere_positions(words);
        let mut out = Vec::new();
        let mut i = 0;
        let mut key = String::with_capacity(48);
        let mut compact = String::with_capacity(48);
        while i < words.len() {
            if words[i].text.len() == 5 && words[i].text.bytes().all(|b| b.is_ascii_digit()) {
                if let Some(&p) = self.postal.get(&words[i].text) {
                    out.push(PlaceMatch {
                        place: &self.places[p],
                        at: i,
                    });
                }
                i += 1;
                continue;
            }
            // A name is never the second part of a compound ("Bourg" in "Petit-Bourg").
            if words[i].hyphen_before {
                i += 1;
                continue;
            }
            let mut found = None;
            // Forms of up to `form_words` words start with this word; a name written in one
            // piece from several words ("Gran Bou") only where they are written as a name.
            let form_words = self.starts.get(&words[i].text).copied().unwrap_or(0);
            let most = if words[i].capital || words[i].tag {
                self.longest
            } else {
                form_words.max(1)
            };
            for len in (1..=most.min(words.len() - i)).rev() {
                // A name never spans two hashtags or a hashtag and the text after it.
                if words[i..i + len]
                    .windows(2)
                    .any(|w| w[1].tag_start || (w[0].tag != w[1].tag))
                {
                    continue;
                }
                // Nor the first part of a compound ("Saint-Martin" in "Saint-Martin-d'Hères"),
                // nor a name ending in "Saint" followed by the saint's name ("Le Saint" in
                // "le Saint Laurent").
                let after = words.get(i + len);
                if after.is_some_and(|w| w.hyphen_before)
                    || (after.is_some_and(|w| w.capital && !w.tag_start)
                        && matches!(
                            words[i + len - 1].text.as_str(),
                            "saint" | "sainte" | "st" | "ste"
                        ))
                {
                    continue;
                }
                key.clear();
                compact.clear();
                for (k, w) in words[i..i + len].iter().enumerate() {
                    if k > 0 {
                        key.push(' ');
                    }
                    key.push_str(&w.text);
                    compact.push_str(&w.text);
                }
                if len <= form_words {
                    if let Some(c) = self.forms.get(key.as_str()) {
                        found = Some((len, c.clone()));
                        break;
                    }
                }
                // Written in one piece or in pieces: "Granbou", "#pointeapitre", and "Ti-Bou"
                // when written as a name (not "on le sent" for Lésent).
                let as_name = len == 1 || words[i].capital || words[i].tag;
                if as_name {
                    if let Some(c) = self.joined.get(compact.as_str()) {
                        found = Some((len, c.clone()));
                        break;
                    }
                }
            }
            let Some((len, candidates)) = found else {
                i += 1;
                continue;
            };
            if let Some(place) = self.accept(words, i, len, &candidates, &elsewhere) {
                out.push(PlaceMatch { place, at: i });
            }
            i += len;
        }
        out
    }

    fn accept(
        &self,
        words: &[Word],
        at: usize,
        len: usize,
        candidates: &[usize],
        elsewhere: &[usize],
    ) -> Option<&Place> {
        let places: Vec<&Place> = candidates.iter().map(|&i| &self.places[i]).collect();
        // The whole territory ("Guadeloupe", "Gwada", also as a hashtag) is the place of the post
        // unless the post names a place outside it anywhere: then the event is there and the
        // territory is an origin or a beneficiary ("une collecte à Paris pour la Guadeloupe").
        // The territory's own hashtags count as naming it, as in the development set: any
        // commune or island named wins over it anyway.
        let whole_territory = places
            .iter()
            .all(|p| p.kind == PlaceKind::Area && p.island.is_empty());
        if whole_territory && !elsewhere.is_empty() {
            return None;
        }
        // Placed elsewhere by a nearby word ("Sainte-Anne en Martinique", "Port-Louis, Maurice").
        let end = at + len;
        if elsewhere.iter().any(|&e| e + 3 >= at && e <= end + 4) {
            return None;
        }
        let prev = at.checked_sub(1).map(|p| words[p].text.as_str());
        let prev2 = at.checked_sub(2).map(|p| words[p].text.as_str());
        let next = words.get(end).map(|w| w.text.as_str());
        // "la rivière Grande Goyave": a river named after a place ("la rivière de Goyave",
        // "la ravine à Gourbeyre" and "larivyè Gwayav" stay the commune).
        let river = |w: Option<&str>| w.is_some_and(|w| RIVER_WORDS.contains(&w));
        if matches!(prev, Some("grande" | "petite")) && river(prev2) {
            return None;
        }
        let introduced = prev.is_some_and(|p| PLACE_INTRODUCERS.contains(&p));
        // A name of one or two letters ("Y", "Eu") is a place only when capitalised and
        // introduced as one ("à Eu", not "il y a", "a eu lieu") or in a hashtag; a first name
        // ("Robert" for Le Robert) only when introduced as a place ("au Robert").
        if len == 1 {
            let word = &words[at];
            if word.text.chars().count() <= 2 && !word.tag && !(word.capital && introduced) {
                return None;
            }
            if !introduced && self.rules.introduced_only.contains(&word.text) {
                return None;
            }
        }
        // An everyday word is a place only when written or introduced as one, also after its
        // article ("Le Palais" or "au Palais", not "le palais de justice").
        let article = len == 2 && matches!(words[at].text.as_str(), "le" | "la" | "les" | "l");
        let core = &words[if article { at + 1 } else { at }];
        // Flagged by the gazetteer itself ("Rivière", "Rue", "Salles"): only written as a name,
        // "la rivière déborde" being no town.
        if (len == 1 || article)
            && self.named_only.contains(core.text.as_str())
            && !(core.capital || core.tag)
        {
            return None;
        }
        if (len == 1 || article) && self.common.contains(core.text.as_str()) {
            let named = core.capital || core.tag;
            if !(named || introduced) {
                return None;
            }
            // "moule à gâteau", "jus de goyave": food, not a town.
            if matches!(next, Some("a" | "au" | "de")) && !named {
                return None;
            }
            if matches!(prev, Some("jus" | "confiture" | "pate" | "de")) && !core.capital {
                return None;
            }
        }
        let communes: Vec<&Place> = places
            .iter()
            .filter(|p| p.kind == PlaceKind::Commune)
            .copied()
            .collect();
        let commune = match communes.as_slice() {
            [] => None,
            [one] => Some(*one),
            // Two communes under one form ("Vergné" and "La Vergne", both "vergne" folded):
            // the one whose own name is the words of the post, else none (ambiguous).
            several => {
                let exact: Vec<&Place> = several
                    .iter()
                    .filter(|p| names_exactly(p, &words[at..end]))
                    .copied()
                    .collect();
                match exact.as_slice() {
                    [one] => Some(*one),
                    _ => return None,
                }
            }
        };
        if commune.is_some_and(|p| self.named_elsewhere(p, words)) {
            return None;
        }
        let area = places.iter().find(|p| p.kind == PlaceKind::Area).copied();
        match (commune, area) {
            (Some(town), Some(island)) => {
                // "Basse-Terre": the town unless the words around it mean the island, as the
                // territory's rule for that name says; the town when it has no rule.
                let Some(rule) = self.rules.town_or_area.iter().find(|r| {
                    town.insee.as_deref() == Some(r.town.as_str()) && island.name == r.area
                }) else {
                    return Some(town);
                };
                let is = |list: &[String], w: Option<&str>| {
                    w.is_some_and(|w| list.iter().any(|c| c == w))
                };
                let town_cue = is(&rule.town_around, next)
                    || is(&rule.town_around, prev)
                    || (is(&rule.town_around, prev2) && prev == Some("de"));
                let island_cue = is(&rule.area_before, prev)
                    || (prev == Some("de") && is(&rule.area_before, prev2))
                    || is(&rule.area_after, next);
                if island_cue && !town_cue {
                    Some(island)
                } else {
                    Some(town)
                }
            }
            (Some(p), None) | (None, Some(p)) => Some(p),
            (None, None) => None,
        }
    }
}

/// A place offered to a volunteer typing its name, with the name (official or alternative)
/// that matched what they typed.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion<'g> {
    pub place: &'g Place,
    pub matched: &'g str,
}

impl PlaceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Commune => "commune",
            PlaceKind::Area => "area",
        }
    }
}

impl Gazetteer {
    /// The places whose name, or one of whose alternative or Creole names, has a word starting
    /// with `prefix` (see [`suggest`]).
    pub fn suggest(&self, prefix: &str, limit: usize) -> Vec<Suggestion<'_>> {
        suggest(&self.places, prefix, limit)
    }
}

/// Autocompletion of place names: the places of which a name (the official one or an
/// alternative, Creole, informal one) has a word that starts with `prefix`, accents, case and
/// punctuation ignored ("pointe-à-p", "Pitre", "lapw", "sen klo"). A prefix may also be written
/// in one piece across words ("pointeap"). One suggestion per place, naming the name that
/// matched: one matched from its first word rather than a later one, then the official name
/// rather than an alternative. Names matched from their first word come first, then
/// official names before alternative ones, then the most populated places, then by name. A
/// prefix with no letter or digit matches nothing.
pub fn suggest<'g>(places: &'g [Place], prefix: &str, limit: usize) -> Vec<Suggestion<'g>> {
    let wanted = fold_name(prefix);
    if wanted.is_empty() || limit == 0 {
        return Vec::new();
    }
    let compact: String = wanted.chars().filter(|c| *c != ' ').collect();
    // (matched from the first word?, an alternative name?, population, name) sorts best first.
    let mut found: Vec<(bool, bool, std::cmp::Reverse<u64>, &'g str, Suggestion<'g>)> = Vec::new();
    for place in places {
        let names =
            std::iter::once((false, &place.name)).chain(place.alt_names.iter().map(|n| (true, n)));
        let best = names
            .filter_map(|(alternative, name)| {
                word_prefix_at(&fold_name(name), &wanted, &compact)
                    .map(|word| (word > 0, alternative, name.as_str()))
            })
            .min_by_key(|(later_word, alternative, _)| (*later_word, *alternative));
        if let Some((later_word, alternative, matched)) = best {
            found.push((
                later_word,
                alternative,
                std::cmp::Reverse(place.population.unwrap_or(0)),
                place.name.as_str(),
                Suggestion { place, matched },
            ));
        }
    }
    found.sort_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));
    found.into_iter().take(limit).map(|f| f.4).collect()
}

/// The index of the first word of `name` (folded) from which `wanted` (folded) is a prefix,
/// as written or with the spaces left out (`compact`).
fn word_prefix_at(name: &str, wanted: &str, compact: &str) -> Option<usize> {
    let starts = std::iter::once(0).chain(name.match_indices(' ').map(|(i, _)| i + 1));
    starts.enumerate().find_map(|(word, at)| {
        let rest = &name[at..];
        let matches = rest.starts_with(wanted) || {
            let mut joined = rest.chars().filter(|c| *c != ' ');
            compact.chars().all(|c| joined.next() == Some(c))
        };
        matches.then_some(word)
    })
}

/// A word of a post as the geoparser sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// Folded: lowercase, no accents.
    pub text: String,
    /// Written with a capital first letter.
    pub capital: bool,
    /// Part of a hashtag.
    pub tag: bool,
    /// First word of a hashtag.
    pub tag_start: bool,
    /// Joined to the word before it by a hyphen, as the parts of a compound name
    /// ("Petit-Bourg": `bourg` is joined).
    pub hyphen_before: bool,
}

/// Splits a post into folded words, expanding hashtags (`#PointeAPitre` → pointe a pitre) and
/// skipping URLs and @mentions.
pub fn tokens(text: &str) -> Vec<Word> {
    let mut out = Vec::with_capacity(text.len() / 5);
    for chunk in text.split_whitespace() {
        let lower = chunk.to_ascii_lowercase();
        if lower.starts_with("http") || lower.starts_with("www.") || chunk.starts_with('@') {
            continue;
        }
        let is_tag = chunk.starts_with('#');
        let mut word = String::new();
        let mut capital = false;
        let mut first_of_tag = is_tag;
        let mut hyphen = false;
        let flush = |word: &mut String,
                     capital: bool,
                     hyphen: bool,
                     out: &mut Vec<Word>,
                     first: &mut bool| {
            if !word.is_empty() {
                out.push(Word {
                    text: std::mem::take(word),
                    capital,
                    tag: is_tag,
                    tag_start: *first,
                    hyphen_before: hyphen,
                });
                *first = false;
            }
        };
        let chars: Vec<char> = chunk.nfd().filter(|c| !is_combining_mark(*c)).collect();
        for (i, &ch) in chars.iter().enumerate() {
            if ch.is_alphanumeric() {
                // Camel case splits words inside a hashtag.
                if is_tag && camel_boundary(&chars, i) {
                    flush(&mut word, capital, hyphen, &mut out, &mut first_of_tag);
                    hyphen = false;
                }
                if word.is_empty() {
                    capital = ch.is_uppercase();
                    // One hyphen between two letters joins the parts of a compound.
                    hyphen = i >= 2
                        && matches!(chars[i - 1], '-' | '\u{2010}' | '\u{2011}')
                        && chars[i - 2].is_alphanumeric();
                }
                word.extend(ch.to_lowercase());
            } else {
                flush(&mut word, capital, hyphen, &mut out, &mut first_of_tag);
            }
        }
        flush(&mut word, capital, hyphen, &mut out, &mut first_of_tag);
    }
    out
}

/// The first position where a phrase of folded words starts in the post.
fn phrase_at(words: &[Word], phrase: &str) -> Option<usize> {
    let parts: Vec<&str> = phrase.split(' ').collect();
    (0..words.len()).find(|&i| {
        parts
            .iter()
            .enumerate()
            .all(|(k, part)| words.get(i + k).is_some_and(|w| w.text == *part))
    })
}

/// Whether `words` are the place's official name or one of its alternative names as written
/// (not a form derived from one, such as the name without its article).
fn names_exactly(place: &Place, words: &[Word]) -> bool {
    let spaced = words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let compact = spaced.replace(' ', "");
    std::iter::once(&place.name)
        .chain(place.alt_names.iter())
        .map(|n| fold_name(n))
        .any(|n| n == spaced || n.replace(' ', "") == compact)
}

impl Gazetteer {
    /// The territory's rules (`data/territories.toml`).
    pub fn rules(&self) -> &TerritoryRules {
        &self.rules
    }

    /// Whether the post names the other territory where a commune of the same name lies.
    fn named_elsewhere(&self, place: &Place, words: &[Word]) -> bool {
        let Some(insee) = place.insee.as_deref() else {
            return false;
        };
        self.rules
            .homonyms
            .iter()
            .filter(|h| h.insee == insee)
            .any(|h| h.elsewhere.iter().any(|m| phrase_at(words, m).is_some()))
    }

    fn elsewhere_positions(&self, words: &[Word]) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, w) in words.iter().enumerate() {
            for marker in &self.rules.elsewhere {
                let mut parts = marker.split(' ');
                let first = parts.next().unwrap_or_default();
                if w.text != first {
                    continue;
                }
                if parts
                    .enumerate()
                    .all(|(k, part)| words.get(i + k + 1).is_some_and(|n| n.text == part))
                {
                    out.push(i);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<String> {
        let g = Gazetteer::guadeloupe();
        g.locate(text).map(|p| {
            p.insee
                .clone()
                .unwrap_or_else(|| format!("area:{}", p.name))
        })
    }

    #[test]
    fn bundled_gazetteer_loads() {
        let g = Gazetteer::guadeloupe();
        assert_eq!(
            g.places()
                .iter()
                .filter(|p| p.kind == PlaceKind::Commune)
                .count(),
            32
        );
        assert_eq!(
            g.places()
                .iter()
                .filter(|p| p.kind == PlaceKind::Area)
                .count(),
            5
        );
    }

    #[test]
    fn forms_of_names() {
        assert_eq!(at("inondation à Pointe-à-Pitre").as_deref(), Some("97120"));
        assert_eq!(at("inondation a pointe a pitre").as_deref(), Some("97120"));
        assert_eq!(at("embouteillage PAP centre").as_deref(), Some("97120"));
        assert_eq!(at("dlo ka monté Lapwent").as_deref(), Some("97120"));
        assert_eq!(at("#PointeAPitre sous l'eau").as_deref(), Some("97120"));
        assert_eq!(at("#pointeapitre sous l'eau").as_deref(), Some("97120"));
        assert_eq!(at("toits arrachés aux Abymes").as_deref(), Some("97101"));
        assert_eq!(at("coupure à St-François").as_deref(), Some("97125"));
        assert_eq!(at("coupure à ste anne").as_deref(), Some("97128"));
        assert_eq!(at("route coupée Morne a l'eau").as_deref(), Some("97116"));
        assert_eq!(at("kouran pa ni Mòn-a-Lo").as_deref(), Some("97116"));
        assert_eq!(at("colis à envoyer au 97160 svp").as_deref(), Some("97117"));
        assert_eq!(at("pa ni dlo Tibou").as_deref(), Some("97118"));
    }

    #[test]
    fn basse_terre_town_or_island() {
        assert_eq!(
            at("la préfecture à Basse-Terre est fermée").as_deref(),
            Some("97105")
        );
        assert_eq!(
            at("inondations à Basse-Terre ville").as_deref(),
            Some("97105")
        );
        assert_eq!(
            at("routes coupées en Basse-Terre").as_deref(),
            Some("area:Basse-Terre (île)")
        );
        assert_eq!(
            at("glissements dans le nord Basse-Terre").as_deref(),
            Some("area:Basse-Terre (île)")
        );
        assert_eq!(
            at("côte sous le vent de la Basse-Terre").as_deref(),
            Some("area:Basse-Terre (île)")
        );
    }

    #[test]
    fn places_elsewhere_and_common_words() {
        assert_eq!(at("inondations au Lamentin en Martinique"), None);
        assert_eq!(at("Sainte-Anne (Martinique) touchée aussi"), None);
        assert_eq!(at("Fort-de-France sous l'eau"), None);
        assert_eq!(at("j'ai perdu mon moule à gâteau"), None);
        assert_eq!(at("un jus de goyave et au lit"), None);
        assert_eq!(at("des arbres tombés au Moule").as_deref(), Some("97117"));
        assert_eq!(
            at("alerte sur toute la Guadeloupe").as_deref(),
            Some("area:Guadeloupe")
        );
        assert_eq!(at("vent fort ce soir"), None);
    }

    #[test]
    fn the_whole_territory() {
        // A post naming only the territory, in its text or as a hashtag, is about the whole
        // territory, as the development set labels it ("on compte pour rien #Guadeloupe").
        // The hashtag never hides a commune or an island: they win over it.
        assert_eq!(
            at("courage à tous #Guadeloupe #Gwada").as_deref(),
            Some("area:Guadeloupe")
        );
        assert_eq!(
            at("rézo-la mò toupatou an Gwadloup").as_deref(),
            Some("area:Guadeloupe")
        );
        assert_eq!(
            at("arbres en travers à Gourbeyre #Guadeloupe").as_deref(),
            Some("97109")
        );
        // Named with a place outside it anywhere, it is an origin or a beneficiary.
        assert_eq!(
            at("ici à Paris on organise une collecte pour la Guadeloupe"),
            None
        );
        assert_eq!(
            at("friends in Dominica need tablets, anyone shipping from Guadeloupe?"),
            None
        );
    }

    #[test]
    fn event_place_over_viewpoint() {
        assert_eq!(
            at("incendie à Jarry, on voit la fumée depuis les Abymes").as_deref(),
            Some("97103")
        );
        assert_eq!(
            at("depuis les Abymes on voit la fumée d'un incendie à Jarry").as_deref(),
            Some("97103")
        );
        assert_eq!(
            at("pont effondré à Sainte-Rose, plus moyen de passer vers Deshaies").as_deref(),
            Some("97129")
        );
        assert_eq!(
            at("plus moyen de passer vers Deshaies, pont effondré à Sainte-Rose").as_deref(),
            Some("97129")
        );
        assert_eq!(
            at("ferries from Saint-François to La Désirade suspended").as_deref(),
            Some("97125")
        );
    }

    #[test]
    fn creole_names_and_localities() {
        assert_eq!(at("pa ni kouran a Vyéfò").as_deref(), Some("97133"));
        assert_eq!(
            at("lariviè-la ka débòdé a Kapèstè Bèlo").as_deref(),
            Some("97107")
        );
        assert_eq!(at("lapli ka tonbé a Sen-Klòd").as_deref(), Some("97124"));
        assert_eq!(
            at("Grandtè pran on kou rèd").as_deref(),
            Some("area:Grande-Terre")
        );
        assert_eq!(at("inondation au Raizet").as_deref(), Some("97101"));
        assert_eq!(at("embouteillage à Bas-du-Fort").as_deref(), Some("97113"));
    }

    #[test]
    fn creole_and_informal_spellings() {
        assert_eq!(at("dlo ka monté Lamoul").as_deref(), Some("97117"));
        assert_eq!(at("chimen Gran-Bou koupé").as_deref(), Some("97112"));
        assert_eq!(at("pa ni kouran Granbou").as_deref(), Some("97112"));
        assert_eq!(at("lari-la bloké Ti-Bou").as_deref(), Some("97118"));
        assert_eq!(at("kaz tonbé Sen-Fwanswa").as_deref(), Some("97125"));
        assert_eq!(at("lanmè antré Désaé").as_deref(), Some("97111"));
        assert_eq!(at("lapli a Twa-Rivyè").as_deref(), Some("97132"));
        assert_eq!(at("nouvèl di Vyé-Abitan?").as_deref(), Some("97134"));
        assert_eq!(at("tòl pati Ansbètran").as_deref(), Some("97102"));
        assert_eq!(
            at("URGENT Capesterre : l'eau monte").as_deref(),
            Some("97107")
        );
        assert_eq!(at("Kapèstè, pa ni dlo").as_deref(), Some("97107"));
        assert_eq!(at("pont fissuré à Ptit-Canal").as_deref(), Some("97119"));
        assert_eq!(
            at("flights from Pôle Caraïbes cancelled").as_deref(),
            Some("97101")
        );
        // Pieces that only make a name when written as one.
        assert_eq!(at("le vent, on le sent passer"), None);
    }

    #[test]
    fn homonyms_in_other_territories() {
        assert_eq!(at("Martinique : coupure générale au Lamentin"), None);
        assert_eq!(at("Matinik: pa ni kouran Fodfrans é Lanmantin"), None);
        assert_eq!(
            at("Saint-Louis flooded again, the Senegal river is up"),
            None
        );
        // Another territory that has no such commune does not hide it.
        assert_eq!(
            at("je suis à Paris, sans nouvelles de ma mère à Sainte-Anne").as_deref(),
            Some("97128")
        );
    }

    #[test]
    fn rivers_named_after_communes() {
        assert_eq!(
            at("la rivière Grande Goyave sort de son lit à Sainte-Rose").as_deref(),
            Some("97129")
        );
    }

    #[test]
    fn volunteers_name_places_by_code_or_name() {
        let g = Gazetteer::guadeloupe();
        assert_eq!(g.resolve("97120").unwrap().name, "Pointe-à-Pitre");
        assert_eq!(g.resolve("PAP").unwrap().name, "Pointe-à-Pitre");
        assert_eq!(
            g.resolve("area:Basse-Terre (île)").unwrap().kind,
            PlaceKind::Area
        );
        assert_eq!(g.resolve("Basse-Terre").unwrap().kind, PlaceKind::Commune);
        assert!(g.resolve("Atlantis").is_none());
    }

    fn suggested(prefix: &str, limit: usize) -> Vec<(String, String)> {
        Gazetteer::guadeloupe()
            .suggest(prefix, limit)
            .iter()
            .map(|s| (s.place.name.clone(), s.matched.to_string()))
            .collect()
    }

    fn names(prefix: &str) -> Vec<String> {
        suggested(prefix, 50).into_iter().map(|(n, _)| n).collect()
    }

    #[test]
    fn suggestions_ignore_accents_case_and_punctuation() {
        for typed in [
            "pointe",
            "POINTE-À",
            "Pointe a p",
            "pointe-a-pitre",
            "  pOiNtE  ",
        ] {
            assert_eq!(
                names(typed)[0],
                "Pointe-à-Pitre",
                "{typed}: {:?}",
                names(typed)
            );
        }
        assert!(names("pointe").contains(&"Pointe-Noire".to_string()));
        // An accented name found from a plain prefix, and the other way round.
        assert_eq!(names("desir"), ["La Désirade"]);
        assert_eq!(names("DÉSIR"), ["La Désirade"]);
        assert_eq!(suggested("marie-gal", 1)[0].0, "Marie-Galante");
    }

    #[test]
    fn suggestions_start_at_any_word_of_any_name() {
        // A later word of the official name.
        assert_eq!(
            suggested("pitre", 10),
            [("Pointe-à-Pitre".to_string(), "Pointe-à-Pitre".to_string())]
        );
        assert!(names("abym").contains(&"Les Abymes".to_string()));
        // Creole and alternative names, named as matched.
        assert_eq!(
            suggested("lapw", 10),
            [("Pointe-à-Pitre".to_string(), "Lapwent".to_string())]
        );
        assert_eq!(
            suggested("vyef", 10),
            [("Vieux-Fort".to_string(), "Vyéfò".to_string())]
        );
        assert_eq!(
            suggested("jarr", 10),
            [("Baie-Mahault".to_string(), "Jarry".to_string())]
        );
        // Words of a name written in one piece.
        assert_eq!(names("pointeap"), ["Pointe-à-Pitre"]);
        // Not from the middle of a word.
        assert!(names("itre").is_empty(), "{:?}", names("itre"));
        assert!(names("zzz").is_empty());
    }

    #[test]
    fn suggestions_are_one_per_place_official_name_first() {
        let all = suggested("sainte", 50);
        let mut places: Vec<&String> = all.iter().map(|(n, _)| n).collect();
        let count = places.len();
        places.dedup();
        assert_eq!(places.len(), count, "one suggestion per place: {all:?}");
        // Sainte-Anne's official name matches: it is the one named, not "Sainte Ann".
        assert!(all.contains(&("Sainte-Anne".to_string(), "Sainte-Anne".to_string())));
        // The official name is preferred even when an alternative matches too.
        assert_eq!(
            suggested("petit b", 1),
            [("Petit-Bourg".to_string(), "Petit-Bourg".to_string())]
        );
    }

    #[test]
    fn suggestions_rank_the_start_of_names_then_population() {
        // "bas": names starting with it (Basse-Terre, its island) before "Terre-de-Bas".
        let bas = names("bas");
        let town = bas.iter().position(|n| n == "Basse-Terre").unwrap();
        let later = bas.iter().position(|n| n == "Terre-de-Bas").unwrap();
        assert!(town < later, "{bas:?}");
        // Among names starting alike, the most populated first.
        let saints = names("saint");
        let francois = saints.iter().position(|n| n == "Saint-François").unwrap();
        let claude = saints.iter().position(|n| n == "Saint-Claude").unwrap();
        assert!(francois < claude, "{saints:?}");
        assert_eq!(suggested("s", 3).len(), 3, "the limit is kept");
        assert!(suggested("s", 0).is_empty());
        assert!(suggested("-- ", 10).is_empty(), "no letter, no suggestion");
    }

    fn at_in(g: &Gazetteer, text: &str) -> Option<String> {
        g.locate(text).map(|p| {
            p.insee
                .clone()
                .unwrap_or_else(|| format!("area:{}", p.name))
        })
    }

    fn builtin(name: &str) -> Gazetteer {
        Gazetteer::builtin(name).unwrap_or_else(|| panic!("{name} is builtin"))
    }

    #[test]
    fn builtin_territories_by_name() {
        // Guadeloupe under both names, with its hand-curated places and alternative names.
        for name in ["guadeloupe", "fr-971"] {
            let g = builtin(name);
            assert_eq!(g.places().len(), 37, "{name}");
            assert_eq!(at_in(&g, "dlo ka monté Lapwent").as_deref(), Some("97120"));
        }
        let corse = builtin("fr-2A");
        assert_eq!(
            at_in(&corse, "vents violents à Aiacciu").as_deref(),
            Some("2A004")
        );
        assert_eq!(
            builtin("fr-62").places().len(),
            888,
            "887 communes and the department"
        );
        for name in ["fr-9999", "atlantis", "fr-20", "fr-987", "FR-56", "fr-"] {
            assert!(Gazetteer::builtin(name).is_none(), "{name}");
            assert!(!is_builtin(name), "{name}");
        }
        let names = builtin_names();
        assert_eq!(names.len(), 105);
        assert_eq!(&names[..3], ["guadeloupe", "fr-01", "fr-02"]);
        assert!(names.contains(&"fr-2B".to_string()) && names.contains(&"fr-978".to_string()));
        assert!(names.iter().all(|n| is_builtin(n)));
        let summary = builtin_summary();
        assert!(summary.starts_with("guadeloupe, fr-01…fr-95"), "{summary}");
        assert!(
            summary.contains("fr-971") && summary.contains("fr-978"),
            "{summary}"
        );
        // Every generated territory loads, each commune with a point in the territory's box.
        for name in names {
            let g = builtin(&name);
            assert!(
                g.places().iter().all(|p| p.lat != 0.0 && p.lon != 0.0),
                "{name}"
            );
        }
    }

    #[test]
    fn martinique_is_not_read_as_guadeloupe() {
        let g = builtin("fr-972");
        // Names shared with Guadeloupe are Martinique's communes in a Martinique crisis.
        assert_eq!(
            at_in(&g, "inondations au Lamentin").as_deref(),
            Some("97213")
        );
        assert_eq!(
            at_in(&g, "Martinique : coupure générale au Lamentin").as_deref(),
            Some("97213")
        );
        assert_eq!(at_in(&g, "coupure à Sainte-Anne").as_deref(), Some("97226"));
        assert_eq!(at_in(&g, "pa ni kouran Fodfrans").as_deref(), Some("97209"));
        assert_eq!(at_in(&g, "Lanmantin anba dlo").as_deref(), Some("97213"));
        assert_eq!(
            at_in(&g, "routes coupées à Fort-de-France").as_deref(),
            Some("97209")
        );
        assert_eq!(
            at_in(&g, "coulée de boue au Morne-Rouge").as_deref(),
            Some("97218")
        );
        // Placed in Guadeloupe, or in La Réunion, they are elsewhere.
        assert_eq!(at_in(&g, "Sainte-Anne en Guadeloupe touchée aussi"), None);
        assert_eq!(at_in(&g, "Guadeloupe : inondations au Lamentin"), None);
        assert_eq!(at_in(&g, "Saint-Pierre (974) sous l'eau"), None);
        assert_eq!(at_in(&g, "inondation à Pointe-à-Pitre"), None);
        // Guadeloupe's Basse-Terre is no place here.
        assert_eq!(at_in(&g, "routes coupées en Basse-Terre"), None);
        // The whole island, unless the post is about somewhere else.
        assert_eq!(
            at_in(&g, "alerte rouge sur toute la Martinique").as_deref(),
            Some("area:Martinique")
        );
        assert_eq!(
            at_in(&g, "collecte à Paris pour la Martinique"),
            None,
            "a beneficiary, not the place"
        );
        // A first name is a commune only when introduced as a place.
        assert_eq!(at_in(&g, "Robert ne répond plus depuis ce matin"), None);
        assert_eq!(
            at_in(&g, "arbres tombés au Robert").as_deref(),
            Some("97222")
        );
        assert_eq!(
            at_in(&g, "Le Robert sans électricité").as_deref(),
            Some("97222")
        );
        // The territory's rules are its own: Guadeloupe's everyday words are not Martinique's.
        assert!(g.rules().homonyms.iter().any(|h| h.insee == "97213"));
        assert!(g.rules().town_or_area.is_empty());
    }

    #[test]
    fn reunion_has_its_own_saints() {
        let g = builtin("fr-974");
        assert_eq!(
            at_in(&g, "radier submergé à Saint-Louis").as_deref(),
            Some("97414")
        );
        assert_eq!(at_in(&g, "coupure à St-Pierre").as_deref(), Some("97416"));
        assert_eq!(at_in(&g, "lavalas Sin-Dni").as_deref(), Some("97411"));
        assert_eq!(at_in(&g, "houle à Saint-Gilles").as_deref(), Some("97415"));
        assert_eq!(
            at_in(&g, "route fermée à Hell-Bourg").as_deref(),
            Some("97421")
        );
        assert_eq!(at_in(&g, "éboulis à Cilaos").as_deref(), Some("97424"));
        assert_eq!(at_in(&g, "Saint-Louis du Sénégal inondée"), None);
        assert_eq!(at_in(&g, "Sainte-Rose en Guadeloupe aussi"), None);
        // "réunion" is a meeting unless written or introduced as the island.
        assert_eq!(at_in(&g, "réunion de crise ce soir"), None);
        assert_eq!(
            at_in(&g, "alerte cyclonique sur La Réunion").as_deref(),
            Some("area:La Réunion")
        );
    }

    #[test]
    fn no_place_from_part_of_a_compound_or_an_everyday_word() {
        let words = tokens("Petit-Bourg, pont Saint‑Jean - coupé");
        let joined: Vec<bool> = words.iter().map(|w| w.hyphen_before).collect();
        assert_eq!(joined, [false, true, false, false, true, false]);
        // Bourg (Gironde) is not the end of Petit-Bourg nor the start of Bourg-Achard.
        let g = builtin("fr-33");
        assert_eq!(
            at_in(&g, "crue de la Dordogne à Bourg").as_deref(),
            Some("33067")
        );
        assert_eq!(at_in(&g, "Petit-Bourg sous les eaux"), None);
        assert_eq!(at_in(&g, "collecte pour Bourg-Achard"), None);
        assert_eq!(at_in(&g, "#Bourg inondé").as_deref(), Some("33067"));
        // Le Saint (Morbihan) is not the start of a saint's name.
        let g = builtin("fr-56");
        assert_eq!(at_in(&g, "route coupée au Saint").as_deref(), Some("56201"));
        assert_eq!(
            at_in(&g, "Le Saint, route coupée").as_deref(),
            Some("56201")
        );
        assert_eq!(at_in(&g, "le Saint-Laurent déborde"), None);
        assert_eq!(at_in(&g, "la crue du Saint Laurent"), None);
        assert_eq!(at_in(&g, "le saint patron de la paroisse"), None);
        // Rivière (Pas-de-Calais) and Rue (Somme) only when written as names.
        let g = builtin("fr-62");
        assert_eq!(at_in(&g, "la rivière a débordé"), None);
        assert_eq!(
            at_in(&g, "la rivière déborde à Arras").as_deref(),
            Some("62041")
        );
        assert_eq!(at_in(&g, "inondation à Rivière").as_deref(), Some("62712"));
        assert_eq!(
            at_in(&g, "maisons inondées à la Rivière").as_deref(),
            Some("62712")
        );
        let g = builtin("fr-80");
        assert_eq!(at_in(&g, "de l'eau dans la rue principale"), None);
        assert_eq!(at_in(&g, "en rue barrée"), None);
        assert_eq!(at_in(&g, "digue rompue à Rue").as_deref(), Some("80688"));
        // Guadeloupe keeps its compounds whole and its introduced everyday words.
        assert_eq!(at("Petit-Bourg sous les eaux").as_deref(), Some("97118"));
        assert_eq!(at("route inondée au moule").as_deref(), Some("97117"));
    }

    #[test]
    fn mainland_department() {
        let g = builtin("fr-56");
        assert_eq!(g.places().len(), 250, "249 communes and the department");
        assert_eq!(at_in(&g, "tempête à Lorient").as_deref(), Some("56121"));
        assert_eq!(
            at_in(&g, "arbres tombés à Gwened").as_deref(),
            Some("56260")
        );
        assert_eq!(at_in(&g, "submersion à Carnac").as_deref(), Some("56034"));
        assert_eq!(at_in(&g, "coupure à St-Avé").as_deref(), Some("56206"));
        assert_eq!(
            at_in(&g, "coupure 56000 quartier gare").as_deref(),
            Some("56260")
        );
        assert_eq!(
            at_in(&g, "alerte orange #Morbihan").as_deref(),
            Some("area:Morbihan")
        );
        // Everyday words that are communes.
        assert_eq!(
            at_in(&g, "bateau bloqué au Palais").as_deref(),
            Some("56152")
        );
        assert_eq!(at_in(&g, "le palais de justice est fermé"), None);
        let somme = builtin("fr-80");
        assert_eq!(at_in(&somme, "l'eau monte rue de la Gare"), None);
        assert_eq!(at_in(&somme, "il y a de l'eau partout"), None);
        assert_eq!(at_in(&somme, "l'accident a eu lieu hier"), None);
        assert_eq!(at_in(&somme, "inondations à Rue").as_deref(), Some("80688"));
        assert_eq!(at_in(&somme, "route coupée à Y").as_deref(), Some("80829"));
        assert_eq!(at_in(&somme, "crue à Amiens").as_deref(), Some("80021"));
        // A postal code shared by several communes names none of them.
        assert_eq!(at_in(&somme, "coupure au 80120"), None);
    }

    #[test]
    fn homonyms_inside_a_territory() {
        // Charente-Maritime has Vergné and La Vergne: folded, both are "vergne". The commune
        // whose own name is the words of the post wins; the other needs its article.
        let g = builtin("fr-17");
        assert_eq!(at_in(&g, "grêle à Vergné").as_deref(), Some("17464"));
        assert_eq!(at_in(&g, "grêle à vergne").as_deref(), Some("17464"));
        assert_eq!(at_in(&g, "grêle à La Vergne").as_deref(), Some("17465"));
        // Two places under the same name: none, the volunteer decides.
        let csv = "kind,insee,name,alt_names,island,postal_codes,population,lat,lon\n\
                   commune,01001,Saint-Martin,,,01000,5000,46.0,5.0\n\
                   commune,01002,Saint-Martin,,,01100,100,46.1,5.1\n\
                   commune,01003,Brion,,,01200,300,46.2,5.2\n";
        let twins = Gazetteer::from_csv("twins.csv", csv).unwrap();
        assert_eq!(at_in(&twins, "inondation à Saint-Martin"), None);
        assert_eq!(
            at_in(&twins, "inondation à Saint-Martin 01100").as_deref(),
            Some("01002"),
            "its postal code names it"
        );
        assert_eq!(
            at_in(&twins, "inondation à Brion").as_deref(),
            Some("01003")
        );
    }

    #[test]
    fn a_csv_path_gets_the_default_rules_not_guadeloupe() {
        let g = Gazetteer::from_csv("gp.csv", GUADELOUPE_CSV).unwrap();
        assert!(g.rules().town_or_area.is_empty());
        assert!(g.rules().homonyms.is_empty());
        // With no rule for it, Basse-Terre is the town.
        assert_eq!(
            at_in(&g, "routes coupées en Basse-Terre").as_deref(),
            Some("97105")
        );
    }

    #[test]
    fn bad_csv_names_the_line() {
        let e = Gazetteer::from_csv(
            "x.csv",
            "kind,insee,name,alt_names,island,postal_codes,population,lat,lon\nville,1,A,,,,,1,1\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("x.csv: line 2"));
    }
}
