//! Start-up of every command: the data dir, the crisis, the adapters and the sources, each
//! checked once with an error that names what is wrong and where.

use crate::Place;
use anyhow::{anyhow, bail, Context, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vigie_app::demo::CRISIS_TOML;
use vigie_app::{CrisisFile, Vigie};
use vigie_domain::crisis::Crisis;
use vigie_domain::ports::ReportStore;
pub use vigie_host::PlannedSource;
use vigie_host::{PublishSpec, S3Options, StoreSpec};

/// Which crisis a command runs.
pub enum CrisisChoice {
    File(PathBuf),
    Demo,
    /// The one last used with this data dir.
    Stored,
}

impl CrisisChoice {
    pub fn from_args(file: Option<PathBuf>, demo: bool) -> CrisisChoice {
        match (file, demo) {
            (Some(f), _) => CrisisChoice::File(f),
            (None, true) => CrisisChoice::Demo,
            (None, false) => CrisisChoice::Stored,
        }
    }
}

/// The crisis last used with a data dir, so later commands need not repeat `--crisis`.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredCrisis {
    /// The file it came from (`builtin:demo` for the demo); relative gazetteer paths are
    /// resolved from its folder.
    file: String,
    text: String,
}

const STORED: &str = "crisis.json";

fn ensure_data_dir(dir: &Path) -> Result<()> {
    let ours = !dir.exists() || dir.join("vigie.db").exists();
    std::fs::create_dir_all(dir)
        .with_context(|| format!("data dir {} cannot be created", dir.display()))?;
    // Tokens' hashes, private posts and the Bluesky session live here: the owner's only. A
    // directory the operator chose and Vigie did not make (say their home) is left as it is.
    #[cfg(unix)]
    if ours {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("data dir {} cannot be made private", dir.display()))?;
    }
    let probe = dir.join(".vigie-write-test");
    std::fs::write(&probe, b"ok")
        .with_context(|| format!("data dir {} cannot be written", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The crisis of a command with its gazetteer, and what to keep of it in the data dir.
fn load_crisis(
    choice: CrisisChoice,
    data_dir: &Path,
) -> Result<(CrisisFile, Option<StoredCrisis>)> {
    match choice {
        CrisisChoice::Demo => {
            let loaded =
                CrisisFile::parse("builtin:demo", CRISIS_TOML.to_string(), Path::new("."))?;
            let stored = StoredCrisis {
                file: "builtin:demo".into(),
                text: CRISIS_TOML.into(),
            };
            Ok((loaded, Some(stored)))
        }
        CrisisChoice::File(path) => {
            let loaded = CrisisFile::load(&path)?;
            let absolute = std::fs::canonicalize(&path).unwrap_or(path.clone());
            let stored = StoredCrisis {
                file: absolute.display().to_string(),
                text: loaded.text.clone(),
            };
            Ok((loaded, Some(stored)))
        }
        CrisisChoice::Stored => {
            let path = data_dir.join(STORED);
            let raw = std::fs::read_to_string(&path).map_err(|_| {
                anyhow!(
                    "no crisis: pass --crisis FILE (or --demo), or first run `vigie local` with this data dir ({})",
                    data_dir.display()
                )
            })?;
            let stored: StoredCrisis = serde_json::from_str(&raw)
                .with_context(|| format!("{} is not readable", path.display()))?;
            let base = Path::new(&stored.file)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            Ok((CrisisFile::parse(&stored.file, stored.text, &base)?, None))
        }
    }
}

/// Where the public files go: `--publish`, else the data dir's `public/` folder.
pub fn publish_spec(place: &Place) -> Result<PublishSpec> {
    match place.publish.as_deref() {
        None => Ok(PublishSpec::Dir(place.data_dir.join("public"))),
        Some(spec) => spec.parse().map_err(|e| anyhow!("--publish {e}")),
    }
}

/// The local folder of the public files, when they go to one (`vigie local` serves it).
pub fn public_dir(place: &Place) -> Result<Option<PathBuf>> {
    Ok(match publish_spec(place)? {
        PublishSpec::Dir(path) => Some(path),
        PublishSpec::S3 { .. } => None,
    })
}

/// Where the reports are: `--store`, else the data dir's `vigie.db`.
fn store_spec(place: &Place) -> Result<StoreSpec> {
    match place.store.as_deref() {
        None => Ok(StoreSpec::Sqlite(place.data_dir.join("vigie.db"))),
        Some(spec) => spec.parse().map_err(|e| anyhow!("--store {e}")),
    }
}

/// A data dir holds one crisis: starting another one in it would mix their reports in one
/// store and one public map. The crisis may change (a source added), its id may not.
fn same_crisis_as_before(crisis: &Crisis, data_dir: &Path) -> Result<()> {
    let path = data_dir.join(STORED);
    let Ok(raw) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    let before = serde_json::from_str::<StoredCrisis>(&raw)
        .ok()
        .and_then(|stored| Crisis::parse(&stored.file, &stored.text).ok());
    match before {
        Some(before) if before.id != crisis.id => bail!(
            "{} holds crisis `{}`, not `{}`: use another --data-dir for this crisis",
            data_dir.display(),
            before.id,
            crisis.id
        ),
        _ => Ok(()),
    }
}

/// Opens everything a command needs. Nothing is written before the crisis file, the data dir
/// and the store have all been checked.
pub async fn open(choice: CrisisChoice, place: &Place) -> Result<Vigie> {
    let (
        CrisisFile {
            crisis, gazetteer, ..
        },
        to_store,
    ) = load_crisis(choice, &place.data_dir)?;
    if to_store.is_some() {
        same_crisis_as_before(&crisis, &place.data_dir)?;
    }
    ensure_data_dir(&place.data_dir)?;
    let store = vigie_host::open_store(&store_spec(place)?).await?;
    let env = |var: &str| std::env::var(var).ok();
    let publisher =
        vigie_host::open_publisher(&publish_spec(place)?, S3Options::from_env(&env)).await?;
    if let Some(stored) = to_store {
        let path = place.data_dir.join(STORED);
        let json = serde_json::to_string_pretty(&stored)?;
        std::fs::write(&path, json).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let notifier = vigie_host::notifier(&crisis, true, &env).await?;
    // The relay accounts' credentials, from the variables the crisis file names.
    let posters = vigie_host::posters(&crisis, &env)?;
    Ok(Vigie::new(crisis, gazetteer, store, publisher, notifier).with_posters(posters))
}

/// The store of the data dir (or `--store`), made if it does not exist yet: what `vigie import`
/// writes into, with or without a crisis run there before.
pub async fn open_store_creating(place: &Place) -> Result<Arc<dyn ReportStore>> {
    ensure_data_dir(&place.data_dir)?;
    Ok(vigie_host::open_store(&store_spec(place)?).await?)
}

/// Holds `vigie.lock` in the data dir for as long as the returned file lives; refused, naming
/// the dir, when another `vigie local` holds it. The operating system drops the lock when the
/// process ends, even killed, so a stale file never blocks a restart.
pub fn lock_data_dir(dir: &std::path::Path) -> Result<std::fs::File> {
    let path = dir.join("vigie.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(anyhow!(
            "another `vigie local` is running with the data dir {}: stop it first, or give this one its own --data-dir",
            dir.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(anyhow!("cannot lock {}: {e}", path.display()))
        }
    }
}

/// The report store alone, for commands that need no crisis (`vigie token create`): with an
/// explicit `--store` (a cloud table, say), no crisis need have been run with the data dir;
/// without one, the data dir must hold the crisis last run with it, as for every command, so a
/// mistyped `--data-dir` is an error rather than a token in a new, empty store.
pub async fn open_store(place: &Place) -> Result<Arc<dyn ReportStore>> {
    match place.store {
        Some(_) => Ok(vigie_host::open_store(&store_spec(place)?).await?),
        None => Ok(open(CrisisChoice::Stored, place).await?.store),
    }
}

/// The crisis's sources (or one), with secrets from this process's environment, keeping their
/// login sessions in the crisis's store between runs.
pub fn sources(app: &Vigie, only: Option<&str>) -> Result<Vec<PlannedSource>> {
    let env = |var: &str| std::env::var(var).ok();
    Ok(vigie_host::sources(
        &app.crisis,
        only,
        None,
        &env,
        &app.store,
    )?)
}
