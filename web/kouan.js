/* kouan.js — the page of `kouan serve`: run SPARQL through /sparql, show
 * the rows, draw the entities of the result and the facts between them
 * (/graph) with a small force layout, and show a fact's sentences
 * (/evidence).  No libraries, nothing fetched from elsewhere. */
"use strict";

const ID = "https://w3id.org/kouan/id/";
const KO = "https://w3id.org/kouan/ontology#";
const COLOURS = { Port: "var(--port)", Province: "var(--province)", TradeZone: "var(--zone)",
                  Country: "var(--country)", Other: "var(--other)" };
const NAMES = { Port: "Port 口岸", Province: "Province 省区", TradeZone: "TradeZone 边贸区",
                Country: "Country 国家", Other: "other" };

const EXAMPLES = [
  ["Ports of a province (西藏)",
`# the ports of 西藏: put the label first, Rasqal joins in the order written
SELECT ?port ?name ?province WHERE {
  ?province rdfs:label "西藏"@zh .
  ?port kouan:province ?province ; a kouan:Port ; rdfs:label ?name .
}
ORDER BY ?name`],
  ["The chain port → province → zone → country",
`# ports with the country they open to, their province and its trade zone
SELECT ?port ?province ?zone ?country WHERE {
  ?port kouan:opensTo ?country .
  ?port kouan:province ?province .
  ?province kouan:tradeZone ?zone .
}`],
  ["The chain for one province (内蒙古)",
`SELECT ?port ?province ?zone ?country WHERE {
  ?province rdfs:label "内蒙古"@zh ; kouan:tradeZone ?zone .
  ?port kouan:province ?province ; a kouan:Port .
  OPTIONAL { ?port kouan:opensTo ?country }
}`],
  ["Ports per province",
`SELECT ?province ?name (COUNT(DISTINCT ?port) AS ?ports) WHERE {
  ?port a kouan:Port ; kouan:province ?province .
  ?province rdfs:label ?name .
}
GROUP BY ?province ?name
ORDER BY DESC(?ports)`],
  ["Provinces and their trade zones",
`SELECT ?province ?zone WHERE {
  ?province a kouan:Province ; kouan:tradeZone ?zone .
}`],
];

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const svg = ["svg", "g", "line", "circle", "text", "title"].includes(tag);
  const e = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.setAttribute("class", v);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
};

/* A short form of an IRI for the table: port/樟木, kouan:Port. */
function shortIri(iri) {
  if (iri.startsWith(ID)) return decodeURIComponent(iri.slice(ID.length));
  if (iri.startsWith(KO)) return "kouan:" + iri.slice(KO.length);
  return iri;
}

function setStatus(text, error) {
  const s = $("#status");
  s.textContent = text;
  s.className = error ? "error" : "";
}

async function run() {
  const query = $("#query").value;
  setStatus("running…");
  $("#evidence").replaceChildren();
  const t0 = performance.now();
  let res;
  try {
    res = await fetch("/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: new URLSearchParams({ query }),
    });
  } catch (e) {
    setStatus("the server did not answer: " + e.message, true);
    return;
  }
  const ms = Math.round(performance.now() - t0);
  const type = res.headers.get("Content-Type") || "";
  if (!res.ok) {
    setStatus(`${res.status} ${res.statusText}: ${await res.text()}`, true);
    return;
  }
  if (!type.includes("json")) {                  // CONSTRUCT: Turtle
    $("#results").replaceChildren(el("pre", {}, await res.text()));
    drawGraph({ nodes: [], edges: [] });
    setStatus(`${res.headers.get("X-Kouan-Rows") || "?"} triples in ${ms} ms (Turtle)`);
    return;
  }
  const data = await res.json();
  if ("boolean" in data) {
    $("#results").replaceChildren(el("p", {}, "ASK: " + data.boolean));
    drawGraph({ nodes: [], edges: [] });
    setStatus(`answered in ${ms} ms`);
    return;
  }
  const rows = data.results.bindings;
  const cut = res.headers.get("X-Kouan-Truncated");
  setStatus(`${rows.length} row${rows.length === 1 ? "" : "s"} in ${ms} ms` +
            (cut ? ` (cut at ${cut} rows: kouan serve --max-rows)` : ""));
  showTable(data.head.vars, rows);
  const iris = new Set();
  for (const r of rows)
    for (const v of Object.values(r))
      if (v.type === "uri" && v.value.startsWith(ID)) iris.add(v.value);
  if (iris.size === 0) {
    drawGraph({ nodes: [], edges: [] }, "No entities (IRIs) in the result to draw: select ?port, ?province … not only their labels.");
    return;
  }
  const g = await fetch("/graph", { method: "POST", headers: { "Content-Type": "text/plain" },
                                     body: [...iris].slice(0, 1500).join("\n") });
  if (!g.ok) {
    drawGraph({ nodes: [], edges: [] }, "The graph could not be drawn: " + await g.text());
    return;
  }
  drawGraph(await g.json());
}

