// Leaflet, loaded on demand (its own chunk), and the crisis's tile URL from the public meta.
let leaflet = null;
let tiles = null;

export function loadLeaflet() {
  if (!leaflet) leaflet = import("leaflet").then((m) => m.default || m);
  return leaflet;
}

/** The tile URL template and attribution of the crisis (public/meta.json), OSM otherwise. */
export function tileLayerOptions() {
  if (!tiles) {
    tiles = fetch("/public/meta.json", { credentials: "omit" })
      .then((r) => (r.ok ? r.json() : {}))
      .catch(() => ({}))
      .then((m) => ({
        url: (m && m.tiles) || "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        attribution: '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
      }));
  }
  return tiles;
}
