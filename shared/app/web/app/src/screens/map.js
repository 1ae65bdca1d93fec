// The map view: every located report of the client's table (not only the published ones) as
// circles coloured by priority; a box drawn with shift-drag, the "draw a box" button or the
// visible area filters the queue (`?view=queue&box=w,s,e,n`); and the count of reports
// without a place.

import { html } from "htm/preact";
import { useState, useEffect, useRef } from "preact/hooks";
import { effect } from "@preact/signals";
import { loadLeaflet } from "../leaflet.js";
import { formatBbox, parseBbox, inBbox } from "../bbox.js";
import { priorityOf, categoryOf } from "../buckets.js";
import { compare } from "../fold.js";
import { adoptStyles, strings, scoped, label, excerpt, formatTime, PRIORITIES } from "./common.js";

strings("map", {
  fr: {
    title: "Carte des signalements",
    map_label: "Carte des signalements localisés. Flèches pour déplacer, + et − pour zoomer.",
    located: "{n} signalements localisés sur la carte",
    unplaced: "{n} sans lieu (à localiser dans la file)",
    legend: "Priorité",
    draw: "Tracer une zone",
    drawing: "Tracez la zone sur la carte (glisser)… Échap pour annuler",
    draw_hint: "Ou Maj + glisser sur la carte.",
    visible: "Prendre la zone visible",
    in_box: "{n} signalements dans la zone",
    show_queue: "Voir ces signalements dans la file",
    clear: "Effacer la zone",
    dismissed: "Afficher aussi les écartés",
    open: "Ouvrir dans la file",
    here: "{n} signalements à cet endroit",
    more: "… et {n} autres",
    show_here: "Voir ceux d'ici dans la file",
    no_tiles: "Fond de carte indisponible : les signalements restent affichés.",
  },
  en: {
    title: "Map of reports",
    map_label: "Map of located reports. Arrows to pan, + and − to zoom.",
    located: "{n} located reports on the map",
    unplaced: "{n} without a place (to locate in the queue)",
    legend: "Priority",
    draw: "Draw a box",
    drawing: "Draw the box on the map (drag)… Escape to cancel",
    draw_hint: "Or Shift + drag on the map.",
    visible: "Use the visible area",
    in_box: "{n} reports in the box",
    show_queue: "Show these reports in the queue",
    clear: "Clear the box",
    dismissed: "Also show dismissed ones",
    open: "Open in the queue",
    here: "{n} reports at this spot",
    more: "… and {n} more",
    show_here: "Show the ones here in the queue",
    no_tiles: "Base map unavailable: the reports are still shown.",
  },
});

adoptStyles("map", `
.mapv .tools { margin: 0.5rem 0; }
.mapv .check { display: flex; gap: 0.4rem; align-items: center; font-weight: 400; margin: 0; }
.mapv .check input { width: auto; }
.mapv .map { height: calc(100vh - 17rem); min-height: 22rem; border: 1px solid #8a8a8a; border-radius: 0.4rem; }
.mapv .map:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
.mapv .drawing .map { cursor: crosshair; }
.mapv .legend { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; margin: 0.4rem 0; padding: 0; list-style: none; }
.mapv .dot { display: inline-block; width: 0.85rem; height: 0.85rem; border-radius: 50%; vertical-align: -0.1rem; margin-right: 0.3rem; border: 1px solid #fff; box-shadow: 0 0 0 1px #333; }
.mapv .boxbar { border: 2px solid #0b3d5c; background: #eef5fa; }
.mapv .leaflet-control-attribution { background: #fff; color: #1a1a1a; }
.mapv .leaflet-control-attribution a { color: #004f73; }
.mapv .leaflet-bar a { color: #1a1a1a; }
.vigie-popup p { margin: 0.25rem 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.vigie-popup button { font: inherit; margin-top: 0.3rem; padding: 0.3rem 0.6rem; border: 1px solid #0b3d5c; background: #0b3d5c; color: #fff; border-radius: 0.3rem; cursor: pointer; }
.vigie-popup button:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
@media (max-width: 480px) { .mapv .map { height: 65vh; min-height: 18rem; } }
.leaflet-tooltip.map-count { background: #fff; color: #111; border: 1px solid #333; border-radius: 0.6rem; padding: 0 0.3rem; font: 700 11px/1.3 system-ui, sans-serif; box-shadow: none; }
.leaflet-tooltip.map-count::before { display: none; }
.vigie-popup ul { list-style: none; margin: 0.25rem 0; padding: 0; max-height: 16rem; overflow-y: auto; }
.vigie-popup li { border-top: 1px solid #ddd; padding: 0.3rem 0; }
`);

