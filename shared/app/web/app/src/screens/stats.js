// Stats: reports per hour by category and by network (inline SVG stacked bars, computed from
// the client's table), the queue's backlog (new, unclaimed, by priority) and the API's totals.

import { html } from "htm/preact";
import { useState, useEffect } from "preact/hooks";
import { hourly, backlog, categoryOf, HOUR } from "../buckets.js";
import { adoptStyles, strings, scoped, get, failure, label, lang, CATEGORIES, PRIORITIES, seriesColor } from "./common.js";

strings("stats", {
  fr: {
    title: "Statistiques",
    backlog: "File d'attente",
    new: "Nouveaux",
    unclaimed: "Nouveaux non pris",
    by_category: "Signalements par heure et par catégorie",
    by_network: "Signalements par heure et par réseau",
    chart_label: "{title} : {total} signalements de {from} à {to}, surtout {top}.",
    chart_empty: "{title} : aucun signalement de {from} à {to}.",
    table: "Voir les chiffres",
    hour: "Heure",
    total: "Total",
    totals: "Totaux de la table",
    all: "Tous les signalements",
    status_new: "Nouveaux", status_triaged: "Triés", status_published: "Publiés", status_dismissed: "Écartés",
    escalated_waiting: "Remontées en attente",
    range: "Dernières 24 heures de messages (heure locale), depuis la copie de la table dans ce navigateur.",
  },
  en: {
    title: "Statistics",
    backlog: "Queue backlog",
    new: "New",
    unclaimed: "New, unclaimed",
    by_category: "Reports per hour by category",
    by_network: "Reports per hour by network",
    chart_label: "{title}: {total} reports from {from} to {to}, mostly {top}.",
    chart_empty: "{title}: no report from {from} to {to}.",
    table: "Show the figures",
    hour: "Hour",
    total: "Total",
    totals: "Table totals",
    all: "All reports",
    status_new: "New", status_triaged: "Triaged", status_published: "Published", status_dismissed: "Dismissed",
    escalated_waiting: "Escalations waiting",
    range: "The last 24 hours of posts (local time), from this browser's copy of the table.",
  },
});

adoptStyles("stats", `
.stats .tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: 0.5rem; margin: 0; padding: 0; list-style: none; }
.stats .tile { border: 1px solid #c8c8c8; border-radius: 0.5rem; padding: 0.5rem 0.75rem; background: #fff; }
.stats .tile .n { display: block; font-size: 1.6rem; font-weight: 700; }
.stats .tile.tile-prio { border-left: 0.45rem solid #6b6d6d; }
.stats figure { margin: 0.5rem 0 1.25rem; }
.stats figcaption { font-weight: 700; margin-bottom: 0.25rem; }
.stats svg.bars { width: 100%; height: auto; display: block; }
.stats .axis { font-size: 11px; fill: #333; }
.stats .legend { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none; padding: 0; margin: 0.3rem 0; }
.stats .sw { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem; vertical-align: -0.05rem; }
.stats details { margin-top: 0.3rem; }
.stats summary { cursor: pointer; min-height: 2rem; }
.stats td, .stats th { font-size: 0.9rem; white-space: nowrap; }
`);

