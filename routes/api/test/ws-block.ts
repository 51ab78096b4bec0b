import { define } from "../../../utils.ts";

/** `POST /api/test/ws-block`: test-only, with `TEST_HOOKS=1`; see lib/server/ws_block.ts. */
export const handler = define.handlers((ctx) => ctx.state.services.wsBlock.handle(ctx.req));
