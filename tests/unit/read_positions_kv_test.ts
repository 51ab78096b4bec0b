/** The read positions contract, on Deno KV (several handles on one file, as isolates have). */
import { createKvReadPositions } from "../../lib/server/membership/mod.ts";
import { readPositionsContract } from "../contracts/read_positions.ts";

readPositionsContract("kv", async () => {
  const dir = await Deno.makeTempDir({ prefix: "read_positions_" });
  const handles: Deno.Kv[] = [];
  return {
    open: async () => {
      const kv = await Deno.openKv(`${dir}/kv`);
      handles.push(kv);
      return createKvReadPositions(kv);
    },
    close: async () => {
      handles.forEach((kv) => kv.close());
      await Deno.remove(dir, { recursive: true });
    },
  };
});
