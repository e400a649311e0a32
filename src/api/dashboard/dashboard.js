// The ringkv dashboard: polls this node's /cluster, /stats and /metrics once a second and draws
// the ring, the members, throughput and latency, hints and transfers, anti-entropy, and a key
// browser over /buckets/B/keys/K. No library, nothing loaded from elsewhere.
"use strict";

const POLL_MS = 1000;
const HISTORY = 120;  // Samples kept for the charts (two minutes).
const PALETTE = ["#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#ec4899", "#14b8a6",
  "#f97316", "#6366f1", "#84cc16", "#06b6d4", "#a855f7"];

const $ = (id) => document.getElementById(id);
const state = { throughput: [], latency: [], last: null, transferPeak: 0, transferSamples: [],
  context: "" };

function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function fmtBytes(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
}

function fmtAge(ms) {
  if (ms < 0) return "never";
  if (ms < 1000) return ms + " ms";
  if (ms < 120000) return (ms / 1000).toFixed(0) + " s";
  return (ms / 60000).toFixed(0) + " min";
}

// --- Ring and members --------------------------------------------------------------------------

function drawRing(cluster) {
  const ring = $("ring");
  ring.replaceChildren();
  const count = cluster.partition_count || 0;
  const members = cluster.members || [];
  const owners = cluster.partition_owners || [];
  for (let p = 0; p < count; p++) {
    const a0 = (p / count) * 2 * Math.PI - Math.PI / 2;
    const a1 = ((p + 1) / count) * 2 * Math.PI - Math.PI / 2;
    const r0 = 70, r1 = 100;
    const pt = (r, a) => `${(r * Math.cos(a)).toFixed(2)} ${(r * Math.sin(a)).toFixed(2)}`;
    const large = a1 - a0 > Math.PI ? 1 : 0;
    const owner = members[owners[p]] || {};
    const path = svg("path", {
      d: `M ${pt(r1, a0)} A ${r1} ${r1} 0 ${large} 1 ${pt(r1, a1)} L ${pt(r0, a1)} ` +
         `A ${r0} ${r0} 0 ${large} 0 ${pt(r0, a0)} Z`,
      fill: PALETTE[owners[p] % PALETTE.length],
      "fill-opacity": owner.alive === false ? 0.25 : 1,
      stroke: "#fff", "stroke-width": count > 256 ? 0 : 0.4,
      class: "partition", "data-partition": p, "data-owner": owner.id || "",
    });
    const title = svg("title");
    title.textContent = `partition ${p}: ${owner.id || "?"}`;
    path.appendChild(title);
    ring.appendChild(path);
  }
  const label = svg("text", { x: 0, y: 5, "text-anchor": "middle", "font-size": 12 });
  label.textContent = `${count} partitions, n=${cluster.default_n || "?"}`;
  ring.appendChild(label);
  const legend = $("ring-legend");
  legend.replaceChildren();
  members.forEach((m, i) => {
    const item = el("span");
    const swatch = el("i");
    swatch.style.background = PALETTE[i % PALETTE.length];
    item.append(swatch, document.createTextNode(m.id));
    legend.appendChild(item);
  });
}

function drawMembers(cluster) {
  const body = $("members").tBodies[0];
  body.replaceChildren();
  const owners = cluster.partition_owners || [];
  const count = owners.length || 1;
  (cluster.members || []).forEach((m, i) => {
    const owned = owners.filter((o) => o === i).length;
    const row = el("tr", { "data-node": m.id, "data-alive": String(m.alive),
      class: m.alive ? "up" : "down" });
    row.appendChild(el("td", {}, m.id + (m.id === cluster.node ? " (here)" : "")));
    row.appendChild(el("td", {}, m.address));
    row.appendChild(el("td", {}, m.state));
    row.appendChild(el('td', {class: 'zone'}, m.zone ? m.zone : '–'));
    const health = el("td");
    health.appendChild(el("span", { class: "badge " + (m.alive ? "up" : "down") },
      m.alive ? "up" : "down"));
    row.appendChild(health);
    row.appendChild(el("td", {}, String(m.weight)));
    row.appendChild(el("td", {}, (100 * owned / count).toFixed(1) + " %"));
    row.appendChild(el("td", {}, m.transfers_pending === undefined || m.transfers_pending < 0
      ? "–" : String(m.transfers_pending)));
    body.appendChild(row);
  });
}

// --- Hints, transfers, anti-entropy ------------------------------------------------------------

function drawHandoff(cluster) {
  $("hints").textContent = `hints held: ${cluster.hints_held} (${fmtBytes(cluster.hint_bytes)})`;
  const pending = cluster.transfers_pending;
  const now = Date.now();
  state.transferPeak = pending === 0 ? 0 : Math.max(state.transferPeak, pending);
  state.transferSamples.push([now, pending]);
  while (state.transferSamples.length > 30) state.transferSamples.shift();
  const done = state.transferPeak === 0 ? 1 : 1 - pending / state.transferPeak;
  $("transfer-bar").style.width = (100 * done).toFixed(0) + "%";
  let eta = "";
  const first = state.transferSamples[0];
  if (pending > 0 && first && first[1] > pending) {
    const rate = (first[1] - pending) / ((now - first[0]) / 1000);
    eta = `, about ${Math.ceil(pending / rate)} s left`;
  }
  $("transfers").textContent = pending === 0
    ? "no partitions to hand off"
    : `${pending} partitions to hand off, ${cluster.transfer_keys_in_flight} keys in flight${eta}`;
}

