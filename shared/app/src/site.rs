//! The public map page and the volunteers' app, with their assets, embedded in the binary: the
//! pages are written by the project (`web/page`, `web/app`), their libraries come from npm at
//! build time and the app is bundled by esbuild (see `build.rs`).

use crate::export::file_headers;
use vigie_domain::ports::PublicFile;

macro_rules! vendor {
    ($file:literal) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/vendor/", $file))
    };
}

/// A file embedded in the binary, with the content type and cache lifetime of its name.
fn embedded(name: &str, bytes: &'static [u8]) -> PublicFile {
    let (content_type, cache_control) = file_headers(name);
    PublicFile {
        name: name.into(),
        bytes: bytes::Bytes::from_static(bytes),
        content_type,
        cache_control,
    }
}

/// Every file of the page, with its content type and cache lifetime.
pub fn files() -> Vec<PublicFile> {
    let file = embedded;
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

/// The app's page, its entry script and styles are checked with the server on every load: the
/// entry names hashed chunks under `assets/` that a new version replaces, so an old entry kept
/// by a cache would ask for chunks that are gone.
pub const APP_PAGE_CACHE: &str = "no-cache";

/// Every file of the volunteers' app (served at `/` by `vigie local`, under `app/` in the
/// crisis bucket), with its content type and cache lifetime: the pages written by the project,
/// the bundle esbuild made at build time (`app.js`, chunks under `assets/`) and Leaflet's CSS
/// and images under `assets/leaflet-1.9.4/`.
pub fn app_files() -> Vec<PublicFile> {
    let file = |name: &str, bytes: &'static [u8]| {
        let mut file = embedded(name, bytes);
        if !name.starts_with("assets/") {
            file.cache_control = APP_PAGE_CACHE;
        }
        file
    };
    let bundle: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/app_files.rs"));
    let mut files = vec![
        file("index.html", include_bytes!("../web/app/index.html")),
        file("app.css", include_bytes!("../web/app/app.css")),
        file(
            "manifest.webmanifest",
            include_bytes!("../web/app/manifest.webmanifest"),
        ),
        file("icon.svg", include_bytes!("../web/app/icon.svg")),
    ];
    for (name, bytes) in bundle {
        files.push(file(name, bytes));
    }
    files
}

/// The app's Content-Security-Policy: scripts, styles and API calls from its own origin only
/// (no inline script or style), images from itself, `data:` and the crisis's tile server
/// (`tiles`, the `[publish] tiles` URL template; a `{s}` subdomain becomes `*`).
pub fn app_csp(tiles: &str) -> String {
    let tile_origin = tile_origin(tiles)
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:{tile_origin}; \
         connect-src 'self'; font-src 'self'; manifest-src 'self'; media-src 'self' data:; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// `scheme://host[:port]` of a tile URL template, with `{s}`-style placeholders in the host
/// as `*`; `None` when the template is not an http(s) URL.
fn tile_origin(tiles: &str) -> Option<String> {
    let (scheme, rest) = tiles.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let mut out = String::new();
    let mut labels = Vec::new();
    for label in host.split('.') {
        if label.contains('{') {
            labels.push("*".to_string());
        } else if label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':')
        {
            labels.push(label.to_string());
        } else {
            return None;
        }
    }
    out.push_str(scheme);
    out.push_str("://");
    out.push_str(&labels.join("."));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csp_names_the_tile_server_and_allows_no_inline_code() {
        let csp = app_csp("https://tile.openstreetmap.org/{z}/{x}/{y}.png");
        assert!(
            csp.contains("img-src 'self' data: https://tile.openstreetmap.org;"),
            "{csp}"
        );
        assert!(csp.contains("script-src 'self';") && csp.contains("style-src 'self';"));
        assert!(csp.contains("connect-src 'self';"));
        assert!(!csp.contains("unsafe"));
        let csp = app_csp("https://{s}.tiles.example:8443/{z}/{x}/{y}.png?key=1");
        assert!(
            csp.contains("img-src 'self' data: https://*.tiles.example:8443;"),
            "{csp}"
        );
        let csp = app_csp("javascript:alert(1)//{z}{x}{y}");
        assert!(csp.contains("img-src 'self' data:;"), "{csp}");
        let csp = app_csp("https://evil.example; script-src *;/{z}/{x}/{y}");
        assert!(!csp.contains("script-src *"), "{csp}");
    }

    #[test]
    fn the_app_has_its_page_bundle_styles_manifest_and_icon() {
        let files = app_files();
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        for name in [
            "index.html",
            "app.js",
            "app.css",
            "manifest.webmanifest",
            "icon.svg",
        ] {
            assert!(names.contains(&name), "{name} missing from {names:?}");
        }
        let js = files
            .iter()
            .find(|f| f.name == "app.js")
            .map(|f| &f.content_type);
        assert_eq!(js.copied(), Some("text/javascript; charset=utf-8"));
        let manifest = files.iter().find(|f| f.name == "manifest.webmanifest");
        assert_eq!(
            manifest.map(|f| f.content_type),
            Some("application/manifest+json")
        );
        for f in &files {
            assert!(
                !f.name.starts_with('/') && !f.name.contains(".."),
                "{}",
                f.name
            );
            // Revalidated on each load, except what lives under a hashed or versioned name.
            let expected = if f.name.starts_with("assets/") {
                crate::export::ASSET_CACHE
            } else {
                APP_PAGE_CACHE
            };
            assert_eq!(f.cache_control, expected, "{}", f.name);
        }
        assert!(
            files
                .iter()
                .any(|f| f.name.starts_with("assets/") && f.name.ends_with(".js")),
            "the bundle's chunks live under assets/"
        );
    }
}
