import { Header } from "../components/Header.tsx";
import StatusBoard from "../islands/StatusBoard.tsx";
import { page } from "../lib/framework/context.ts";
import { buildStatusSummary } from "../lib/server/metrics/mod.ts";
import { hasSessionHint } from "../lib/server/session_hint.ts";
import { define } from "../utils.ts";

/**
 * `/status`: the public status summary, complete in the HTML, then kept live
 * by the StatusBoard island. The page has no bearer token (that lives in the
 * browser), so it is always the public view. A visitor who never signed in
 * polls: the board does not ask for a token it cannot get.
 */
export const handler = define.handlers({
  GET: (ctx) => {
    const { view, clock, metrics } = ctx.state.services;
    const status = buildStatusSummary(view, { clock, identity: metrics.identity });
    return page({ status, signedIn: hasSessionHint(ctx.req) }, {
      headers: { "cache-control": "no-store" },
    });
  },
});

export default define.page<typeof handler>(({ data }) => (
  <div class="shell">
    <link rel="stylesheet" href="/status.css" />
    <Header current="/status" />
    <main class="status-page" id="main">
      <StatusBoard initial={data.status} signedIn={data.signedIn} />
    </main>
  </div>
));
