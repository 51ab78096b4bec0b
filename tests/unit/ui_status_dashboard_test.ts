/**
 * The status board as the server renders it: every number in the HTML, the
 * state in words, the admin-only parts only for the admin view, and text
 * equivalents for the charts.
 */
import { doesNotMatch, equal, match, ok } from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { StatusDashboard } from "../../components/status/StatusDashboard.tsx";
import { statusDetail, statusHistory, statusSummary } from "./ui_status_fixture.ts";

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

Deno.test("the public board has every summary number and the state in words", () => {
  const html = renderToString(
    h(StatusDashboard, {
      status: statusSummary({
        connections: 1_234,
        users_online: 56,
        messages_per_second: 7.25,
        delivery_latency_ms: { p50: 3, p99: 41 },
        rooms: 9,
        isolates_up: 2,
      }),
      mode: "idle",
    }),
  );
  const words = text(html);
  match(words, /Connections 1,234/);
  match(words, /Users online 56/);
  match(words, /Messages \/ s 7\.3/);
  match(words, /Delivery p99 41 ms median 3 ms/);
  match(words, /Status: OK All systems operational/);
  match(words, /Rooms 9/);
  match(words, /2 isolates are reporting/);
  match(words, /Refusals by reason are shown to admins/);
  doesNotMatch(html, /<table class="data-table isolates"/, "no isolate detail in public");
  match(html, /data-feed-mode="idle"/);
});

Deno.test("a degraded state lists its reasons next to the word", () => {
  const words = text(renderToString(h(StatusDashboard, {
    status: statusSummary({
      status: "degraded",
      reasons: ["delivery p99 is 740 ms (limit 500 ms)"],
    }),
    mode: "live",
  })));
  match(words, /Status: Degraded Degraded performance delivery p99 is 740 ms \(limit 500 ms\)/);
});

Deno.test("the admin board has the isolates table with headers, refusals and busy rooms", () => {
  const { server_time } = statusSummary();
  const status = statusDetail({
    missing_isolates: [{ id: "c3", host: "host-c3", last_seen: server_time - 95_000 }],
  });
  const html = renderToString(h(StatusDashboard, { status, mode: "live" }));
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
});

Deno.test("charts carry their numbers in words", () => {
  const history = statusHistory(4);
  const html = renderToString(
    h(StatusDashboard, { status: statusSummary({ history }), mode: "live" }),
  );
  match(html, /aria-label="Connections, last 20 s: lowest 10, highest 13, latest 13"/);
  match(
    html,
    /aria-label="Delivery latency over the last 15 s: p99 from 12 ms to 24 ms, latest 24 ms/,
  );
  equal(html.match(/<tr><td>[^<]+ ago|<tr><td>just now/g)?.length, 4, "one table row per sample");
});

/** Elements that never close, so they open no level in {@linkcode outline}. */
const VOID_ELEMENTS = /^(area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr)$/;
/** The containers the panels sit in; which panel is in which one is the layout. */
const LAYOUT_CLASSES = /^(status-board|status-titlebar|status-columns|side-stack)$/;

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
  section#health-headline
  section "Key numbers"
  div.status-columns
    section#latency-title
    div.side-stack
      section#refusals-title`;

Deno.test("the public board keeps the isolates note beside the chart and has no room list", () => {
  const html = renderToString(h(StatusDashboard, { status: statusSummary(), mode: "idle" }));
  equal(outline(html), `${SHARED_TOP}\n      section#isolates-title`);
  doesNotMatch(html, /Busiest rooms/);
});

Deno.test("the admin board puts busy rooms beside the chart and the isolates full width", () => {
  const html = renderToString(h(StatusDashboard, { status: statusDetail(), mode: "idle" }));
  equal(outline(html), `${SHARED_TOP}\n      section#rooms-title\n  section#isolates-title`);
});

Deno.test("both views render the parts they share to the letter", () => {
  // The same numbers in both views: the admin fixture is built on the public one.
  const sharedPart = (html: string) =>
    html.slice(0, html.indexOf('<div class="side-stack">')).replace(/ data-view="\w+"/, "");
  for (const mode of ["idle", "live", "polling", "unreachable"] as const) {
    const publicHtml = renderToString(h(StatusDashboard, { status: statusSummary(), mode }));
    const adminHtml = renderToString(h(StatusDashboard, { status: statusDetail(), mode }));
    match(publicHtml, /^<div class="status-board" data-view="public">/);
    match(adminHtml, /^<div class="status-board" data-view="admin">/);
    match(sharedPart(publicHtml), /Delivery latency<\/h2>.*<\/figure><\/section>$/s);
    equal(sharedPart(adminHtml), sharedPart(publicHtml), `mode ${mode}`);
  }
});

Deno.test("in both views every label reference points at exactly one element", () => {
  for (const status of [statusSummary(), statusDetail()]) {
    const html = renderToString(h(StatusDashboard, { status, mode: "live" }));
    const references = [...html.matchAll(/ aria-labelledby="([^"]+)"/g)].map(([, id]) => id);
    ok(references.length >= 8, `${status.view}: sections and cards are labelled`);
    for (const id of references) {
      equal(html.split(` id="${id}"`).length - 1, 1, `${status.view}: one element #${id}`);
    }
  }
});
