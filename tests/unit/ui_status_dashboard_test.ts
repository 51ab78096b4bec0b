/**
 * The status board as the server renders it: every number in the HTML, the
 * state in words, the admin-only parts only for the admin view, and text
 * equivalents for the charts.
 */
import { doesNotMatch, equal, match, ok } from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import {
  StatusDashboard,
  type StatusDashboardProps,
} from "../../components/status/StatusDashboard.tsx";
import type { StatusResponse } from "../../lib/protocol/status.ts";
import {
  statusDetail,
  statusHistory,
  statusRangeData,
  statusSummary,
} from "./ui_status_fixture.ts";

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

/** The board for `status` at the live range, with stored data ending at its time. */
function board(
  status: StatusResponse,
  mode: StatusDashboardProps["mode"],
  more: Partial<StatusDashboardProps> = {},
): string {
  const stored = statusRangeData("15m", { end: status.server_time });
  return renderToString(h(StatusDashboard, { status, mode, range: "15m", stored, ...more }));
}

Deno.test("the public board has every summary number and the state in words", () => {
  const html = board(
    statusSummary({
      connections: 1_234,
      users_online: 56,
      recent: { window_s: 300, messages: 75, deliveries: 70, delivery_ms: { p50: 3, p99: 41 } },
      rooms: 9,
      isolates_up: 2,
    }),
    "idle",
  );
  const words = text(html);
  match(words, /Connections open now 1,234/);
  match(words, /Users online now 56/);
  match(words, /Messages in the last 5 min 75 15 per minute on average/);
  match(words, /Delivery p99, last 5 min 41 ms median 3 ms over 70 deliveries/);
  match(words, /Status: OK All systems operational/);
  match(words, /Rooms in use now 9/);
  match(words, /Isolates reporting now 2/);
  match(words, /2 isolates are reporting/);
  match(words, /Refusals by reason are shown to admins/);
  doesNotMatch(html, /<table class="data-table isolates"/, "no isolate detail in public");
  match(html, /data-feed-mode="idle"/);
});

Deno.test("a degraded state lists its reasons next to the word", () => {
  const words = text(board(
    statusSummary({ status: "degraded", reasons: ["delivery p99 is 740 ms (limit 500 ms)"] }),
    "live",
  ));
  match(words, /Status: Degraded Degraded performance delivery p99 is 740 ms \(limit 500 ms\)/);
});

Deno.test("the admin board has the isolates table with headers, refusals and busy rooms", () => {
  const { server_time } = statusSummary();
  const status = statusDetail({
    missing_isolates: [{ id: "c3", host: "host-c3", last_seen: server_time - 95_000 }],
  });
  const html = board(status, "live");
  for (const header of ["Isolate", "Region / host", "Uptime", "Connections", "Memory (RSS)"]) {
    const escaped = header.replace(/[()/]/g, "\\$&");
    match(html, new RegExp(`<th scope="col"[^>]*>${escaped}</th>`));
  }
  match(html, /<tr data-isolate="a1"><th scope="row"><code>a1<\/code><\/th><td>fra/);
  match(text(html), /96 MiB heap 41 MiB 2 s ago/);
  match(text(html), /c3 stopped reporting host-c3 — 1 min ago/);
  match(text(html), /Not authenticated 5 .*Origin not allowed 2/);
  doesNotMatch(text(html), /Too many connections for a user/, "zero counts are left out");
  match(text(html), /Busiest rooms .*general 3\.5/);
  match(
    text(html),
    /Cluster engine kv ?: 2 instances alive by heartbeat in the shared KV; one counts 15 s after its last\. Answered by a1 ?\./,
  );
});

Deno.test("charts carry their numbers in words", () => {
  const history = statusHistory(4);
  const html = board(statusSummary({ history }), "live");
  match(html, /aria-label="Connections, last 20 s: lowest 10, highest 13, latest 13"/);
  match(
    html,
    /aria-label="Delivery latency, last 20 s: p99 from 12 ms to 24 ms, latest 24 ms/,
  );
  equal(html.match(/<tr><td>[^<]+ ago|<tr><td>just now/g)?.length, 4, "one table row per sample");
});