const hourLabel = (t) => new Intl.DateTimeFormat(lang(), { hour: "2-digit", minute: "2-digit" }).format(new Date(t));
const dayHour = (t) => new Intl.DateTimeFormat(lang(), { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" }).format(new Date(t));

/** Whether the screen is phone-narrow (the charts draw at half width, so text stays readable). */
function useNarrow() {
  const query = typeof matchMedia === "function" ? matchMedia("(max-width: 600px)") : null;
  const [narrow, setNarrow] = useState(query ? query.matches : false);
  useEffect(() => {
    if (!query) return undefined;
    const on = () => setNarrow(query.matches);
    query.addEventListener("change", on);
    return () => query.removeEventListener("change", on);
  }, []);
  return narrow;
}

/** A stacked bar chart of `hourly()` data, with its legend and its figures as a table. */
function Bars({ ctx, tr, title, data, colorOf, nameOf, id }) {
  const narrow = useNarrow();
  const W = narrow ? 360 : 720, H = narrow ? 180 : 220, left = 30, right = 6, top = 8, bottom = 24;
  const every = narrow ? 6 : 3;
  const n = data.hours.length;
  const bw = (W - left - right) / n;
  const max = Math.max(1, data.max);
  const step = max <= 4 ? 1 : Math.ceil(max / 4);
  const ticks = [];
  for (let v = 0; v <= max; v += step) ticks.push(v);
  const y = (v) => H - bottom - (v / max) * (H - top - bottom);
  const totals = {};
  for (const k of data.keys) totals[k] = 0;
  for (const s of data.hours) for (const [k, c] of Object.entries(s.counts)) totals[k] = (totals[k] || 0) + c;
  const total = data.hours.reduce((a, s) => a + s.total, 0);
  const from = dayHour(data.start);
  const to = dayHour(data.start + n * HOUR);
  const summary = total
    ? tr("chart_label", { title, total, from, to, top: data.keys.slice(0, 3).map((k) => `${nameOf(k)} (${totals[k]})`).join(", ") })
    : tr("chart_empty", { title, from, to });
  return html`<figure aria-labelledby=${`${id}-cap`} data-chart=${id} data-total=${total}>
    <figcaption id=${`${id}-cap`}>${title}</figcaption>
    <svg class="bars" viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${summary}>
      ${ticks.map((v) => html`<g><line x1=${left} x2=${W - right} y1=${y(v)} y2=${y(v)} stroke=${v === 0 ? "#333" : "#d0d0d0"} stroke-width="1" />
        <text class="axis" x=${left - 4} y=${y(v) + 4} text-anchor="end">${v}</text></g>`)}
      ${data.hours.map((s, i) => {
        let acc = 0;
        const x = left + i * bw + 1;
        return html`<g>
          ${data.keys.map((k) => {
            const c = s.counts[k] || 0;
            if (!c) return null;
            const y1 = y(acc + c), y0 = y(acc);
            acc += c;
            return html`<rect x=${x} y=${y1} width=${Math.max(1, bw - 2)} height=${Math.max(0.5, y0 - y1)} fill=${colorOf(k)} stroke="#fff" stroke-width="0.75"><title>${`${hourLabel(s.start)} · ${nameOf(k)} : ${c}`}</title></rect>`;
          })}
          ${i % every === 0 ? html`<text class="axis" x=${x + bw / 2} y=${H - 8} text-anchor="middle">${hourLabel(s.start)}</text>` : ""}
        </g>`;
      })}
    </svg>
    <ul class="legend">
      ${data.keys.map((k) => html`<li><span class="sw" style=${{ background: colorOf(k) }} aria-hidden="true"></span>${nameOf(k)} (${totals[k]})</li>`)}
    </ul>
    <details>
      <summary>${tr("table")}</summary>
      <div class="scroll-x"><table>
        <caption class="sr-only">${title}</caption>
        <thead><tr><th scope="col">${tr("hour")}</th>${data.keys.map((k) => html`<th scope="col">${nameOf(k)}</th>`)}<th scope="col">${tr("total")}</th></tr></thead>
        <tbody>${data.hours.filter((s) => s.total).map((s) => html`<tr><th scope="row">${dayHour(s.start)}</th>${data.keys.map((k) => html`<td>${s.counts[k] || 0}</td>`)}<td>${s.total}</td></tr>`)}</tbody>
      </table></div>
    </details>
  </figure>`;
}

export default function Screen({ ctx }) {
  const tr = scoped(ctx, "stats");
  const [totals, setTotals] = useState(null);
  const [error, setError] = useState("");
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const load = () => get(ctx, "/stats").then((b) => { setTotals(b); setError(""); }, (e) => setError(failure((k) => ctx.t(`common.${k}`), e)));
    load();
    const t = setInterval(() => { setNow(Date.now()); load(); }, 60000);
    return () => clearInterval(t);
  }, []);
  const reports = ctx.table && ctx.table.reports ? [...ctx.table.reports.value.values()] : [];
  const byCategory = hourly(reports, categoryOf, { now, hours: 24, top: 12 });
  const byNetwork = hourly(reports, (r) => r.network, { now, hours: 24, top: 8 });
  const networkColors = new Map(byNetwork.keys.filter((k) => k !== "other").map((k, i) => [k, seriesColor(i)]));
  const b = backlog(reports, now);
  return html`<section class="scr stats" aria-labelledby="stats-title">
    <h1 id="stats-title">${tr("title")}</h1>
    <h2>${tr("backlog")}</h2>
    <ul class="tiles" data-backlog=${b.new}>
      <li class="tile"><span class="n">${b.new}</span>${tr("new")}</li>
      <li class="tile"><span class="n">${b.unclaimed}</span>${tr("unclaimed")}</li>
      ${Object.keys(PRIORITIES).map((p) => html`<li class="tile tile-prio" style=${{ borderLeftColor: PRIORITIES[p][0] }}><span class="n">${b.by_priority[p] || 0}</span>${tr("new")} · ${label.priority(ctx, p)}</li>`)}
    </ul>
    <p class="hint">${tr("range")}</p>
    <${Bars} ctx=${ctx} tr=${tr} id="by-category" title=${tr("by_category")} data=${byCategory}
      colorOf=${(k) => (CATEGORIES[k] || CATEGORIES.other)[0]} nameOf=${(k) => label.category(ctx, k)} />
    <${Bars} ctx=${ctx} tr=${tr} id="by-network" title=${tr("by_network")} data=${byNetwork}
      colorOf=${(k) => networkColors.get(k) || "#6b6d6d"} nameOf=${(k) => (k === "other" ? ctx.t("common.other") : label.network(ctx, k))} />
    <h2>${tr("totals")}</h2>
    ${error ? html`<p class="error" role="alert">${error}</p>` : ""}
    ${totals ? html`<ul class="tiles" data-totals=${totals.total}>
      <li class="tile"><span class="n">${totals.total}</span>${tr("all")}</li>
      ${["new", "triaged", "published", "dismissed"].map((s) => html`<li class="tile"><span class="n">${(totals.by_status || {})[s] || 0}</span>${tr(`status_${s}`)}</li>`)}
      <li class="tile"><span class="n">${totals.escalated_waiting || 0}</span>${tr("escalated_waiting")}</li>
    </ul>` : !error ? html`<p>${ctx.t("common.loading")}</p>` : ""}
  </section>`;
}