function showTable(vars, rows) {
  const head = el("tr", {}, ...vars.map((v) => el("th", {}, "?" + v)));
  const body = rows.map((r) => el("tr", {}, ...vars.map((v) => {
    const b = r[v];
    if (!b) return el("td", {});
    if (b.type === "uri") return el("td", { class: "iri", title: b.value }, shortIri(b.value));
    return el("td", {}, b.value);
  })));
  $("#results").replaceChildren(el("table", {}, el("thead", {}, head), el("tbody", {}, ...body)));
}

/* ---- the graph: a force layout, computed then drawn ---------------------------- */

function layout(nodes, edges, w, h) {
  const n = nodes.length;
  const index = new Map(nodes.map((d, i) => [d.id, i]));
  nodes.forEach((d, i) => {                    // start on a circle: the same each time
    const a = 2 * Math.PI * i / n;
    d.x = w / 2 + (w / 3) * Math.cos(a);
    d.y = h / 2 + (h / 3) * Math.sin(a);
  });
  const links = edges.map((e) => [index.get(e.s), index.get(e.o)]).filter(([a, b]) => a !== undefined && b !== undefined);
  const k = Math.sqrt((w * h) / Math.max(n, 1)) * 0.6;
  for (let step = 0, t = w / 8; step < 300; step++, t *= 0.985) {
    const dx = new Float64Array(n), dy = new Float64Array(n);
    for (let i = 0; i < n; i++)
      for (let j = i + 1; j < n; j++) {
        let x = nodes[i].x - nodes[j].x, y = nodes[i].y - nodes[j].y;
        const d2 = Math.max(x * x + y * y, 0.01), f = (k * k) / d2;
        dx[i] += x * f; dy[i] += y * f; dx[j] -= x * f; dy[j] -= y * f;
      }
    for (const [a, b] of links) {
      const x = nodes[a].x - nodes[b].x, y = nodes[a].y - nodes[b].y;
      const d = Math.max(Math.hypot(x, y), 0.1), f = d / k;
      dx[a] -= x * f; dy[a] -= y * f; dx[b] += x * f; dy[b] += y * f;
    }
    for (let i = 0; i < n; i++) {
      dx[i] += (w / 2 - nodes[i].x) * 0.02; dy[i] += (h / 2 - nodes[i].y) * 0.02;
      const d = Math.max(Math.hypot(dx[i], dy[i]), 0.01), m = Math.min(d, t);
      nodes[i].x = Math.min(w - 70, Math.max(20, nodes[i].x + (dx[i] / d) * m));
      nodes[i].y = Math.min(h - 15, Math.max(15, nodes[i].y + (dy[i] / d) * m));
    }
  }
}

