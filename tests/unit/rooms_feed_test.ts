import { deepEqual } from "node:assert/strict";
import type { Message } from "../../lib/protocol/mod.ts";
import { createRoomFeed } from "../../lib/server/bus/mod.ts";
import { createMessageStore } from "../../lib/server/store/mod.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

const ada = { id: "u-ada", name: "ada", role: "user" as const };

async function withLog(
  test: (
    commit: (count: number) => Promise<Message[]>,
    log: ReturnType<typeof createMessageStore>,
  ) => Promise<void>,
) {
  const kv = await Deno.openKv(":memory:");
  const log = createMessageStore(kv, { historyMax: 100, clock: createVirtualClock() });
  let next = 1;
  const commit = async (count: number) => {
    const messages: Message[] = [];
    for (let index = 0; index < count; index++, next++) {
      const result = await log.commit({ room: "r", user: ada, text: `m${next}`, cid: `c${next}` });
      if (result.created) messages.push(result.message);
    }
    return messages;
  };
  try {
    await test(commit, log);
  } finally {
    kv.close();
  }
}

function feedOf(log: ReturnType<typeof createMessageStore>) {
  const delivered: number[] = [];
  const errors: unknown[] = [];
  const feed = createRoomFeed({
    room: "r",
    log,
    deliver: (message) => delivered.push(message.seq),
    onError: (error) => errors.push(error),
  });
  return { feed, delivered, errors };
}

Deno.test("a feed delivers each seq once, in order, whatever order they arrive in", async () => {
  await withLog(async (commit, log) => {
    const { feed, delivered, errors } = feedOf(log);
    await feed.idle();
    const messages = await commit(6);
    for (const index of [0, 1, 1, 0, 2]) feed.offer(messages[index]);
    // Seq 6 arrives before 4 and 5: those are read from the log first.
    feed.offer(messages[5]);
    feed.offer(messages[3]);
    feed.offer(messages[4]);
    await feed.idle();
    deepEqual(delivered, [1, 2, 3, 4, 5, 6]);
    deepEqual(errors, []);
  });
});

Deno.test("a feed starts after the head it was created at", async () => {
  await withLog(async (commit, log) => {
    const [first, second] = await commit(2);
    const { feed, delivered } = feedOf(log);
    feed.offer(first);
    feed.offer(second);
    // Until idle, the feed may still be reading its starting head (as the room service waits).
    await feed.idle();
    const [third] = await commit(1);
    feed.offer(third);
    await feed.idle();
    deepEqual(delivered, [3]);
  });
});

Deno.test("catching up to a head delivers what was never offered", async () => {
  await withLog(async (commit, log) => {
    const { feed, delivered } = feedOf(log);
    await feed.idle();
    await commit(4);
    feed.catchUp(4);
    feed.catchUp(2);
    await feed.idle();
    deepEqual(delivered, [1, 2, 3, 4]);
  });
});