const BOX_STYLE = { color: "#0b3d5c", weight: 2, dashArray: "6 4", fillOpacity: 0.08 };

let metaPromise = null;
/** The crisis's tiles and extent, from the public meta.json (cached for the tab). */
function meta() {
  if (!metaPromise) metaPromise = fetch("/public/meta.json").then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  return metaPromise;
}

function popup(ctx, r) {
  const div = document.createElement("div");
  div.className = "vigie-popup";
  const head = document.createElement("p");
  const strong = document.createElement("strong");
  strong.textContent = `${label.priority(ctx, priorityOf(r))} · ${label.category(ctx, categoryOf(r))}`;
  head.append(strong);
  const body = document.createElement("p");
  body.textContent = excerpt(r.summary || r.text, 220);
  const where = document.createElement("p");
  where.textContent = [r.location && r.location.place, label.network(ctx, r.network), formatTime(r.posted_at)].filter(Boolean).join(" · ");
  const open = document.createElement("button");
  open.type = "button";
  open.textContent = ctx.t("map.open");
  open.addEventListener("click", () => ctx.navigate("queue", { open: r.id }));
  div.append(head, body, where, open);
  return div;
}

/** Reports at one spot (the same point to 1e-5°, often a commune's centre), most urgent first:
 * up to GROUP_LIST of them, each with its way to the queue, and the whole spot as a box. */
const GROUP_LIST = 8;
function groupPopup(ctx, reports, lat, lon) {
  const tr = scoped(ctx, "map");
  const div = document.createElement("div");
  div.className = "vigie-popup";
  const head = document.createElement("p");
  const strong = document.createElement("strong");
  strong.textContent = tr("here", { n: reports.length });
  head.append(strong);
  const list = document.createElement("ul");
  for (const r of reports.slice(0, GROUP_LIST)) {
    const li = document.createElement("li");
    const what = document.createElement("strong");
    what.textContent = `${label.priority(ctx, priorityOf(r))} · ${label.category(ctx, categoryOf(r))}`;
    const body = document.createElement("p");
    body.textContent = excerpt(r.summary || r.text, 120);
    const open = document.createElement("button");
    open.type = "button";
    open.textContent = tr("open");
    open.addEventListener("click", () => ctx.navigate("queue", { open: r.id }));
    li.append(what, body, open);
    list.append(li);
  }
  div.append(head, list);
  if (reports.length > GROUP_LIST) {
    const more = document.createElement("p");
    more.textContent = tr("more", { n: reports.length - GROUP_LIST });
    div.append(more);
  }
  const here = document.createElement("button");
  here.type = "button";
  here.textContent = tr("show_here");
  const d = 0.00005;
  here.addEventListener("click", () => ctx.navigate("queue", { box: formatBbox(lon - d, lat - d, lon + d, lat + d) }));
  div.append(here);
  return div;
}

