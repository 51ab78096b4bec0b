/**
 * Attack: unthrottled rooms. Joining any new name created a permanent room,
 * and every room was listed without paging: 5 000 rooms made `GET /` 1.6 MB.
 * Now `GET /api/rooms` pages (default 100, at most 500, with a cursor), `/`
 * renders the first page only, and rooms without messages expire
 * (`EMPTY_ROOM_TTL_S`; tested in virtual time in tests/unit/rooms_store_test.ts).
 *
 * Bound asserted: with 5 000 rooms, `GET /` stays under 64 KiB and a page of
 * `GET /api/rooms` under 16 KiB.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { createTokenIssuer } from "../../lib/server/auth/tokens.ts";
import { createSystemClock } from "../../lib/time/clock.ts";
import { TEST_SECRET } from "../_helpers/server.ts";
import { startServerProcess } from "../_helpers/server_process.ts";
import { openSocket } from "../_helpers/socket.ts";
import { RoomListResponse } from "../../lib/protocol/mod.ts";

const ROOMS = 5_000;
const SOCKETS = 4;

Deno.test("room flood: 5 000 rooms leave / and /api/rooms bounded, and paging still reaches them all", async () => {
  // The frame rate limit is raised so the flood takes seconds; it is not what is tested here.
  await using server = await startServerProcess({
    env: { RATE_BURST: "100000", RATE_PER_SECOND: "100000" },
  });
  const tokens = await createTokenIssuer({
    secrets: [TEST_SECRET],
    ttlS: 900,
    clock: createSystemClock(),
  });
  const mallory = await tokens.sign({ id: "user:mallory", name: "mallory", role: "user" });
  const names = Array.from({ length: ROOMS }, (_, i) => `flood-${String(i).padStart(4, "0")}`);

  await Promise.all(Array.from({ length: SOCKETS }, async (_, socketIndex) => {
    await using socket = await openSocket(`${server.origin.replace("http", "ws")}/api/ws`, {
      token: mallory.token,
    });
    equal((await socket.next()).type, "hello");
    const mine = names.filter((_, i) => i % SOCKETS === socketIndex);
    for (const room of mine) socket.send({ type: "join", room });
    for (let joined = 0; joined < mine.length;) {
      const frame = await socket.next();
      if (frame.type === "joined") joined++;
      else if (frame.type === "error") throw new Error(`join refused: ${frame.message}`);
    }
  }));

  const home = await fetch(`${server.origin}/`);
  equal(home.status, 200);
  const html = await home.text();
  console.log(`GET / with ${ROOMS} rooms: ${html.length} bytes`);
  ok(html.length < 64 * 1024, `GET / is ${html.length} bytes`);

  const first = await fetch(`${server.origin}/api/rooms`);
  const firstText = await first.text();
  const firstPage = RoomListResponse.parse(JSON.parse(firstText));
  equal(firstPage.rooms.length, 100);
  ok(firstText.length < 16 * 1024, `a page of /api/rooms is ${firstText.length} bytes`);
  equal(firstPage.next, firstPage.rooms.at(-1)!.name);

  const seen: string[] = [];
  for (let cursor: string | null = ""; cursor !== null;) {
    const query: string = cursor ? `?limit=500&cursor=${cursor}` : "?limit=500";
    const page = RoomListResponse.parse(
      await (await fetch(`${server.origin}/api/rooms${query}`)).json(),
    );
    ok(page.rooms.length <= 500);
    seen.push(...page.rooms.map(({ name }) => name));
    cursor = page.next;
  }
  deepEqual(seen, [...names, "general"].sort(), "every room once, by name");

  for (const query of ["?limit=501", "?limit=0", "?limit=ten", "?cursor=NOT%20A%20ROOM"]) {
    const refused = await fetch(`${server.origin}/api/rooms${query}`);
    equal(refused.status, 400, query);
    await refused.body?.cancel();
  }
  equal(await (await fetch(`${server.origin}/healthz`)).text(), "ok");
});
