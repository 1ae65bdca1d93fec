// Vigie public map. Everything from the data files is shown as text (textContent), never as
// HTML: summaries are written by volunteers but come from the public's posts.
(function () {
  "use strict";

  var CATEGORIES = {
    rescue: { color: "#c0392b", symbol: "!", fr: "Secours", en: "Rescue" },
    casualties: { color: "#8e0e00", symbol: "+", fr: "Victimes", en: "Casualties" },
    damage: { color: "#7f5539", symbol: "D", fr: "Dégâts", en: "Damage" },
    utilities: { color: "#d68910", symbol: "E", fr: "Réseaux (eau, électricité, télécoms)", en: "Utilities (water, power, telecom)" },
    access: { color: "#6c3483", symbol: "R", fr: "Routes et accès", en: "Roads and access" },
    hazard: { color: "#1f618d", symbol: "~", fr: "Phénomènes (inondation, glissement…)", en: "Hazards (flood, landslide…)" },
    needs: { color: "#b03a2e", symbol: "B", fr: "Besoins", en: "Needs" },
    shelter: { color: "#117a65", symbol: "H", fr: "Hébergement, évacuation", en: "Shelter, evacuation" },
    solidarity: { color: "#239b56", symbol: "S", fr: "Solidarité", en: "Solidarity" },
    official: { color: "#0b4f8a", symbol: "i", fr: "Informations officielles", en: "Official information" },
    weather: { color: "#5d6d7e", symbol: "M", fr: "Météo", en: "Weather" },
    other: { color: "#7b7d7d", symbol: "·", fr: "Autres", en: "Other" }
  };

  var TEXT = {
    fr: {
      loading: "Chargement…", "show-list": "Liste", "show-map": "Carte", categories: "Catégories",
      reports: "Signalements", official: "Messages officiels", debunked: "Rumeurs démenties",
      updated: "Dernière mise à jour : ", "no-data": "Données indisponibles pour le moment.",
      about: "Signalements validés par des volontaires numériques pour l'autorité de crise.",
      "data-sources": "Lieux : INSEE Code officiel géographique (Licence Ouverte 2.0) ; coordonnées des communes : countries-states-cities (ODbL 1.0).",
      confirmed: "confirmé", unverified: "non vérifié", debunked_v: "démenti", source: "Source officielle",
      exact: "position précise", commune: "commune", area: "secteur", none: "Aucun signalement.",
      "no-map": "La carte n'a pas pu être chargée ; la liste reste disponible."
    },
    en: {
      loading: "Loading…", "show-list": "List", "show-map": "Map", categories: "Categories",
      reports: "Reports", official: "Official messages", debunked: "Debunked rumours",
      updated: "Last update: ", "no-data": "Data unavailable for now.",
      about: "Reports validated by digital volunteers for the crisis authority.",
      "data-sources": "Places: INSEE official geographic code (Licence Ouverte 2.0); commune coordinates: countries-states-cities (ODbL 1.0).",
      confirmed: "confirmed", unverified: "unverified", debunked_v: "debunked", source: "Official source",
      exact: "exact position", commune: "commune", area: "area", none: "No reports.",
      "no-map": "The map could not be loaded; the list is still available."
    }
  };

  // French by default, whatever the browser's language: the crisis authority speaks French.
  // English through the toggle or `?lang=en`.
  function requestedLang() {
    var m = /[?&]lang=(fr|en)\b/.exec(window.location.search);
    return m ? m[1] : "fr";
  }

  var state = {
    lang: requestedLang(),
    hidden: {}, features: [], meta: null, map: null, cluster: null, listView: false
  };

  function t(key) { return (TEXT[state.lang] && TEXT[state.lang][key]) || TEXT.fr[key] || key; }
  function categoryName(c) { var k = CATEGORIES[c] || CATEGORIES.other; return k[state.lang]; }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function time(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso || "");
    return d.toLocaleString(state.lang === "fr" ? "fr-FR" : "en-GB", { dateStyle: "short", timeStyle: "short" });
  }
  function verificationLabel(v) { return v === "debunked" ? t("debunked_v") : t(v); }

  function icon(category) {
    var k = CATEGORIES[category] || CATEGORIES.other;
    var span = el("span", { className: "icon", "aria-hidden": "true", text: k.symbol });
    span.style.background = k.color;
    return span;
  }

  // One report as text: used in popups, the list and the panels.
  function card(p, tag) {
    var node = el(tag || "div", { className: "popup", "data-id": p.id, "data-category": p.category });
    node.appendChild(el("h3", {}, [icon(p.category), document.createTextNode(" " + categoryName(p.category))]));
    node.appendChild(el("p", { className: "summary", text: p.summary || "" }));
    var meta = [p.place, t(p.precision), time(p.published_at)].filter(Boolean).join(" · ");
    node.appendChild(el("p", { className: "meta", text: meta }));
    node.appendChild(el("span", { className: "badge " + p.verification, text: verificationLabel(p.verification) }));
    if (p.official && p.source_url && /^https?:\/\//.test(p.source_url)) {
      node.appendChild(el("p", {}, [el("a", { href: p.source_url, rel: "noopener noreferrer", target: "_blank", text: t("source") })]));
    }
    return node;
  }

  function visible(f) {
    var p = f.properties;
    return !state.hidden[p.category] && p.verification !== "debunked";
  }

  function renderLegend() {
    var legend = document.getElementById("legend");
    legend.textContent = "";
    var counts = {};
    state.features.forEach(function (f) { if (f.properties.verification !== "debunked") counts[f.properties.category] = (counts[f.properties.category] || 0) + 1; });
    Object.keys(CATEGORIES).forEach(function (c) {
      var box = el("input", { type: "checkbox", value: c, "data-category": c });
      box.checked = !state.hidden[c];
      box.addEventListener("change", function () { state.hidden[c] = !box.checked; renderData(); });
      legend.appendChild(el("label", {}, [box, icon(c), el("span", { text: categoryName(c) }), el("span", { className: "count", text: "(" + (counts[c] || 0) + ")" })]));
    });
  }

  function renderData() {
    var list = document.getElementById("report-list");
    list.textContent = "";
    var shown = state.features.filter(visible);
    shown.slice().sort(function (a, b) { return String(b.properties.published_at).localeCompare(String(a.properties.published_at)); })
      .forEach(function (f) { list.appendChild(card(f.properties, "li")); });
    if (!shown.length) list.appendChild(el("li", { text: t("none") }));
    if (state.cluster) {
      state.cluster.clearLayers();
      shown.forEach(function (f) {
        var c = f.geometry && f.geometry.coordinates;
        if (!c || c.length < 2) return;
        var k = CATEGORIES[f.properties.category] || CATEGORIES.other;
        var marker = L.marker([c[1], c[0]], {
          icon: L.divIcon({ className: "vigie-marker", html: "", iconSize: [26, 26] }),
          title: categoryName(f.properties.category),
          alt: categoryName(f.properties.category)
        });
        marker.on("add", function () {
          var node = marker.getElement();
          if (node && !node.firstChild) { var i = icon(f.properties.category); i.style.background = k.color; node.appendChild(i); }
        });
        marker.bindPopup(function () { return card(f.properties); });
        marker.feature = f;
        state.cluster.addLayer(marker);
      });
    }
    var official = document.getElementById("official-list");
    var debunked = document.getElementById("debunked-list");
    official.textContent = "";
    debunked.textContent = "";
    state.features.filter(function (f) { return f.properties.official && f.properties.verification !== "debunked"; })
      .forEach(function (f) { official.appendChild(card(f.properties, "li")); });
    state.features.filter(function (f) { return f.properties.verification === "debunked"; })
      .forEach(function (f) { debunked.appendChild(card(f.properties, "li")); });
    if (!official.firstChild) official.appendChild(el("li", { text: t("none") }));
    if (!debunked.firstChild) debunked.appendChild(el("li", { text: t("none") }));
  }

  function renderTexts() {
    document.documentElement.lang = state.lang;
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (n) { n.textContent = t(n.getAttribute("data-i18n")); });
    var lang = document.getElementById("lang-toggle");
    lang.textContent = state.lang === "fr" ? "EN" : "FR";
    lang.setAttribute("lang", state.lang === "fr" ? "en" : "fr");
    lang.setAttribute("aria-label", state.lang === "fr" ? "English" : "Français");
    var view = document.getElementById("view-toggle");
    view.textContent = state.listView ? t("show-map") : t("show-list");
    if (state.meta) {
      document.getElementById("crisis-name").textContent = state.meta.crisis && state.meta.crisis.name || "Vigie";
      document.title = (state.meta.crisis && state.meta.crisis.name || "Vigie") + " — Vigie";
      document.getElementById("updated").textContent = t("updated") + time(state.meta.generated_at);
    }
  }

  function setupMap() {
    if (typeof L === "undefined" || !L.markerClusterGroup) {
      document.getElementById("map").appendChild(el("p", { text: t("no-map") }));
      return;
    }
    state.map = L.map("map", { zoomControl: true }).setView([16.2, -61.5], 9);
    var tiles = (state.meta && state.meta.tiles) || "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
    var attribution = /openstreetmap\.org/.test(tiles) ? "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors" : "";
    var tileLayer = L.tileLayer(tiles, { maxZoom: 18, attribution: attribution }).addTo(state.map);
    state.cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 40 });
    state.map.addLayer(state.cluster);
    // For tests and for people who want to script the page: the map, its tiles and markers.
    window.vigie = { map: state.map, cluster: state.cluster, tiles: tileLayer };
    if (state.meta && state.meta.bbox) {
      var b = state.meta.bbox;
      // At once, not animated: a marker linked from the feed is zoomed to right after.
      state.map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false });
    }
  }

  function load() {
    var bust = "?t=" + Date.now();
    return Promise.all([
      fetch("meta.json" + bust).then(function (r) { return r.ok ? r.json() : null; }),
      fetch("reports.geojson" + bust).then(function (r) { return r.ok ? r.json() : { features: [] }; })
    ]).then(function (res) {
      state.meta = res[0];
      state.features = (res[1] && res[1].features) || [];
    });
  }

  document.getElementById("lang-toggle").addEventListener("click", function () {
    state.lang = state.lang === "fr" ? "en" : "fr";
    renderTexts(); renderLegend(); renderData();
  });
  document.getElementById("view-toggle").addEventListener("click", function () {
    state.listView = !state.listView;
    document.getElementById("list-view").hidden = !state.listView;
    document.getElementById("map-view").hidden = state.listView;
    this.setAttribute("aria-pressed", String(state.listView));
    renderTexts();
    if (!state.listView && state.map) state.map.invalidateSize();
  });
  // Small screens start with the list: quicker to read, no tiles to download.
  if (window.matchMedia && window.matchMedia("(max-width: 500px)").matches) {
    document.getElementById("view-toggle").click();
  }

  // `index.html#ID` (the feed's links) shows that report: its popup on the map, or its entry in
  // a panel (debunked rumours have no marker).
  function showLinked() {
    var id = decodeURIComponent(window.location.hash.replace(/^#/, ""));
    if (!id) return;
    var marker = state.cluster && state.cluster.getLayers().filter(function (m) { return m.feature.properties.id === id; })[0];
    if (marker && !state.listView) {
      state.cluster.zoomToShowLayer(marker, function () { marker.openPopup(); });
      return;
    }
    var item = document.querySelector('#debunked-list li[data-id="' + id.replace(/[^A-Za-z0-9_-]/g, "") + '"], #report-list li[data-id="' + id.replace(/[^A-Za-z0-9_-]/g, "") + '"]');
    if (item) { item.classList.add("linked"); item.scrollIntoView(); }
  }
  window.addEventListener("hashchange", showLinked);

  load().then(function () {
    renderTexts(); setupMap(); renderLegend(); renderData();
    showLinked();
    document.body.setAttribute("data-ready", "true");
  }, function () {
    document.getElementById("updated").textContent = t("no-data");
    document.body.setAttribute("data-ready", "error");
  });
  // Keep the map current during the crisis.
  setInterval(function () { load().then(function () { renderTexts(); renderLegend(); renderData(); }); }, 60000);
})();