export default function Screen({ ctx }) {
  const tr = scoped(ctx, "map");
  const el = useRef(null);
  const state = useRef({}); // {L, map, layer, boxLayer, redraw}
  const [counts, setCounts] = useState({ located: 0, unplaced: 0 });
  const [box, setBox] = useState(() => parseBbox(new URLSearchParams(location.search).get("box")));
  const [drawMode, setDrawMode] = useState(false);
  const [withDismissed, setWithDismissed] = useState(false);
  const [tilesFailed, setTilesFailed] = useState(false);
  const [ready, setReady] = useState(false);
  const drawRef = useRef(false);
  drawRef.current = drawMode;
  const dismissedRef = useRef(false);
  dismissedRef.current = withDismissed;

  // The map, once Leaflet (its own chunk) has loaded.
  useEffect(() => {
    let alive = true;
    let cleanup = null;
    loadLeaflet().then((L) => { if (alive) cleanup = init(L); });
    return () => { alive = false; if (cleanup) cleanup(); };
  }, []);

  function init(L) {
    const map = L.map(el.current, { preferCanvas: true, boxZoom: false, keyboard: true, worldCopyJump: false, zoomControl: true });
    const layer = L.layerGroup().addTo(map);
    state.current = { L, map, layer, boxLayer: null };
    map.setView([16.2, -61.55], 9);
    let alive = true;
    meta().then((m) => {
      if (!alive) return;
      if (Array.isArray(m.bbox) && m.bbox.length === 4 && !box) {
        const [w, s, e, n] = m.bbox;
        map.fitBounds([[s, w], [n, e]], { animate: false });
      }
      if (m.tiles) {
        const attribution = /openstreetmap\.org/.test(m.tiles) ? '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors' : "";
        const tiles = L.tileLayer(m.tiles, { maxZoom: 18, attribution }).addTo(map);
        tiles.on("tileerror", () => setTilesFailed(true));
        tiles.on("tileload", () => setTilesFailed(false));
      } else {
        setTilesFailed(true);
      }
    });

    // Drawing a box: shift-drag, or any drag while "draw a box" is on.
    const container = map.getContainer();
    let start = null;
    let rect = null;
    const down = (e) => {
      if (!(e.shiftKey || drawRef.current) || (e.pointerType === "mouse" && e.button !== 0)) return;
      e.preventDefault();
      e.stopPropagation();
      map.dragging.disable();
      start = map.mouseEventToLatLng(e);
      rect = L.rectangle(L.latLngBounds(start, start), BOX_STYLE).addTo(map);
      try { container.setPointerCapture(e.pointerId); } catch { /* */ }
    };
    const move = (e) => {
      if (!start) return;
      e.preventDefault();
      rect.setBounds(L.latLngBounds(start, map.mouseEventToLatLng(e)));
    };
    const up = (e) => {
      if (!start) return;
      const end = map.mouseEventToLatLng(e);
      const b = L.latLngBounds(start, end);
      map.removeLayer(rect);
      start = null; rect = null;
      map.dragging.enable();
      setDrawMode(false);
      if (b.getNorth() - b.getSouth() > 1e-6 && b.getEast() - b.getWest() > 1e-6) {
        setBox(parseBbox(formatBbox(b.getWest(), b.getSouth(), b.getEast(), b.getNorth())));
      }
    };
    container.addEventListener("pointerdown", down, true);
    container.addEventListener("pointermove", move, true);
    container.addEventListener("pointerup", up, true);
    container.addEventListener("pointercancel", up, true);

    // Markers, redrawn (at most every second) when the table changes.
    let timer = 0;
    let pending = false;
    // One canvas for every marker. Reports at the same spot (many are placed at their
    // commune's centre) share one circle, sized by their number and coloured by the most
    // urgent, with the number beside it; its popup lists them. Circles are kept between
    // redraws and replaced only when a report of their spot changed, so 20,000 reports redraw
    // cheaply; urgent ones are brought to the front after each change (a canvas draws in
    // insertion order).
    const order = ["low", "medium", "high", "critical"];
    const renderer = L.canvas({ padding: 0.3 });
    const markers = new Map(); // spot → {marker, sig, priority}
    const draw = () => {
      timer = 0;
      pending = false;
      const reports = ctx.table && ctx.table.reports ? ctx.table.reports.peek() : new Map();
      let located = 0;
      let unplaced = 0;
      const showDismissed = dismissedRef.current;
      const spots = new Map();
      for (const r of reports.values()) {
        if (r.status === "dismissed" && !showDismissed) continue;
        if (!r.location || !Number.isFinite(r.location.lat) || !Number.isFinite(r.location.lon)) { unplaced += 1; continue; }
        located += 1;
        const key = `${r.location.lat.toFixed(5)},${r.location.lon.toFixed(5)}`;
        const spot = spots.get(key);
        if (spot) spot.push(r); else spots.set(key, [r]);
      }
      let added = 0;
      for (const [key, list] of spots) {
        if (list.length > 1) list.sort(compare);
        const sig = list.map((r) => `${r.id}:${r.version}`).join("|");
        const had = markers.get(key);
        if (had && had.sig === sig) continue;
        if (had) layer.removeLayer(had.marker);
        const first = list[0];
        const p = order.includes(priorityOf(first)) ? priorityOf(first) : "low";
        const n = list.length;
        const { lat, lon } = first.location;
        const radius = n === 1 ? (p === "critical" ? 8 : 6) : Math.min(18, 7 + 2.5 * Math.log2(n));
        const marker = L.circleMarker([lat, lon], {
          renderer, radius, color: "#ffffff", weight: 1.5, fillColor: PRIORITIES[p][0], fillOpacity: 0.9,
        }).bindPopup(() => (n === 1 ? popup(ctx, first) : groupPopup(ctx, list, lat, lon)), { maxWidth: 320 });
        if (n > 1) marker.bindTooltip(String(n), { permanent: true, direction: "right", offset: [radius - 2, -radius + 2], className: "map-count", interactive: false });
        layer.addLayer(marker);
        markers.set(key, { marker, sig, priority: p });
        added += 1;
      }
      for (const [key, { marker }] of markers) {
        if (!spots.has(key)) { layer.removeLayer(marker); markers.delete(key); }
      }
      if (added) {
        for (const p of ["high", "critical"]) for (const m of markers.values()) if (m.priority === p) m.marker.bringToFront();
      }
      container.dataset.markers = String(located);
      setCounts({ located, unplaced });
    };
    state.current.redraw = () => { if (timer) clearTimeout(timer); draw(); };
    const stop = effect(() => {
      if (ctx.table && ctx.table.reports) ctx.table.reports.value; // subscribe
      if (!timer) timer = setTimeout(draw, pending ? 1000 : 0);
      pending = true;
    });
    setReady(true);
    return () => {
      alive = false;
      stop();
      if (timer) clearTimeout(timer);
      container.removeEventListener("pointerdown", down, true);
      container.removeEventListener("pointermove", move, true);
      container.removeEventListener("pointerup", up, true);
      container.removeEventListener("pointercancel", up, true);
      map.remove();
    };
  }

  useEffect(() => { if (state.current.redraw) state.current.redraw(); }, [withDismissed]);

  // The box on the map.
  useEffect(() => {
    const { map, L } = state.current;
    if (!map) return;
    if (state.current.boxLayer) { map.removeLayer(state.current.boxLayer); state.current.boxLayer = null; }
    if (box) {
      const [w, s, e, n] = box;
      state.current.boxLayer = L.rectangle([[s, w], [n, e]], { ...BOX_STYLE, dashArray: null, interactive: false }).addTo(map);
    }
  }, [box, ready]);

  // Escape leaves drawing mode.
  useEffect(() => {
    if (!drawMode) return;
    const key = (e) => { if (e.key === "Escape") { e.stopPropagation(); setDrawMode(false); } };
    document.addEventListener("keydown", key, true);
    return () => document.removeEventListener("keydown", key, true);
  }, [drawMode]);

  const reports = ctx.table && ctx.table.reports ? ctx.table.reports.value : new Map();
  let inBox = 0;
  if (box) for (const r of reports.values()) if ((withDismissed || r.status !== "dismissed") && inBbox(r, box)) inBox += 1;
  const useVisible = () => {
    if (!state.current.map) return;
    const b = state.current.map.getBounds();
    setBox(parseBbox(formatBbox(Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()), Math.min(180, b.getEast()), Math.min(90, b.getNorth()))));
  };
  const boxText = box ? box.join(",") : "";

  return html`<section class="scr mapv" aria-labelledby="map-title">
    <h1 id="map-title">${tr("title")}</h1>
    <p><strong data-located=${counts.located}>${tr("located", { n: counts.located })}</strong> · <span data-unplaced=${counts.unplaced}>${tr("unplaced", { n: counts.unplaced })}</span></p>
    <ul class="legend" aria-label=${tr("legend")}>
      ${Object.keys(PRIORITIES).map((p) => html`<li><span class="dot" style=${{ background: PRIORITIES[p][0] }} aria-hidden="true"></span>${label.priority(ctx, p)}</li>`)}
    </ul>
    <div class="row tools">
      <button class="btn" type="button" aria-pressed=${drawMode ? "true" : "false"} onClick=${() => setDrawMode(!drawMode)}>${tr("draw")}</button>
      <button class="btn" type="button" onClick=${useVisible}>${tr("visible")}</button>
      <label class="check"><input type="checkbox" checked=${withDismissed} onChange=${(e) => setWithDismissed(e.currentTarget.checked)} /> ${tr("dismissed")}</label>
    </div>
    <p class="hint" aria-live="polite">${drawMode ? tr("drawing") : tr("draw_hint")}</p>
    ${box ? html`<div class="card boxbar row" data-box=${boxText}>
      <strong>${tr("in_box", { n: inBox })}</strong>
      <button class="btn primary" type="button" onClick=${() => ctx.navigate("queue", { box: boxText })}>${tr("show_queue")}</button>
      <button class="btn" type="button" onClick=${() => setBox(null)}>${tr("clear")}</button>
    </div>` : ""}
    ${tilesFailed ? html`<p class="hint">${tr("no_tiles")}</p>` : ""}
    <div class=${drawMode ? "drawing" : ""}>
      <div class="map" ref=${el} role="region" aria-label=${tr("map_label")} tabindex="0"></div>
    </div>
  </section>`;
}
