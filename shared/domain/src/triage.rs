//! The volunteers' actions on a report, as pure rules: what may change, by whom, and what the
//! report becomes. The API turns requests into these calls and their errors into statuses.

use crate::gazetteer::Gazetteer;
use crate::report::{Location, Report};
use crate::taxonomy::{Category, LocationMethod, Precision, Priority, Role, Status, Verification};
use chrono::{DateTime, Duration, Utc};

/// Who acts: a token's holder.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub token_id: String,
    pub name: String,
    pub role: Role,
}

impl Actor {
    /// How the actor appears in the audit trail and on claims.
    pub fn label(&self) -> String {
        format!("{} ({})", self.name, self.token_id)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TriageError {
    #[error("claimed by {by} until {until}")]
    Claimed { by: String, until: DateTime<Utc> },
    #[error("{0}")]
    Forbidden(String),
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("{0}")]
    NotAllowedNow(String),
}

/// A location as a volunteer gives it: a point, or a place of the gazetteer.
#[derive(Debug, Clone, PartialEq)]
pub enum LocationInput {
    Point {
        lat: f64,
        lon: f64,
        place: Option<String>,
    },
    Place(String),
}

/// The fields a PATCH may set. `None`: unchanged. `Some(None)`: cleared (summary, location).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Update {
    pub category: Option<Category>,
    pub priority: Option<Priority>,
    pub verification: Option<Verification>,
    pub location: Option<Option<LocationInput>>,
    pub summary: Option<Option<String>>,
    pub status: Option<Status>,
}

pub const SUMMARY_MAX: usize = 500;

/// The limits of a report's fields, the same wherever a report comes in (the API's hand
/// entry, `vigie import`), in characters.
pub const TEXT_MAX: usize = 10_000;
pub const URL_MAX: usize = 2000;
pub const NETWORK_MAX: usize = 40;
pub const AUTHOR_MAX: usize = 200;
pub const LANGUAGE_MAX: usize = 10;

/// A network name: letters, digits and `-` (such as `facebook`), already lowercased.
pub fn check_network(network: &str) -> Result<(), &'static str> {
    let ok = !network.is_empty()
        && network.chars().count() <= NETWORK_MAX
        && network
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err("letters, digits and - only (such as facebook)")
    }
}

/// A post's address: http(s) only (a `javascript:` or `data:` link would run in a reader's
/// browser), at most [`URL_MAX`] characters, no spaces.
pub fn check_source_url(url: &str) -> Result<(), &'static str> {
    let url = url.trim();
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("https" | "http")) {
        return Err("must be an http(s) address");
    }
    if url.chars().count() > URL_MAX || url.contains(char::is_whitespace) {
        return Err("must be one address of at most 2000 characters");
    }
    Ok(())
}