function drawGraph(g, message) {
  const svg = $("#graph");
  const w = svg.clientWidth || 800, h = svg.clientHeight || 480;
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  svg.replaceChildren();
  $("#facts").replaceChildren();
  const classes = new Set(g.nodes.map((d) => COLOURS[d.class] ? d.class : "Other"));
  $("#legend").replaceChildren(...[...classes].map((c) =>
    el("span", {}, el("i", { style: `background:${COLOURS[c]}` }), NAMES[c])));
  if (!g.nodes.length) {
    if (message) svg.append(el("text", { x: 12, y: 24 }, message));
    return;
  }
  layout(g.nodes, g.edges, w, h);
  const at = new Map(g.nodes.map((d) => [d.id, d]));
  const labelOf = (iri) => (at.get(iri) || { label: shortIri(iri) }).label;
  const edges = el("g");
  g.edges.forEach((e, i) => {
    const a = at.get(e.s), b = at.get(e.o);
    const fact = `${labelOf(e.s)} —${e.label}→ ${labelOf(e.o)}`;
    const grp = el("g", { class: "edge", "data-fact": i, onclick: () => showEvidence(e, i) },
      el("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y }),
      el("line", { class: "hit", x1: a.x, y1: a.y, x2: b.x, y2: b.y }, el("title", {}, fact)),
      el("text", { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 2, "text-anchor": "middle" }, e.label));
    edges.append(grp);
    $("#facts").append(el("li", { "data-fact": i, onclick: () => showEvidence(e, i) }, fact));
  });
  const nodes = el("g");
  for (const d of g.nodes) {
    const r = d.class === "Port" ? 6 : d.class === "Country" ? 8 : 10;
    nodes.append(el("g", { class: "node " + d.class, transform: `translate(${d.x},${d.y})` },
      el("circle", { r, fill: COLOURS[d.class] || COLOURS.Other }, el("title", {}, `${d.label} (${d.class})`)),
      el("text", { x: r + 3, y: 4 }, d.label)));
  }
  svg.append(edges, nodes);
}

/* ---- evidence ---------------------------------------------------------------- */

/* The quote with the two names marked. */
function marked(quote, names) {
  const out = [];
  let rest = quote;
  while (rest) {
    let best = -1, name = "";
    for (const n of names) {
      const i = n ? rest.indexOf(n) : -1;
      if (i >= 0 && (best < 0 || i < best)) { best = i; name = n; }
    }
    if (best < 0) { out.push(rest); break; }
    out.push(rest.slice(0, best), el("mark", {}, name));
    rest = rest.slice(best + name.length);
  }
  return out;
}

async function showEvidence(e, i) {
  document.querySelectorAll(".chosen").forEach((x) => x.classList.remove("chosen"));
  document.querySelectorAll(`[data-fact="${i}"]`).forEach((x) => x.classList.add("chosen"));
  const box = $("#evidence");
  box.replaceChildren(el("p", {}, "looking for the evidence…"));
  const q = new URLSearchParams({ s: e.s, p: e.p, o: e.o });
  const res = await fetch("/evidence?" + q);
  if (!res.ok) {
    box.replaceChildren(el("p", {}, `${res.status}: ${await res.text()}`));
    return;
  }
  const d = await res.json();
  const title = el("h2", {}, `${d.subjectLabel} —${e.label}→ ${d.objectLabel}`);
  if (!d.evidence.length) {
    box.replaceChildren(title, el("p", {}, "No evidence recorded for this fact."));
    return;
  }
  box.replaceChildren(title, ...d.evidence.flatMap((v) => [
    el("div", { class: "where" }, `${v.file}:${v.line} · ${v.rule} (${v.plugin})`),
    el("blockquote", { class: "quote" }, ...marked(v.quote, [d.subjectLabel, d.objectLabel])),
  ]));
}

/* ---- start ------------------------------------------------------------------- */

function start() {
  const sel = $("#examples");
  EXAMPLES.forEach(([name], i) => sel.append(el("option", { value: i }, name)));
  sel.addEventListener("change", () => { $("#query").value = EXAMPLES[sel.value][1]; });
  $("#query").value = EXAMPLES[0][1];
  $("#run").addEventListener("click", run);
  $("#query").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); run(); }
  });
}
start();
