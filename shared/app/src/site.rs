//! The public map page and its assets, embedded in the binary: the page is written by the
//! project (`web/page`), its libraries come from npm at build time (see `build.rs`).

use crate::export::file_headers;
use vigie_domain::ports::PublicFile;

macro_rules! vendor {
    ($file:literal) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/vendor/", $file))
    };
}

/// Every file of the page, with its content type and cache lifetime.
pub fn files() -> Vec<PublicFile> {
    let file = |name: &str, bytes: &'static [u8]| {
        let (content_type, cache_control) = file_headers(name);
        PublicFile {
            name: name.into(),
            bytes: bytes::Bytes::from_static(bytes),
            content_type,
            cache_control,
        }
    };
    let mut files = vec![
        file("index.html", include_bytes!("../web/page/index.html")),
        file("app.js", include_bytes!("../web/page/app.js")),
        file("app.css", include_bytes!("../web/page/app.css")),
    ];
    // Libraries live under a versioned path (`assets/NAME-VERSION/`), cached for a year.
    let vendor: [(&str, &'static [u8]); 5] = [
        ("assets/leaflet-1.9.4/leaflet.js", vendor!("leaflet.js")),
        ("assets/leaflet-1.9.4/leaflet.css", vendor!("leaflet.css")),
        (
            "assets/markercluster-1.5.3/leaflet.markercluster.js",
            vendor!("leaflet.markercluster.js"),
        ),
        (
            "assets/markercluster-1.5.3/MarkerCluster.css",
            vendor!("MarkerCluster.css"),
        ),
        (
            "assets/markercluster-1.5.3/MarkerCluster.Default.css",
            vendor!("MarkerCluster.Default.css"),
        ),
    ];
    for (name, bytes) in vendor {
        if !bytes.is_empty() {
            files.push(file(name, bytes));
        }
    }
    files
}

/// Whether the map libraries were available at build time.
pub fn has_map_libraries() -> bool {
    !vendor!("leaflet.js").is_empty()
}
