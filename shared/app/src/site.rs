//! The public map page and its assets, embedded in the binary: the page is written by the
//! project (`web/page`), its libraries come from npm at build time (see `build.rs`).

use crate::export::{ASSET_CACHE, PAGE_CACHE};
use vigie_domain::ports::PublicFile;

macro_rules! vendor {
    ($file:literal) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/vendor/", $file))
    };
}

/// Every file of the page, with its content type and cache lifetime.
pub fn files() -> Vec<PublicFile> {
    let page = |name: &str, bytes: &'static [u8], content_type: &'static str| PublicFile {
        name: name.into(),
        bytes: bytes::Bytes::from_static(bytes),
        content_type,
        cache_control: PAGE_CACHE,
    };
    let asset = |name: &str, bytes: &'static [u8], content_type: &'static str| PublicFile {
        name: name.into(),
        bytes: bytes::Bytes::from_static(bytes),
        content_type,
        cache_control: ASSET_CACHE,
    };
    let mut files = vec![
        page(
            "index.html",
            include_bytes!("../web/page/index.html"),
            "text/html; charset=utf-8",
        ),
        page(
            "app.js",
            include_bytes!("../web/page/app.js"),
            "text/javascript; charset=utf-8",
        ),
        page(
            "app.css",
            include_bytes!("../web/page/app.css"),
            "text/css; charset=utf-8",
        ),
    ];
    let vendor: [(&str, &'static [u8], &'static str); 5] = [
        (
            "assets/leaflet-1.9.4/leaflet.js",
            vendor!("leaflet.js"),
            "text/javascript; charset=utf-8",
        ),
        (
            "assets/leaflet-1.9.4/leaflet.css",
            vendor!("leaflet.css"),
            "text/css; charset=utf-8",
        ),
        (
            "assets/markercluster-1.5.3/leaflet.markercluster.js",
            vendor!("leaflet.markercluster.js"),
            "text/javascript; charset=utf-8",
        ),
        (
            "assets/markercluster-1.5.3/MarkerCluster.css",
            vendor!("MarkerCluster.css"),
            "text/css; charset=utf-8",
        ),
        (
            "assets/markercluster-1.5.3/MarkerCluster.Default.css",
            vendor!("MarkerCluster.Default.css"),
            "text/css; charset=utf-8",
        ),
    ];
    for (name, bytes, content_type) in vendor {
        if !bytes.is_empty() {
            files.push(asset(name, bytes, content_type));
        }
    }
    files
}

/// Whether the map libraries were available at build time.
pub fn has_map_libraries() -> bool {
    !vendor!("leaflet.js").is_empty()
}
