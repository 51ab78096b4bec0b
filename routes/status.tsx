import { Header } from "../components/Header.tsx";
import StatusBoard from "../islands/StatusBoard.tsx";
import { page } from "../lib/framework/context.ts";
import { buildStatusSummary } from "../lib/server/metrics/mod.ts";
import { define } from "../utils.ts";

/**
 * `/status`: the public status summary, complete in the HTML, then kept live
 * by the StatusBoard island. The page has no bearer token (that lives in the
 * browser), so it is always the public view.
 */
export const handler = define.handlers({
  GET: (ctx) => {
    const { view, clock, metrics } = ctx.state.services;
    const status = buildStatusSummary(view, { clock, identity: metrics.identity });
    return page({ status }, { headers: { "cache-control": "no-store" } });
  },
});

export default define.page<typeof handler>(({ data }) => (
  <div class="shell">
    <link rel="stylesheet" href="/status.css" />
    <Header current="/status" />
    <main class="status-page" id="main">
      <StatusBoard initial={data.status} />
    </main>
  </div>
));
