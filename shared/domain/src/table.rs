//! The whole table as CSV: one row per report, a header row and an HXL hashtag row (so
//! humanitarian tools recognise the columns), UTF-8 with a byte-order mark so spreadsheets open
//! accents cleanly. [`read`] takes the same file back: a team can bring in the spreadsheet of an
//! earlier deployment, and export → import → export gives the same file.

use crate::identity::report_id;
use crate::relay::{Relay, RelayStatus};
use crate::report::{Location, Report};
use crate::taxonomy::{Category, LocationMethod, Precision, Priority, Status, Verification};
use crate::triage::{
    check_network, check_source_url, AUTHOR_MAX, LANGUAGE_MAX, SUMMARY_MAX, TEXT_MAX,
};
use chrono::{DateTime, SecondsFormat, Utc};

/// Columns: header, HXL tag.
pub const COLUMNS: &[(&str, &str)] = &[
    ("id", "#meta+id"),
    ("posted_at", "#date+posted"),
    ("collected_at", "#date+collected"),
    ("network", "#meta+network"),
    ("source_url", "#meta+url"),
    ("author", "#contact+author"),
    ("author_name", "#contact+author+name"),
    ("official", "#status+official"),
    ("language", "#meta+lang"),
    ("text", "#description+text"),
    ("summary", "#description+summary"),
    ("category", "#sector"),
    ("priority", "#severity"),
    ("suggested_category", "#sector+suggested"),
    ("suggested_priority", "#severity+suggested"),
    ("verification", "#status+verification"),
    ("status", "#status"),
    ("place", "#loc+name"),
    ("insee", "#adm2+code"),
    ("lat", "#geo+lat"),
    ("lon", "#geo+lon"),
    ("precision", "#geo+precision"),
    ("location_method", "#geo+method"),
    ("escalated", "#status+escalated"),
    ("published_at", "#date+published"),
    ("cluster_id", "#meta+cluster"),
    ("relays", "#meta+relays"),
];

