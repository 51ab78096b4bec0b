import { Header } from "../components/Header.tsx";
import StatusBoard from "../islands/StatusBoard.tsx";
import { page } from "../lib/framework/context.ts";
import { hasSessionHint } from "../lib/server/auth/mod.ts";
import {
  DEFAULT_STATUS_RANGE,
  parseStatusRange,
  STATUS_RANGE_HELP,
} from "../lib/protocol/status_range.ts";
import { define } from "../utils.ts";

/**
 * `/status?range=24h`: the public status, complete in the HTML for the range
 * in the URL (15 minutes by default; the range links work without
 * JavaScript), then kept live by the StatusBoard island. The page has no
 * bearer token (that lives in the browser), so it is always the public view.
 * A visitor who never signed in polls: the board does not ask for a token it
 * cannot get. A range it does not know answers 400 with the default range
 * and a note.
 */
export const handler = define.handlers({
  GET: async (ctx) => {
    const { ops } = ctx.state.services;
    const asked = ctx.url.searchParams.get("range");
    const parsed = parseStatusRange(asked);
    const range = parsed ?? DEFAULT_STATUS_RANGE;
    const status = ops.liveStatus("public");
    // Without the stored history the page still shows the live status, and says so.
    const stored = await ops.rangeStatus(range, "public").catch(() => null);
    return page(
      { status, range, stored, refused: parsed === null, signedIn: hasSessionHint(ctx.req) },
      { status: parsed === null ? 400 : 200, headers: { "cache-control": "no-store" } },
    );
  },
});

export default define.page<typeof handler>(({ data }) => (
  <div class="shell">
    <link rel="stylesheet" href="/status.css" />
    <Header current="/status" />
    <main class="status-page" id="main">
      {data.refused && (
        <p class="range-refused" role="alert">
          That range is not one the page knows ({STATUS_RANGE_HELP}); here are the last 15 minutes.
        </p>
      )}
      <StatusBoard
        initial={data.status}
        range={data.range}
        stored={data.stored}
        signedIn={data.signedIn}
      />
    </main>
  </div>
));
