import { define } from "../utils.ts";

export const handler = define.handlers({
  GET: () => new Response("ok", { headers: { "content-type": "text/plain" } }),
});