/** Elements that never close, so they open no level in {@linkcode outline}. */
const VOID_ELEMENTS = /^(area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr)$/;
/** The containers the panels sit in; which panel is in which one is the layout. */
const LAYOUT_CLASSES = /^(status-board|status-titlebar|range-bar|status-columns|side-stack)$/;

/**
 * The board's layout as indented lines: its layout containers and labelled
 * sections, two spaces deeper per level, so a panel that moves, doubles or
 * goes missing shows up as a different outline.
 */
function outline(html: string): string {
  const lines: string[] = [];
  // One entry per open element: whether it is in the outline (and so indents).
  const open: boolean[] = [];
  for (const [, closing, name, attributes] of html.matchAll(/<(\/?)([a-z0-9]+)([^>]*)>/g)) {
    if (closing) {
      open.pop();
      continue;
    }
    if (VOID_ELEMENTS.test(name)) continue;
    const className = attributes.match(/ class="([^"]*)"/)?.[1] ?? "";
    const labelledBy = attributes.match(/ aria-labelledby="([^"]*)"/)?.[1];
    const label = attributes.match(/ aria-label="([^"]*)"/)?.[1];
    const entry = LAYOUT_CLASSES.test(className)
      ? `${name}.${className}`
      : name === "section" && labelledBy
      ? `section#${labelledBy}`
      : name === "section" && label
      ? `section "${label}"`
      : undefined;
    if (entry) lines.push("  ".repeat(open.filter(Boolean).length) + entry);
    open.push(entry !== undefined);
  }
  equal(open.length, 0, "every element is closed");
  return lines.join("\n");
}

const SHARED_TOP = `div.status-board
  div.status-titlebar
  div.range-bar
  section#health-headline
  section "Key numbers"
  div.status-columns
    section#latency-title
    div.side-stack
      section#refusals-title`;

Deno.test("the public board keeps the isolates note beside the chart and has no room list", () => {
  const html = board(statusSummary(), "idle");
  equal(
    outline(html),
    `${SHARED_TOP}\n      section#isolates-title\n  section#uptime-title\n  section#incidents-title`,
  );
  doesNotMatch(html, /Busiest rooms/);
});

Deno.test("the admin board puts busy rooms beside the chart and the isolates full width", () => {
  const html = board(statusDetail(), "idle");
  equal(
    outline(html),
    `${SHARED_TOP}\n      section#rooms-title\n  section#uptime-title\n  section#incidents-title` +
      "\n  section#isolates-title",
  );
});

Deno.test("both views render the parts they share to the letter", () => {
  // The same numbers in both views: the admin fixture is built on the public one.
  const sharedPart = (html: string) =>
    html.slice(0, html.indexOf('<div class="side-stack">')).replace(/ data-view="\w+"/, "");
  for (const mode of ["idle", "live", "polling", "unreachable"] as const) {
    const publicHtml = board(statusSummary(), mode);
    const adminHtml = board(statusDetail(), mode);
    match(publicHtml, /^<div class="status-board" data-view="public"/);
    match(adminHtml, /^<div class="status-board" data-view="admin"/);
    match(sharedPart(publicHtml), /Delivery latency<\/h2>.*<\/figure><\/section>$/s);
    equal(sharedPart(adminHtml), sharedPart(publicHtml), `mode ${mode}`);
  }
});

Deno.test("in both views every label reference points at exactly one element", () => {
  for (const status of [statusSummary(), statusDetail()]) {
    const html = board(status, "live", {
      stored: statusRangeData("24h", {
        end: status.server_time,
        overrides: status.view === "admin"
          ? { drilldown: { t: [], interval_ms: 300_000, instances: [], rooms: [] } }
          : {},
      }),
      range: "24h",
    });
    const references = [...html.matchAll(/ aria-labelledby="([^"]+)"/g)].map(([, id]) => id);
    ok(references.length >= 8, `${status.view}: sections and cards are labelled`);
    for (const id of references) {
      equal(html.split(` id="${id}"`).length - 1, 1, `${status.view}: one element #${id}`);
    }
  }
});