/// Refuses an action on a report whose claim someone else holds, still running: bulk actions
/// never touch such a report, whatever the caller's role.
pub fn free_for(report: &Report, actor: &Actor, now: DateTime<Utc>) -> Result<(), TriageError> {
    match foreign_claim(report, actor, now) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Who holds a running claim on the report, if anyone: the label a forced release names.
pub fn holder(report: &Report, now: DateTime<Utc>) -> Option<&str> {
    match (&report.claimed_by, report.claim_expires_at) {
        (Some(by), Some(until)) if until > now => Some(by.as_str()),
        _ => None,
    }
}

/// A claim held by someone else, still running.
fn foreign_claim(report: &Report, actor: &Actor, now: DateTime<Utc>) -> Option<TriageError> {
    match (&report.claimed_by, report.claim_expires_at) {
        (Some(by), Some(until)) if until > now && *by != actor.label() => {
            Some(TriageError::Claimed {
                by: by.clone(),
                until,
            })
        }
        _ => None,
    }
}

/// Resolves a volunteer's location against the gazetteer and the crisis's box.
pub fn locate(
    input: &LocationInput,
    gazetteer: &Gazetteer,
    within: Option<&crate::crisis::BBox>,
) -> Result<Location, TriageError> {
    match input {
        LocationInput::Point { lat, lon, place } => {
            if !(-90.0..=90.0).contains(lat) || !lat.is_finite() {
                return Err(TriageError::Invalid {
                    field: "location.lat",
                    reason: format!("{lat} is not a latitude (-90 to 90)"),
                });
            }
            if !(-180.0..=180.0).contains(lon) || !lon.is_finite() {
                return Err(TriageError::Invalid {
                    field: "location.lon",
                    reason: format!("{lon} is not a longitude (-180 to 180)"),
                });
            }
            if let Some(b) = within {
                if !b.contains(*lat, *lon) {
                    return Err(TriageError::Invalid {
                        field: "location",
                        reason: format!("{lat}, {lon} is outside the crisis area (is it lon, lat the wrong way round?)"),
                    });
                }
            }
            let named = place.as_deref().and_then(|p| gazetteer.resolve(p));
            if place.is_some() && named.is_none() {
                return Err(TriageError::Invalid {
                    field: "location.place",
                    reason: format!(
                        "`{}` is not in the gazetteer",
                        place.as_deref().unwrap_or_default()
                    ),
                });
            }
            Ok(Location {
                lat: *lat,
                lon: *lon,
                place: named.map(|p| p.name.clone()),
                insee: named.and_then(|p| p.insee.clone()),
                precision: Precision::Exact,
                method: LocationMethod::Volunteer,
            })
        }
        LocationInput::Place(name) => gazetteer
            .resolve(name)
            .map(|p| Location::at_place(p, LocationMethod::Volunteer))
            .ok_or_else(|| TriageError::Invalid {
                field: "location.place",
                reason: format!(
                    "`{name}` is not in the gazetteer (a commune, an INSEE code or area:NAME)"
                ),
            }),
    }
}

/// Applies a PATCH. Publishing goes through [`publish`]; a report claimed by someone else
/// cannot be changed until the claim is released or runs out.
pub fn update(
    report: &Report,
    changes: &Update,
    actor: &Actor,
    now: DateTime<Utc>,
    gazetteer: &Gazetteer,
    within: Option<&crate::crisis::BBox>,
) -> Result<Report, TriageError> {
    if let Some(e) = foreign_claim(report, actor, now) {
        return Err(e);
    }
    let mut next = report.clone();
    if let Some(c) = changes.category {
        next.category = Some(c);
    }
    if let Some(p) = changes.priority {
        next.priority = Some(p);
    }
    if let Some(v) = changes.verification {
        if v == Verification::Rumor && report.status == Status::Published {
            return Err(TriageError::NotAllowedNow(
                "unpublish the report before marking it a rumour".into(),
            ));
        }
        next.verification = v;
    }
    if let Some(summary) = &changes.summary {
        // Pasted text may carry characters XML forbids: taken out, not refused.
        let summary = summary.as_deref().map(crate::text::strip_unfit);
        next.summary = match summary.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) if s.chars().count() > SUMMARY_MAX => {
                return Err(TriageError::Invalid {
                    field: "summary",
                    reason: format!("at most {SUMMARY_MAX} characters"),
                })
            }
            Some(s) => Some(s.to_string()),
        };
    }
    if let Some(location) = &changes.location {
        next.location = match location {
            None => None,
            Some(input) => Some(locate(input, gazetteer, within)?),
        };
    }
    if let Some(status) = changes.status {
        if status == Status::Published && report.status != Status::Published {
            return Err(TriageError::Invalid {
                field: "status",
                reason: "publishing is POST /api/v1/reports/{id}/publish (coordinators)".into(),
            });
        }
        if !report.status.may_become(status) {
            return Err(TriageError::Invalid {
                field: "status",
                reason: format!("a {} report cannot become {status}", report.status),
            });
        }
        next.status = status;
        if status != Status::Published {
            next.published_at = None;
        }
    } else if report.status == Status::New
        && (changes.category.is_some()
            || changes.priority.is_some()
            || changes.summary.is_some()
            || changes.location.is_some())
    {
        // A volunteer's first judgement takes the report out of the untouched queue.
        next.status = Status::Triaged;
    }
    if next.status == Status::Published {
        if let Some(reason) = next.unpublishable_reason() {
            return Err(TriageError::NotAllowedNow(format!(
                "this change would leave a published report unpublishable: {reason}"
            )));
        }
    }
    next.updated_at = now;
    Ok(next)
}

