//! Vigie's use cases over the ports, shared by the Lambda functions and the `vigie` binary:
//! collecting ([`collect`]), the volunteers' triage ([`triage`]) and the HTTP API that serves
//! it ([`api`]), the public export ([`export`]), access tokens ([`tokens`]), `vigie import`
//! ([`import`]), the triage model learnt from the volunteers ([`learning`]) and the bundled demo
//! crisis ([`demo`]).
// The OpenAPI document is one `json!` literal, deeper than the default limit of 128.
#![recursion_limit = "256"]

pub mod api;
pub mod collect;
pub mod demo;
#[cfg(feature = "site")]
pub mod export;
pub mod import;
pub mod learning;
pub mod relay;
#[cfg(feature = "site")]
pub mod site;
pub mod tokens;
pub mod triage;

use std::sync::Arc;
use vigie_domain::crisis::GazetteerRef;
use vigie_domain::ports::{Notifier, Publisher, ReportStore};
use vigie_domain::{Crisis, Gazetteer};

/// Everything a use case needs, built once at start by the host (a Lambda `main` or the CLI).
#[derive(Clone)]
pub struct Vigie {
    pub crisis: Arc<Crisis>,
    pub gazetteer: Arc<Gazetteer>,
    pub store: Arc<dyn ReportStore>,
    pub publisher: Arc<dyn Publisher>,
    pub notifier: Arc<dyn Notifier>,
    /// Signalled when a report is published or unpublished, so a host can export at once.
    pub published: Arc<tokio::sync::Notify>,
    /// What the export keeps between runs (see [`export::export_once`]).
    #[cfg(feature = "site")]
    pub export_state: Arc<tokio::sync::Mutex<export::ExportState>>,
    /// How escalations are retried when delivered in the background.
    pub retries: triage::Retries,
    /// The relay log, in the store.
    pub relays: Arc<dyn vigie_domain::ports::RelayLog>,
    /// The association's accounts relays are posted to (see [`Vigie::with_posters`]).
    pub posters: Arc<Vec<Arc<dyn vigie_domain::ports::Poster>>>,
}

impl Vigie {
    pub fn new(
        crisis: Crisis,
        gazetteer: Gazetteer,
        store: Arc<dyn ReportStore>,
        publisher: Arc<dyn Publisher>,
        notifier: Arc<dyn Notifier>,
    ) -> Vigie {
        Vigie {
            crisis: Arc::new(crisis),
            gazetteer: Arc::new(gazetteer),
            publisher,
            notifier,
            published: Arc::new(tokio::sync::Notify::new()),
            #[cfg(feature = "site")]
            export_state: Arc::new(tokio::sync::Mutex::new(export::ExportState::default())),
            retries: triage::Retries::default(),
            relays: Arc::new(vigie_domain::relay::StoredRelays::new(store.clone())),
            posters: Arc::new(Vec::new()),
            store,
        }
    }

    /// The same, posting approved relays through `posters` (one per `[[relay]]` account).
    pub fn with_posters(self, posters: Vec<Arc<dyn vigie_domain::ports::Poster>>) -> Vigie {
        Vigie {
            posters: Arc::new(posters),
            ..self
        }
    }

    /// The same, retrying background deliveries as `retries` says.
    pub fn with_retries(self, retries: triage::Retries) -> Vigie {
        Vigie { retries, ..self }
    }
}

/// A crisis file with its gazetteer, read and checked once: what every host (the Lambda
/// functions, `vigie local`, `vigie activate`) loads before anything else.
#[derive(Debug)]
pub struct CrisisFile {
    pub crisis: Crisis,
    pub gazetteer: Gazetteer,
    /// The text as read, for a host that keeps it (`vigie local` stores it in its data dir).
    pub text: String,
}

/// Why a crisis file cannot be used; each message names the file.
#[derive(Debug, thiserror::Error)]
pub enum CrisisFileError {
    #[error("crisis file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Invalid(#[from] vigie_domain::crisis::CrisisError),
    #[error("{file}: {source}")]
    Gazetteer {
        file: String,
        source: GazetteerError,
    },
}

