//! `GET /places`: the crisis gazetteer's places for autocompletion, matched by
//! [`vigie_domain::gazetteer::suggest`].

use super::{ApiError, Params};
use crate::Vigie;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use vigie_domain::text::fold_name;

/// The most suggestions one call answers, and how many when `limit` is not given.
pub const LIMIT_MAX: usize = 50;
pub const LIMIT_DEFAULT: usize = 10;
/// A prefix longer than any place name is a mistake, not a search.
const Q_MAX: usize = 100;

pub async fn search(
    State(app): State<Vigie>,
    Params(params): Params,
) -> Result<Json<Value>, ApiError> {
    let mut q = None;
    let mut limit = LIMIT_DEFAULT;
    for (key, value) in &params {
        match key.as_str() {
            "q" => q = Some(value.as_str()),
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=LIMIT_MAX).contains(n))
                    .ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "limit: must be a whole number from 1 to {LIMIT_MAX}"
                        ))
                    })?
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown parameter `{other}` (expected q, limit)"
                )))
            }
        }
    }
    let q = q.ok_or_else(|| {
        ApiError::bad_request("q: required, the beginning of a place name (such as ?q=pointe)")
    })?;
    if q.trim().is_empty() {
        return Err(ApiError::bad_request(
            "q: empty; give the beginning of a place name",
        ));
    }
    if q.chars().count() > Q_MAX {
        return Err(ApiError::bad_request(format!(
            "q: at most {Q_MAX} characters"
        )));
    }
    if fold_name(q).is_empty() {
        return Err(ApiError::bad_request(
            "q: give letters or digits of a place name",
        ));
    }
    let items: Vec<Value> = app
        .gazetteer
        .suggest(q, limit)
        .iter()
        .map(|s| {
            json!({
                "name": s.place.name,
                "insee": s.place.insee,
                "kind": s.place.kind.as_str(),
                "lat": s.place.lat,
                "lon": s.place.lon,
                "precision": s.place.precision(),
                "matched": s.matched,
            })
        })
        .collect();
    Ok(Json(json!({"items": items})))
}
