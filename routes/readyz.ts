import { define } from "../utils.ts";

/** `GET /readyz`: 200 when the store answers and the server is not draining, else 503. */
export const handler = define.handlers({
  GET: (ctx) => ctx.state.services.ops.readyz(),
});
