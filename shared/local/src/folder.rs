//! The folder publisher: public files written under a local folder, each replaced atomically
//! (written to a temporary file beside it, then renamed), and left alone when unchanged.

use async_trait::async_trait;
use std::path::{Path, PathBuf};
use vigie_domain::ports::{PublicFile, PublishError, PublishOutcome, Publisher};

pub struct FolderPublisher {
    root: PathBuf,
}

impl FolderPublisher {
    /// Publishes under `root`, creating it if needed. A folder that cannot be written is
    /// refused here, at start, rather than at the first export.
    pub fn new(root: &Path) -> std::io::Result<FolderPublisher> {
        std::fs::create_dir_all(root)?;
        let probe = root.join(format!(".vigie-write-check-{}", std::process::id()));
        std::fs::write(&probe, b"").map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot write the public files here: {e}"))
        })?;
        let _ = std::fs::remove_file(&probe);
        Ok(FolderPublisher {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[async_trait]
impl Publisher for FolderPublisher {
    async fn publish(&self, file: &PublicFile) -> Result<PublishOutcome, PublishError> {
        file.check_name()?;
        let target = self.root.join(&file.name);
        let bytes = file.bytes.clone();
        let name = file.name.clone();
        tokio::task::spawn_blocking(move || {
            if same_content(&target, &bytes) {
                return Ok(PublishOutcome::Unchanged);
            }
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
            }
            let tmp = target.with_file_name(format!(
                ".{}.tmp-{}",
                target
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("file"),
                std::process::id()
            ));
            std::fs::write(&tmp, &bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
            std::fs::rename(&tmp, &target).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                format!("{}: {e}", target.display())
            })?;
            Ok(PublishOutcome::Written)
        })
        .await
        .map_err(|e| PublishError {
            name: name.clone(),
            reason: e.to_string(),
        })?
        .map_err(|reason: String| PublishError { name, reason })
    }
}

/// Whether the file at `path` holds exactly `bytes`: read a piece at a time, so that comparing
/// a large GeoJSON does not hold a second copy of it in memory.
fn same_content(path: &Path, bytes: &[u8]) -> bool {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    if file.metadata().map(|m| m.len()).ok() != Some(bytes.len() as u64) {
        return false;
    }
    let mut piece = vec![0u8; bytes.len().clamp(1, 256 * 1024)];
    let mut rest = bytes;
    loop {
        match file.read(&mut piece) {
            Ok(0) => return rest.is_empty(),
            Ok(n) if n <= rest.len() && piece[..n] == rest[..n] => rest = &rest[n..],
            _ => return false,
        }
    }
}
