import assert from "node:assert/strict";
import { createRoomState } from "../../lib/client/room_state.ts";
import type { Message, ServerFrameOf } from "../../lib/protocol/mod.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

const ada = { id: "u-ada", name: "ada", role: "user" as const };
const bob = { id: "u-bob", name: "bob", role: "user" as const };

function message(seq: number, user = ada): Message {
  return { room: "general", seq, id: `m${seq}`, cid: `c${seq}`, user, text: `#${seq}`, ts: seq };
}

function joined(
  head: number,
  seqs: number[],
  recovered = false,
): ServerFrameOf<"joined"> {
  return {
    type: "joined",
    room: "general",
    head,
    recovered,
    messages: seqs.map((seq) => message(seq)),
    presence: [ada],
  };
}

const seqsOf = (room: ReturnType<typeof createRoomState>) => room.messages.value.map((m) => m.seq);

Deno.test("messages merge by seq, out of order and duplicated", () => {
  const room = createRoomState("general", { clock: createVirtualClock() });
  room.applyJoined(joined(3, [1, 2, 3]));
  room.applyMessages([message(5), message(4), message(5)]);
  assert.deepEqual(seqsOf(room), [1, 2, 3, 4, 5]);
  assert.equal(room.lastContiguousSeq(), 5);
  assert.equal(room.nextGap(false), null);
});

Deno.test("a skipped seq is a gap, and history fills it", () => {
  const room = createRoomState("general", { clock: createVirtualClock() });
  room.applyJoined(joined(10, [9, 10]));
  room.applyMessages([message(14)]);
  assert.equal(room.lastContiguousSeq(), 10);
  assert.deepEqual(room.nextGap(false), { before: 14, limit: 3 });
  room.applyHistory(
    {
      type: "history",
      room: "general",
      messages: [message(11), message(12), message(13)],
      more: true,
    },
    false,
  );
  assert.equal(room.lastContiguousSeq(), 14);
  assert.equal(room.nextGap(false), null);
  assert.equal(room.hasOlder.value, true, "a gap reply says nothing about older history");
});

Deno.test("a gap wider than one history page is filled page by page", () => {
  const room = createRoomState("general", { clock: createVirtualClock() });
  room.applyJoined(joined(0, []));
  room.applyMessages([message(500)]);
  assert.deepEqual(room.nextGap(false), { before: 500, limit: 200 });
  room.applyHistory({
    type: "history",
    room: "general",
    messages: Array.from({ length: 200 }, (_, i) => message(300 + i)),
    more: true,
  }, false);
  assert.deepEqual(room.nextGap(false), { before: 300, limit: 200 });
});

Deno.test("a recovered rejoin continues; an unrecovered one replaces the hole-y past", () => {
  const room = createRoomState("general", { clock: createVirtualClock() });
  room.applyJoined(joined(5, [3, 4, 5]));
  assert.equal(room.hasOlder.value, true);
  room.applyJoined(joined(7, [6, 7], true));
  assert.deepEqual(seqsOf(room), [3, 4, 5, 6, 7]);
  assert.equal(room.lastContiguousSeq(), 7);
  room.applyJoined(joined(90, [89, 90], false));
  assert.deepEqual(seqsOf(room), [89, 90]);
  assert.equal(room.lastContiguousSeq(), 90);
});

Deno.test("older pages merge and say whether more exist", () => {
  const room = createRoomState("general", { clock: createVirtualClock() });
  room.applyJoined(joined(4, [3, 4]));
  assert.equal(room.oldestSeq(), 3);
  room.applyHistory({
    type: "history",
    room: "general",
    messages: [message(1), message(2)],
    more: false,
  }, true);
  assert.deepEqual(seqsOf(room), [1, 2, 3, 4]);
  assert.equal(room.hasOlder.value, false);
});

Deno.test("memory is bounded: the oldest messages go first", () => {
  const room = createRoomState("general", { clock: createVirtualClock(), keep: 3 });
  room.applyJoined(joined(1, [1]));
  room.applyMessages([message(2), message(3), message(4), message(5)]);
  assert.deepEqual(seqsOf(room), [3, 4, 5]);
  assert.equal(room.hasOlder.value, true);
  assert.equal(room.lastContiguousSeq(), 5);
});

Deno.test("presence follows joins and leaves", () => {
  const room = createRoomState("general", { clock: createVirtualClock() });
  room.applyJoined(joined(0, []));
  room.applyPresence({ type: "presence", room: "general", joins: [bob], leaves: [] });
  assert.deepEqual(room.presence.value, [ada, bob]);
  room.applyPresence({ type: "presence", room: "general", joins: [], leaves: [ada] });
  assert.deepEqual(room.presence.value, [bob]);
});

Deno.test("typing expires, renews, and stops when the typist's message arrives", () => {
  const clock = createVirtualClock();
  const room = createRoomState("general", { clock, typingTtlMs: 6_000 });
  room.applyJoined(joined(0, []));
  room.applyTyping({ type: "typing", room: "general", user: bob });
  room.applyTyping({ type: "typing", room: "general", user: ada });
  assert.deepEqual(room.typing.value, [bob, ada]);
  clock.advance(5_000);
  room.applyTyping({ type: "typing", room: "general", user: bob });
  clock.advance(1_000);
  assert.deepEqual(room.typing.value, [bob]);
  room.applyMessages([message(1, bob)]);
  assert.deepEqual(room.typing.value, []);
  assert.equal(clock.pending(), 0);
  room.applyTyping({ type: "typing", room: "general", user: bob });
  room.dispose();
  assert.equal(clock.pending(), 0);
});

Deno.test("a paged catch-up (more: true) is continued after the last held seq, page by page", () => {
  const room = createRoomState("general", { clock: createVirtualClock() });
  room.applyJoined(joined(5, [1, 2, 3, 4, 5]));
  room.applyJoined({ ...joined(900, [6, 7, 8], true), more: true });
  assert.equal(room.lastContiguousSeq(), 8, "what the page carried, not the head");
  assert.deepEqual(room.nextGap(true), { after: 8, limit: 200 });
  assert.deepEqual(room.nextGap(false), { before: 901, limit: 200 });

  let gap = room.nextGap(true)!;
  for (let from = 9; gap; from += 200) {
    const through = Math.min(from + 199, 900);
    const seqs = Array.from({ length: through - from + 1 }, (_, index) => from + index);
    room.applyGapFill(
      {
        type: "history",
        room: "general",
        messages: seqs.map((seq) => message(seq)),
        more: through < 900,
      },
      gap,
    );
    gap = room.nextGap(true)!;
  }
  assert.equal(room.lastContiguousSeq(), 900);
  assert.equal(room.nextGap(true), null);
});

Deno.test("an after page that starts past the gap skips what is no longer kept; an empty one ends it", () => {
  const room = createRoomState("general", { clock: createVirtualClock() });
  room.applyJoined(joined(10, [10]));
  room.applyJoined({ ...joined(50, [11, 12], true), more: true });
  const gap = room.nextGap(true)!;
  assert.deepEqual(gap, { after: 12, limit: 38 });
  room.applyGapFill(
    { type: "history", room: "general", messages: [message(40), message(41)], more: true },
    gap,
  );
  assert.equal(room.lastContiguousSeq(), 41, "13 to 39 were pruned: they will never come");
  const next = room.nextGap(true)!;
  room.applyGapFill({ type: "history", room: "general", messages: [], more: false }, next);
  assert.equal(room.nextGap(true), null, "the server has nothing more: no request loop");
});