function drawAntiEntropy(cluster) {
  const grid = $("ae-grid");
  grid.replaceChildren();
  let never = 0, repaired = 0, oldest = 0;
  for (const e of cluster.anti_entropy || []) {
    const cell = el("div", { "data-partition": e.partition });
    const age = e.last_exchange_age_ms;
    if (age < 0) never++; else oldest = Math.max(oldest, age);
    repaired += e.keys_repaired;
    cell.className = (age < 0 ? "" : age < 120000 ? "fresh" : "stale") +
      (e.keys_repaired > 0 ? " repaired" : "");
    cell.title = `partition ${e.partition}: last exchange ${fmtAge(age)} ago, ` +
      `${e.keys_repaired} keys repaired`;
    grid.appendChild(cell);
  }
  const total = (cluster.anti_entropy || []).length;
  $("ae-summary").textContent = `${total} partitions, ${total - never} exchanged ` +
    `(oldest ${fmtAge(oldest)} ago), ${never} not yet; ${repaired} keys repaired`;
}

// --- Throughput and latency --------------------------------------------------------------------

// Sums of the request counters and the latency histogram's sum and count, from /metrics.
function parseMetrics(text) {
  let requests = 0, seconds = 0, count = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const value = parseFloat(line.slice(line.lastIndexOf(" ") + 1));
    if (line.startsWith("ringkv_requests_total{")) requests += value;
    else if (line.startsWith("ringkv_request_duration_seconds_sum")) seconds += value;
    else if (line.startsWith("ringkv_request_duration_seconds_count")) count += value;
  }
  return { requests, seconds, count, at: Date.now() };
}

function drawChart(id, values, color) {
  const chart = $(id);
  chart.replaceChildren();
  if (values.length < 2) return;
  const max = Math.max(...values, 1e-9);
  const step = 300 / (HISTORY - 1);
  const offset = 300 - step * (values.length - 1);
  const points = values.map((v, i) =>
    `${(offset + i * step).toFixed(1)},${(78 - (v / max) * 74).toFixed(1)}`).join(" ");
  chart.appendChild(svg("polyline", { points, fill: "none", stroke: color, "stroke-width": 1.5 }));
}

function recordRates(metrics) {
  const last = state.last;
  state.last = metrics;
  if (!last) return;
  const dt = (metrics.at - last.at) / 1000;
  if (dt <= 0) return;
  const rate = Math.max(0, (metrics.requests - last.requests) / dt);
  const n = metrics.count - last.count;
  const mean = n > 0 ? (1000 * (metrics.seconds - last.seconds)) / n : 0;
  state.throughput.push(rate);
  state.latency.push(mean);
  while (state.throughput.length > HISTORY) state.throughput.shift();
  while (state.latency.length > HISTORY) state.latency.shift();
  drawChart("throughput", state.throughput, "#3b82f6");
  drawChart("latency", state.latency, "#f59e0b");
  $("throughput-now").textContent = `${rate.toFixed(0)} requests/s`;
  $("latency-now").textContent = n > 0 ? `${mean.toFixed(2)} ms` : "no requests";
}

// --- Polling -----------------------------------------------------------------------------------

async function poll() {
  try {
    const [cluster, metrics] = await Promise.all([
      fetch("/cluster").then((r) => r.json()),
      fetch("/metrics").then((r) => r.text()),
    ]);
    $("node-name").textContent = `node ${cluster.node} (${cluster.state})`;
    if (cluster.error) {
      $("refresh").textContent = cluster.error;
    } else {
      drawRing(cluster);
      drawMembers(cluster);
      drawHandoff(cluster);
      drawAntiEntropy(cluster);
      $("refresh").textContent = "updated " + new Date().toLocaleTimeString();
    }
    recordRates(parseMetrics(metrics));
    document.body.dataset.loaded = "true";
  } catch (error) {
    $("refresh").textContent = "cannot reach this node: " + error;
  }
}

// --- Key browser -------------------------------------------------------------------------------

function keyUrl() {
  return `/buckets/${encodeURIComponent($("kb-bucket").value)}/keys/` +
    encodeURIComponent($("kb-key").value);
}

$("key-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const out = $("kb-result");
  out.replaceChildren();
  const response = await fetch(keyUrl(), { headers: { Accept: "application/json" } });
  state.context = response.headers.get("X-Ringkv-Context") || "";
  if (response.status === 404) {
    out.appendChild(el("p", {}, "not found (a write now supersedes any tombstone)"));
    return;
  }
  if (!response.ok && response.status !== 300) {
    out.appendChild(el("p", {}, `${response.status}: ${await response.text()}`));
    return;
  }
  const doc = await response.json();
  out.appendChild(el("p", {}, doc.siblings.length === 1 ? "one value"
    : `${doc.siblings.length} siblings: write the merged value to resolve them`));
  doc.siblings.forEach((s, i) => {
    out.appendChild(el("pre", { class: "sibling" },
      (doc.siblings.length > 1 ? `#${i + 1}: ` : "") +
      (s.value !== undefined ? s.value : "base64: " + s.value_base64)));
  });
  out.appendChild(el("p", { class: "muted" }, "context " + state.context));
});

$("put-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const headers = {};
  if (state.context) headers["X-Ringkv-Context"] = state.context;
  const response = await fetch(keyUrl(), { method: "PUT", headers, body: $("kb-value").value });
  $("kb-put-status").textContent = response.status === 204 ? "written"
    : `${response.status}: ${await response.text()}`;
});

poll();
setInterval(poll, POLL_MS);