const BOM: &str = "\u{feff}";

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A spreadsheet runs a cell starting with these as a formula: a leading apostrophe keeps it
/// text (and is taken off again on import).
fn cell(s: &str) -> String {
    // Numbers (a western longitude starts with -) stay numbers.
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s.parse::<f64>().is_err() {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

fn uncell(s: &str) -> String {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_string(),
        _ => s.to_string(),
    }
}

/// The relays of a report as one cell: each relay (withdrawn ones left out), oldest first, as
/// `status when: account url-or-state, …` with ` | ` between relays.
fn relays_cell(relays: &[&Relay]) -> String {
    let mut out: Vec<String> = Vec::new();
    for r in relays {
        if r.status == RelayStatus::Withdrawn {
            continue;
        }
        let when = r
            .targets
            .iter()
            .filter_map(|t| t.posted_at)
            .max()
            .or(r.approved_at)
            .unwrap_or(r.drafted_at);
        let status = serde_json::to_value(r.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let targets: Vec<String> = r
            .targets
            .iter()
            .map(|t| match (&t.url, t.state) {
                (Some(url), _) => format!("{} {url}", t.account),
                (None, state) => format!(
                    "{} {}",
                    t.account,
                    serde_json::to_value(state)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                ),
            })
            .collect();
        let mut cell = format!("{status} {}", time(&when));
        if !targets.is_empty() {
            cell.push_str(": ");
            cell.push_str(&targets.join(", "));
        }
        out.push(cell);
    }
    out.join(" | ")
}

/// Writes reports as the CSV table, with the relays of each (the relay log's `report`).
pub fn write(reports: &[Report], relays: &[Relay]) -> String {
    let mut by_report: std::collections::HashMap<&str, Vec<&Relay>> = Default::default();
    for r in relays {
        by_report.entry(r.report.as_str()).or_default().push(r);
    }
    for list in by_report.values_mut() {
        list.sort_by_key(|r| r.drafted_at);
    }
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = w.write_record(COLUMNS.iter().map(|(h, _)| *h));
    let _ = w.write_record(COLUMNS.iter().map(|(_, t)| *t));
    for r in reports {
        let loc = r.location.as_ref();
        let opt = |o: Option<String>| o.unwrap_or_default();
        let row = [
            r.id.clone(),
            time(&r.posted_at),
            time(&r.collected_at),
            r.network.clone(),
            opt(r.source_url.clone()),
            r.author.clone(),
            opt(r.author_name.clone()),
            r.official.to_string(),
            opt(r.language.clone()),
            r.text.clone(),
            opt(r.summary.clone()),
            opt(r.category.map(|c| c.to_string())),
            opt(r.priority.map(|p| p.to_string())),
            r.suggested_category.to_string(),
            r.suggested_priority.to_string(),
            r.verification.to_string(),
            r.status.to_string(),
            opt(loc.and_then(|l| l.place.clone())),
            opt(loc.and_then(|l| l.insee.clone())),
            opt(loc.map(|l| l.lat.to_string())),
            opt(loc.map(|l| l.lon.to_string())),
            opt(loc.map(|l| l.precision.to_string())),
            opt(loc.map(|l| l.method.to_string())),
            r.escalated.to_string(),
            opt(r.published_at.as_ref().map(time)),
            r.cluster_id.clone(),
            by_report
                .get(r.id.as_str())
                .map(|list| relays_cell(list))
                .unwrap_or_default(),
        ];
        let _ = w.write_record(row.iter().map(|c| cell(c)));
    }
    let bytes = w.into_inner().unwrap_or_default();
    format!("{BOM}{}", String::from_utf8(bytes).unwrap_or_default())
}

/// A row that cannot be read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column `{column}`: {reason}")]
pub struct TableError {
    pub line: usize,
    pub column: String,
    pub reason: String,
}

/// Reads a CSV in the export's format. Columns may come in any order; the HXL row is optional;
/// only `text` is required (with `network`, or `source_url` to make an id), so a hand-made
/// spreadsheet of an earlier deployment can come in too.
pub fn read(text: &str, now: DateTime<Utc>) -> Result<Vec<Report>, TableError> {
    let text = text.strip_prefix(BOM).unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let fail = |line: usize, column: &str, reason: String| TableError {
        line,
        column: column.to_string(),
        reason,
    };
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| fail(1, "", e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    for h in &headers {
        if !COLUMNS.iter().any(|(c, _)| c == h) {
            return Err(fail(1, h, "unknown column".into()));
        }
    }
    if !headers.iter().any(|h| h == "text") {
        return Err(fail(1, "text", "missing column".into()));
    }
    // Without the author's name (a file of an older version, or made by hand), the public
    // map's name filter cannot be checked: published private posts come back to be reviewed.
    let names_known = headers.iter().any(|h| h == "author_name");
    let mut out: Vec<Report> = Vec::new();
    let mut lines: std::collections::HashMap<String, usize> = Default::default();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| fail(line, "", e.to_string()))?;
        let get = |name: &str| -> String {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|p| record.get(p))
                .map(uncell)
                // As the API does with what volunteers type: characters XML forbids go.
                .map(|v| crate::text::strip_unfit(&v).into_owned())
                .unwrap_or_default()
        };
        if get("id").starts_with('#') || get("text").starts_with("#description") {
            continue; // the HXL row
        }
        let opt = |name: &str| Some(get(name)).filter(|s| !s.trim().is_empty());
        let parse_time = |name: &'static str| -> Result<Option<DateTime<Utc>>, TableError> {
            opt(name)
                .map(|v| {
                    DateTime::parse_from_rfc3339(v.trim())
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|e| {
                            fail(
                                line,
                                name,
                                format!(
                                    "`{v}`: {e} (expected RFC 3339, such as 2026-09-14T03:00:00Z)"
                                ),
                            )
                        })
                })
                .transpose()
        };
        macro_rules! parsed {
            ($name:literal, $ty:ty) => {
                opt($name)
                    .map(|v| {
                        v.trim()
                            .parse::<$ty>()
                            .map_err(|e| fail(line, $name, e.to_string()))
                    })
                    .transpose()?
            };
        }
        let boolean = |name: &'static str| -> Result<bool, TableError> {
            match get(name).trim() {
                "" | "false" | "FALSE" | "0" | "no" => Ok(false),
                "true" | "TRUE" | "1" | "yes" => Ok(true),
                other => Err(fail(line, name, format!("`{other}` is not true or false"))),
            }
        };
        let text = get("text");
        if text.trim().is_empty() {
            return Err(fail(line, "text", "empty".into()));
        }
        // The limits and rules of the API's hand entry, so nothing comes in by a file that
        // the API would refuse.
        for (column, max) in [
            ("text", TEXT_MAX),
            ("summary", SUMMARY_MAX),
            ("author", AUTHOR_MAX),
            ("author_name", AUTHOR_MAX),
            ("language", LANGUAGE_MAX),
        ] {
            if get(column).chars().count() > max {
                return Err(fail(line, column, format!("at most {max} characters")));
            }
        }
        let network = opt("network")
            .map(|n| n.trim().to_lowercase())
            .unwrap_or_else(|| "import".into());
        check_network(&network).map_err(|r| fail(line, "network", r.into()))?;
        let url = opt("source_url").map(|u| u.trim().to_string());
        if let Some(u) = &url {
            check_source_url(u).map_err(|r| fail(line, "source_url", format!("`{u}`: {r}")))?;
        }
        let id = match opt("id") {
            Some(id) => id.trim().to_string(),
            None => report_id(&network, url.as_deref().unwrap_or(&text)),
        };
        if let Some(first) = lines.insert(id.clone(), line) {
            return Err(fail(
                line,
                "id",
                format!("`{id}` is already the id of line {first}: one row per report"),
            ));
        }
        let location = match (opt("lat"), opt("lon")) {
            (Some(lat), Some(lon)) => {
                let lat: f64 = lat
                    .trim()
                    .parse()
                    .map_err(|_| fail(line, "lat", format!("`{lat}` is not a number")))?;
                let lon: f64 = lon
                    .trim()
                    .parse()
                    .map_err(|_| fail(line, "lon", format!("`{lon}` is not a number")))?;
                if !(-90.0..=90.0).contains(&lat) {
                    return Err(fail(line, "lat", format!("{lat} is out of range")));
                }
                if !(-180.0..=180.0).contains(&lon) {
                    return Err(fail(line, "lon", format!("{lon} is out of range")));
                }
                Some(Location {
                    lat,
                    lon,
                    place: opt("place"),
                    insee: opt("insee"),
                    precision: parsed!("precision", Precision).unwrap_or(Precision::Exact),
                    method: parsed!("location_method", LocationMethod)
                        .unwrap_or(LocationMethod::Volunteer),
                })
            }
            (None, None) => None,
            (Some(_), None) => return Err(fail(line, "lon", "lat without lon".into())),
            (None, Some(_)) => return Err(fail(line, "lat", "lon without lat".into())),
        };
        let posted_at = parse_time("posted_at")?.unwrap_or(now);
        let category: Option<Category> = parsed!("category", Category);
        let priority: Option<Priority> = parsed!("priority", Priority);
        let official = boolean("official")?;
        let mut status = parsed!("status", Status).unwrap_or(Status::New);
        if status == Status::Published && !official && !names_known {
            status = Status::Triaged;
        }
        out.push(Report {
            id: id.clone(),
            version: 1,
            status,
            source_id: "import".into(),
            network,
            native_id: url.clone().unwrap_or_else(|| id.clone()),
            source_url: url,
            author: get("author"),
            author_name: opt("author_name"),
            official,
            text,
            language: opt("language"),
            posted_at,
            collected_at: parse_time("collected_at")?.unwrap_or(now),
            suggested_category: parsed!("suggested_category", Category)
                .or(category)
                .unwrap_or(Category::Other),
            suggested_priority: parsed!("suggested_priority", Priority)
                .or(priority)
                .unwrap_or(Priority::Low),
            // A table carries the suggestion, not why: the reasons stay with the collector.
            suggestion_reasons: Vec::new(),
            category,
            priority,
            verification: parsed!("verification", Verification).unwrap_or(Verification::Unverified),
            location,
            summary: opt("summary"),
            fingerprint: None,
            cluster_id: opt("cluster_id").unwrap_or(id),
            cluster_size: 1,
            spread_count: 0,
            counts: None,
            claimed_by: None,
            claim_expires_at: None,
            escalated: boolean("escalated")?,
            escalated_at: None,
            acknowledged_at: None,
            acknowledged_by: None,
            published_at: parse_time("published_at")?,
            updated_at: now,
            media: 0,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_stay_text_and_come_back() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(uncell("'=HYPERLINK(\"x\")"), "=HYPERLINK(\"x\")");
        assert_eq!(uncell("'bonjour"), "'bonjour");
        assert_eq!(
            cell("-61.53"),
            "-61.53",
            "coordinates stay numeric in a spreadsheet"
        );
    }

    #[test]
    fn each_report_carries_its_relays_and_the_file_reads_back() {
        use crate::relay::{RelayKind, RelayTarget, TargetState};
        let now = Utc::now();
        let csv = "id,network,source_url,text,official,status\n\
            a,feed,https://prefecture.example/1,Consignes,true,published\n\
            b,facebook,https://fb.example/2,Route coupée,false,new\n";
        let reports = read(csv, now).unwrap();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let relay = |id: &str, status, targets: Vec<RelayTarget>| Relay {
            id: id.into(),
            report: reports[0].id.clone(),
            kind: RelayKind::Official,
            accounts: vec!["asso-masto".into(), "asso-bsky".into()],
            text: "Restez chez vous".into(),
            drafted_by: "Lyne (t1)".into(),
            drafted_at: at("2026-12-07T06:00:00Z"),
            status,
            approved_by: None,
            approved_at: Some(at("2026-12-07T06:05:00Z")),
            targets,
            remind_every_hours: None,
            version: 1,
        };
        let target = |account: &str, url: Option<&str>, state| RelayTarget {
            account: account.into(),
            network: "mastodon".into(),
            key: "k".into(),
            state,
            attempts: 1,
            attempt_at: None,
            url: url.map(str::to_string),
            posted_at: url.map(|_| at("2026-12-07T06:06:00Z")),
            error: None,
        };
        let relays = [
            relay(
                "rl-1",
                RelayStatus::Failed,
                vec![
                    target(
                        "asso-masto",
                        Some("https://mastodon.example/@asso/1"),
                        TargetState::Posted,
                    ),
                    target("asso-bsky", None, TargetState::Failed),
                ],
            ),
            relay("rl-2", RelayStatus::Withdrawn, vec![]),
            relay("rl-3", RelayStatus::Draft, vec![]),
        ];
        let out = write(&reports, &relays);
        let mut rows = csv::Reader::from_reader(out.trim_start_matches(BOM).as_bytes());
        let column = rows
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "relays")
            .unwrap();
        let cells: Vec<String> = rows
            .records()
            .map(|r| r.unwrap()[column].to_string())
            .collect();
        assert_eq!(cells[0], "#meta+relays");
        assert_eq!(
            cells[1],
            "failed 2026-12-07T06:06:00Z: asso-masto https://mastodon.example/@asso/1, asso-bsky failed | draft 2026-12-07T06:05:00Z"
        );
        assert_eq!(cells[2], "", "no relay of the second report");
        // The column is known on import (and the relays are not imported).
        assert_eq!(read(&out, now).unwrap().len(), 2);
    }

    #[test]
    fn import_applies_the_apis_rules_by_line_and_column() {
        let now = Utc::now();
        let head = "id,network,source_url,text,summary,official,status\n";
        let cases = [
            (
                "a,facebook,javascript:alert(1),Texte,,true,new\n",
                "source_url",
                "http(s)",
            ),
            (
                "a,facebook,data:text/html;x,Texte,,true,new\n",
                "source_url",
                "http(s)",
            ),
            (
                "a,Face Book!,https://fb.example/1,Texte,,false,new\n",
                "network",
                "letters",
            ),
        ];
        for (row, column, says) in cases {
            let e = read(&format!("{head}{row}"), now).unwrap_err();
            assert_eq!((e.line, e.column.as_str()), (2, column), "{e}");
            assert!(e.reason.contains(says), "{e}");
        }
        let long = "x".repeat(SUMMARY_MAX + 1);
        let e = read(
            &format!("{head}a,facebook,https://fb.example/1,Texte,{long},false,new\n"),
            now,
        )
        .unwrap_err();
        assert_eq!(e.column, "summary", "{e}");
        let long = "x".repeat(TEXT_MAX + 1);
        let e = read(
            &format!("{head}a,facebook,https://fb.example/1,{long},,false,new\n"),
            now,
        )
        .unwrap_err();
        assert_eq!(e.column, "text", "{e}");
        let e = read(
            &format!("{head}a,facebook,https://fb.example/1,Un,,false,new\na,facebook,https://fb.example/2,Deux,,false,new\n"),
            now,
        )
        .unwrap_err();
        assert_eq!((e.line, e.column.as_str()), (3, "id"), "{e}");
        assert!(e.reason.contains("line 2"), "{e}");
    }

    #[test]
    fn the_authors_name_comes_back_so_the_public_filter_holds() {
        let now = Utc::now();
        let csv = "id,network,source_url,author,author_name,text,summary,official,status\n\
            a,facebook,https://fb.example/1,lebœuf971,Jean-Marc Lebœuf,Texte,Signalé par Jean-Marc Leboeuf,false,published\n";
        let reports = read(csv, now).unwrap();
        assert_eq!(reports[0].author_name.as_deref(), Some("Jean-Marc Lebœuf"));
        assert_eq!(reports[0].status, Status::Published);
        // Written out and read again, the name is still there.
        let again = read(&write(&reports, &[]), now).unwrap();
        assert_eq!(again[0].author_name.as_deref(), Some("Jean-Marc Lebœuf"));
        // A file without the column: a published private post is back for review, never on
        // the map unchecked; official rows keep their status.
        let old = "id,network,source_url,text,summary,official,status\n\
            a,facebook,https://fb.example/1,Texte,Signalé par Jean-Marc,false,published\n\
            b,feed,https://prefecture.example/1,Consignes,Consignes,true,published\n";
        let reports = read(old, now).unwrap();
        assert_eq!(reports[0].status, Status::Triaged);
        assert_eq!(reports[1].status, Status::Published);
    }

    #[test]
    fn bad_rows_are_named() {
        let now = Utc::now();
        let e = read("text,lat,lon\nabc,16.2,\n", now).unwrap_err();
        assert_eq!((e.line, e.column.as_str()), (2, "lon"));
        let e = read("text,colour\nabc,red\n", now).unwrap_err();
        assert_eq!(e.column, "colour");
        let e = read("text,category\nabc,flood\n", now).unwrap_err();
        assert!(
            e.to_string()
                .contains("line 2, column `category`: unknown category `flood`"),
            "{e}"
        );
        let e = read("text,posted_at\nabc,hier\n", now).unwrap_err();
        assert_eq!(e.column, "posted_at");
        let ok = read(
            "text,network,source_url\nRoute coupée à Goyave,facebook,https://fb.example/p/1\n",
            now,
        )
        .unwrap();
        assert_eq!(ok[0].id, report_id("facebook", "https://fb.example/p/1"));
    }

    #[test]
    fn characters_xml_forbids_are_taken_out_on_import() {
        let forbidden = ['\u{0}', '\u{1}', '\u{8}', '\u{1b}', '\u{fffe}', '\u{ffff}'];
        let dirty: String = forbidden.iter().map(|c| format!("a{c}")).collect();
        let csv = format!(
            "text,summary,author,place,lat,lon\n\"{dirty}\ttab\nligne\",\"{dirty}\r\nfin\",{dirty},{dirty},16.2,-61.5\n"
        );
        let r = read(&csv, Utc::now()).unwrap().remove(0);
        assert_eq!(r.text, "aaaaaa\ttab\nligne");
        assert_eq!(r.summary.as_deref(), Some("aaaaaa\r\nfin"));
        assert_eq!(r.author, "aaaaaa");
        assert_eq!(r.location.and_then(|l| l.place).as_deref(), Some("aaaaaa"));
    }
}
