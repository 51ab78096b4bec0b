/**
 * The Deno KV search index against the search index contract, on an
 * in-memory KV: reading one block at a time (so that searches cross reads),
 * and as it reads by default; and writing in small transactions, and large.
 */
import { createKvSearchIndex } from "../../lib/server/search/mod.ts";
import { searchIndexContract } from "../contracts/search_index.ts";

for (const [blocksPerRead, keysPerWrite] of [[1, 20], [16, 990]]) {
  searchIndexContract(
    `kv, ${blocksPerRead} block(s) a read, ${keysPerWrite} keys a write`,
    async () => {
      const kv = await Deno.openKv(":memory:");
      return {
        index: createKvSearchIndex({ kv, blocksPerRead, keysPerWrite }),
        close: () => kv.close(),
      };
    },
  );
}