impl CrisisFile {
    /// Reads the file at `path`; a gazetteer CSV it names is read from the file's folder.
    pub fn load(path: &std::path::Path) -> Result<CrisisFile, CrisisFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| CrisisFileError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let base = path.parent().unwrap_or(std::path::Path::new(""));
        CrisisFile::parse(&path.display().to_string(), text, base)
    }

    /// A crisis file's `text` (named `file` in errors), its gazetteer CSV read from `base`.
    pub fn parse(
        file: &str,
        text: String,
        base: &std::path::Path,
    ) -> Result<CrisisFile, CrisisFileError> {
        let crisis = Crisis::parse(file, &text)?;
        let gazetteer =
            load_gazetteer(&crisis, base).map_err(|source| CrisisFileError::Gazetteer {
                file: file.to_string(),
                source,
            })?;
        Ok(CrisisFile {
            crisis,
            gazetteer,
            text,
        })
    }
}

/// Why the crisis's gazetteer cannot be loaded (the key `crisis.gazetteer` names it).
#[derive(Debug, thiserror::Error)]
pub enum GazetteerError {
    #[error("key `crisis.gazetteer`: unknown builtin gazetteer `{0}`")]
    UnknownBuiltin(String),
    #[error("key `crisis.gazetteer`: cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("key `crisis.gazetteer`: {0}")]
    Invalid(String),
}

/// Loads the crisis's gazetteer: a builtin one, or a CSV path relative to `base_dir` (the
/// crisis file's folder).
pub fn load_gazetteer(
    crisis: &Crisis,
    base_dir: &std::path::Path,
) -> Result<Gazetteer, GazetteerError> {
    match &crisis.gazetteer {
        GazetteerRef::Builtin(name) => {
            Gazetteer::builtin(name).ok_or_else(|| GazetteerError::UnknownBuiltin(name.clone()))
        }
        GazetteerRef::Path(path) => {
            let full = base_dir.join(path);
            let text = std::fs::read_to_string(&full).map_err(|source| GazetteerError::Read {
                path: full.display().to_string(),
                source,
            })?;
            Gazetteer::from_csv(&full.display().to_string(), &text)
                .map_err(|e| GazetteerError::Invalid(e.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "kind,insee,name,alt_names,island,postal_codes,population,lat,lon\n";

    #[test]
    fn a_crisis_file_loads_with_its_gazetteer_beside_it_and_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("crisis.toml");
        let crisis = "[crisis]\nid = \"gp-test\"\nname = \"Test\"\nbbox = [-61.85, 15.83, -61.00, 16.52]\ngazetteer = \"places.csv\"\n";
        std::fs::write(&file, crisis).unwrap();

        // The CSV is read from the file's folder, not from where the host runs.
        let err = CrisisFile::load(&file).unwrap_err().to_string();
        assert!(
            err.starts_with(&file.display().to_string())
                && err.contains("key `crisis.gazetteer`: cannot read"),
            "{err}"
        );
        std::fs::write(
            dir.path().join("places.csv"),
            format!(
                "{HEADER}commune,97101,Les Abymes,,Grande-Terre,97139,51055,16.26774,-61.57907\n"
            ),
        )
        .unwrap();
        let loaded = CrisisFile::load(&file).unwrap();
        assert_eq!(loaded.crisis.id, "gp-test");
        assert_eq!(loaded.text, crisis);
        assert!(loaded
            .gazetteer
            .places()
            .iter()
            .any(|p| p.name == "Les Abymes"));

        let missing = dir.path().join("nope.toml");
        let err = CrisisFile::load(&missing).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("crisis file {}: ", missing.display())),
            "{err}"
        );
        std::fs::write(&file, "[crisis]\nid = \"GP\"\n").unwrap();
        let err = CrisisFile::load(&file).unwrap_err().to_string();
        assert!(err.contains(&file.display().to_string()), "{err}");
    }
}
