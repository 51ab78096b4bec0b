/**
 * The status board as the server renders it: every number in the HTML, the
 * state in words, the admin-only parts only for the admin view, and text
 * equivalents for the charts.
 */
import { doesNotMatch, equal, match } from "node:assert/strict";
import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import { StatusView } from "../../components/status/StatusView.tsx";
import { statusDetail, statusHistory, statusSummary } from "./ui_status_fixture.ts";

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

Deno.test("the public board has every summary number and the state in words", () => {
  const html = renderToString(
    h(StatusView, {
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
  const words = text(renderToString(h(StatusView, {
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
  const html = renderToString(h(StatusView, { status, mode: "live" }));
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
  const html = renderToString(h(StatusView, { status: statusSummary({ history }), mode: "live" }));
  match(html, /aria-label="Connections, last 20 s: lowest 10, highest 13, latest 13"/);
  match(
    html,
    /aria-label="Delivery latency over the last 15 s: p99 from 12 ms to 24 ms, latest 24 ms/,
  );
  equal(html.match(/<tr><td>[^<]+ ago|<tr><td>just now/g)?.length, 4, "one table row per sample");
});