Deno.test("at low traffic the big numbers show the last known values and when", () => {
  const now = statusSummary().server_time;
  const quiet = {
    window_s: 300,
    messages: 0,
    deliveries: 0,
    delivery_ms: { p50: null, p99: null },
  };
  const remembered = text(board(
    statusSummary({
      recent: quiet,
      last_message_at: now - 2 * 3_600_000,
      last_delivery: { at: now - 2 * 3_600_000, p50: 4, p99: 38 },
    }),
    "idle",
  ));
  match(remembered, /Messages in the last 5 min 0 last one 2 h ago/);
  match(remembered, /Delivery p99, last 5 min 38 ms measured 2 h ago; no deliveries since/);

  const never = text(board(
    statusSummary({ recent: quiet, last_message_at: null, last_delivery: null }),
    "idle",
  ));
  match(never, /Messages in the last 5 min 0 none recorded yet/);
  match(never, /Delivery p99, last 5 min — no deliveries recorded yet/);
});

Deno.test("a stored range labels its charts with what a point sums up, and says when nothing was delivered", () => {
  const status = statusSummary();
  const silent = statusRangeData("24h", { end: status.server_time, points: 3 });
  silent.history.delivery_p50_ms = [null, null, null];
  silent.history.delivery_p99_ms = [null, null, null];
  const html = board(status, "idle", { range: "24h", stored: silent });
  match(html, /aria-label="Connections, peak per 5 min, last 24 h: lowest/);
  match(html, /aria-label="Messages per second, average per 5 min, last 24 h:/);
  match(text(html), /No deliveries in the last 24 h: nobody sent a message/);
  match(html, /aria-label="Delivery latency, last 24 h: no deliveries, so nothing to measure\."/);
  match(text(html), /Connections open now 16 peak 12 in the last 24 h/);
  // Three points are sparse: each is drawn as a dot as well as a line.
  match(html, /<path class="sparkline-dots" d="(M[\d.]+ [\d.]+h0){3}"/);
});

Deno.test("the range links work without JavaScript and mark the chosen one", () => {
  const status = statusSummary();
  const html = board(status, "idle", {
    range: "7d",
    stored: statusRangeData("7d", { end: status.server_time }),
  });
  for (const range of ["15m", "1h", "24h", "7d", "90d"]) {
    match(html, new RegExp(`<a href="/status\\?range=${range}" data-range="${range}"`));
  }
  match(html, /<a href="\/status\?range=7d" data-range="7d" aria-current="page">/);
  equal(html.match(/aria-current="page"/g)?.length, 1);
});

Deno.test("the uptime bar labels each day with its shares, and the incidents list their notes", () => {
  const status = statusSummary();
  const html = board(status, "idle");
  equal(html.match(/<li class="uptime-day/g)?.length, 90);
  const words = text(html);
  match(words, /Uptime, last 90 days 99\.9% of recorded minutes ok · 60 days without data/);
  match(words, /: 99\.9% ok, 0\.1% degraded, 0% down, 0% no data/);
  match(words, /: 0% ok, 0% degraded, 0% down, 100% no data/);
  match(words, /Degraded .* UTC to .* UTC · lasted 12 min delivery p99 is 740 ms/);
  match(words, /root A noisy neighbour; moved\./);
  doesNotMatch(html, /<form class="note-form"/, "no note form for the public");
});

Deno.test("admins get the range by isolate and by room, and a note form", () => {
  const status = statusDetail();
  const row = (key: string, label: string) => ({
    key,
    label,
    connections: 4,
    messages_per_second: 0.5,
    delivery_p99_ms: null,
    errors: 2,
    series: [0.5, null],
  });
  const stored = statusRangeData("24h", {
    end: status.server_time,
    overrides: {
      drilldown: {
        t: [status.server_time - 300_000, status.server_time],
        interval_ms: 300_000,
        instances: [row("a1", "host-a1")],
        rooms: [row("general", "general")],
      },
    },
  });
  const html = board(status, "live", {
    range: "24h",
    stored,
    onAddNote: () => Promise.resolve(null),
  });
  const words = text(html);
  match(words, /By isolate and by room last 24 h/);
  match(words, /a1 host-a1 4 0\.5 no deliveries 2/);
  match(words, /general 4 0\.5 no deliveries 2/);
  match(html, /<form class="note-form"/);
});