/// Takes (or renews) the claim on a report for `lease`.
pub fn claim(
    report: &Report,
    actor: &Actor,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Report, TriageError> {
    if let Some(e) = foreign_claim(report, actor, now) {
        return Err(e);
    }
    let mut next = report.clone();
    next.claimed_by = Some(actor.label());
    next.claim_expires_at = Some(now + lease);
    next.updated_at = now;
    Ok(next)
}

/// Gives a claim back: its holder may, and so may a coordinator.
pub fn release(report: &Report, actor: &Actor, now: DateTime<Utc>) -> Result<Report, TriageError> {
    if actor.role != Role::Coordinator {
        if let Some(e) = foreign_claim(report, actor, now) {
            return Err(e);
        }
    }
    let mut next = report.clone();
    next.claimed_by = None;
    next.claim_expires_at = None;
    next.updated_at = now;
    Ok(next)
}

pub fn publish(report: &Report, actor: &Actor, now: DateTime<Utc>) -> Result<Report, TriageError> {
    if !actor.role.may_publish() {
        return Err(TriageError::Forbidden(
            "only a coordinator publishes".into(),
        ));
    }
    if let Some(reason) = report.unpublishable_reason() {
        return Err(TriageError::NotAllowedNow(reason.into()));
    }
    if report.status == Status::Dismissed {
        return Err(TriageError::NotAllowedNow(
            "a dismissed report is reopened (status triaged) before it is published".into(),
        ));
    }
    let mut next = report.clone();
    next.status = Status::Published;
    next.published_at = Some(now);
    next.updated_at = now;
    Ok(next)
}

pub fn unpublish(
    report: &Report,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Report, TriageError> {
    if !actor.role.may_publish() {
        return Err(TriageError::Forbidden(
            "only a coordinator unpublishes".into(),
        ));
    }
    if report.status != Status::Published {
        return Err(TriageError::NotAllowedNow(
            "the report is not published".into(),
        ));
    }
    let mut next = report.clone();
    next.status = Status::Triaged;
    next.published_at = None;
    next.updated_at = now;
    Ok(next)
}

pub fn escalate(report: &Report, now: DateTime<Utc>) -> Result<Report, TriageError> {
    if report.escalated && report.acknowledged_at.is_none() {
        return Err(TriageError::NotAllowedNow(
            "already escalated and waiting for the authority".into(),
        ));
    }
    let mut next = report.clone();
    next.escalated = true;
    next.escalated_at = Some(now);
    next.acknowledged_at = None;
    next.acknowledged_by = None;
    next.updated_at = now;
    Ok(next)
}

pub fn acknowledge(
    report: &Report,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Report, TriageError> {
    if !report.escalated {
        return Err(TriageError::NotAllowedNow(
            "the report is not escalated".into(),
        ));
    }
    if report.acknowledged_at.is_some() {
        return Err(TriageError::NotAllowedNow("already acknowledged".into()));
    }
    let mut next = report.clone();
    next.acknowledged_at = Some(now);
    next.acknowledged_by = Some(actor.label());
    next.updated_at = now;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Observation;

    fn report() -> Report {
        crate::report::fixtures::ingested(&Observation {
            source_id: "s".into(),
            native_id: "1".into(),
            author: "a@b".into(),
            ..crate::report::fixtures::observation("Toits arrachés aux Abymes")
        })
    }

    fn actor(name: &str, role: Role) -> Actor {
        Actor {
            token_id: format!("t-{name}"),
            name: name.into(),
            role,
        }
    }

    #[test]
    fn claims_are_leases_others_see() {
        let now = Utc::now();
        let lyne = actor("Lyne", Role::Volunteer);
        let mano = actor("Mano", Role::Volunteer);
        let claimed = claim(&report(), &lyne, now, Duration::minutes(15)).unwrap();
        assert!(matches!(
            claim(&claimed, &mano, now, Duration::minutes(15)),
            Err(TriageError::Claimed { .. })
        ));
        assert!(
            claim(&claimed, &lyne, now, Duration::minutes(15)).is_ok(),
            "renewing one's own claim"
        );
        assert!(
            claim(
                &claimed,
                &mano,
                now + Duration::minutes(16),
                Duration::minutes(15)
            )
            .is_ok(),
            "an expired claim is free"
        );
        let g = Gazetteer::guadeloupe();
        let upd = Update {
            summary: Some(Some("x".into())),
            ..Default::default()
        };
        assert!(matches!(
            update(&claimed, &upd, &mano, now, &g, None),
            Err(TriageError::Claimed { .. })
        ));
        assert!(release(&claimed, &mano, now).is_err());
        assert!(release(&claimed, &actor("Coord", Role::Coordinator), now).is_ok());
        assert_eq!(holder(&claimed, now), Some(lyne.label().as_str()));
        assert_eq!(holder(&claimed, now + Duration::minutes(16)), None);
        assert!(free_for(&claimed, &lyne, now).is_ok());
        assert!(matches!(
            free_for(&claimed, &actor("Coord", Role::Coordinator), now),
            Err(TriageError::Claimed { .. })
        ));
        assert!(free_for(&claimed, &mano, now + Duration::minutes(16)).is_ok());
    }

    #[test]
    fn publishing_needs_a_coordinator_and_a_complete_report() {
        let now = Utc::now();
        let g = Gazetteer::guadeloupe();
        let vol = actor("Lyne", Role::Volunteer);
        let coord = actor("Coord", Role::Coordinator);
        let r = report();
        assert!(matches!(
            publish(&r, &vol, now),
            Err(TriageError::Forbidden(_))
        ));
        let upd = Update {
            category: Some(Category::Damage),
            summary: Some(Some("Toitures arrachées".into())),
            location: Some(Some(LocationInput::Place("97101".into()))),
            ..Default::default()
        };
        let mut no_summary = update(
            &r,
            &Update {
                summary: None,
                ..upd.clone()
            },
            &vol,
            now,
            &g,
            None,
        )
        .unwrap();
        no_summary.summary = None;
        assert!(
            matches!(publish(&no_summary, &coord, now), Err(TriageError::NotAllowedNow(m)) if m.contains("summary"))
        );
        let ready = update(&r, &upd, &vol, now, &g, None).unwrap();
        assert_eq!(ready.status, Status::Triaged);
        let published = publish(&ready, &coord, now).unwrap();
        assert_eq!(published.status, Status::Published);
        assert!(update(
            &published,
            &Update {
                summary: Some(None),
                ..Default::default()
            },
            &vol,
            now,
            &g,
            None
        )
        .is_err());
        assert_eq!(
            unpublish(&published, &coord, now).unwrap().status,
            Status::Triaged
        );
    }

    #[test]
    fn locations_are_checked() {
        let g = Gazetteer::guadeloupe();
        let bbox = crate::crisis::BBox {
            west: -61.85,
            south: 15.83,
            east: -61.0,
            north: 16.52,
        };
        assert!(locate(
            &LocationInput::Point {
                lat: 16.2,
                lon: -61.5,
                place: None
            },
            &g,
            Some(&bbox)
        )
        .is_ok());
        let e = locate(
            &LocationInput::Point {
                lat: -61.5,
                lon: 16.2,
                place: None,
            },
            &g,
            Some(&bbox),
        )
        .unwrap_err();
        assert!(e.to_string().contains("outside the crisis area"), "{e}");
        assert!(locate(
            &LocationInput::Point {
                lat: 95.0,
                lon: 0.0,
                place: None
            },
            &g,
            None
        )
        .is_err());
        assert_eq!(
            locate(&LocationInput::Place("PAP".into()), &g, None)
                .unwrap()
                .insee
                .as_deref(),
            Some("97120")
        );
        assert!(locate(&LocationInput::Place("Atlantis".into()), &g, None).is_err());
    }

    #[test]
    fn escalations_wait_for_an_acknowledgement() {
        let now = Utc::now();
        let e = escalate(&report(), now).unwrap();
        assert!(escalate(&e, now).is_err());
        let a = acknowledge(&e, &actor("Cellule", Role::Authority), now).unwrap();
        assert!(a.acknowledged_at.is_some());
        assert!(acknowledge(&a, &actor("Cellule", Role::Authority), now).is_err());
    }
}
