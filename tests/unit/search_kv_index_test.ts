/**
 * The Deno KV search index against the search index contract, on an
 * in-memory KV, with small pages so that every search crosses pages.
 */
import { createKvSearchIndex } from "../../lib/server/search/mod.ts";
import { searchIndexContract } from "../contracts/search_index.ts";

for (const pageSize of [3, 256]) {
  searchIndexContract(`kv, pages of ${pageSize}`, async () => {
    const kv = await Deno.openKv(":memory:");
    return { index: createKvSearchIndex({ kv, pageSize }), close: () => kv.close() };
  });
}
