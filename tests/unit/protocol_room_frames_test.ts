import { deepEqual, equal } from "node:assert/strict";
import {
  ClientFrame,
  isRoomFrame,
  ROOM_FRAME_TYPES,
  RoomFrame,
  SessionFrame,
} from "../../lib/protocol/frames.ts";

Deno.test("room frames: every client frame with a room field, and dm (whose room its people name)", () => {
  const withRoom = ClientFrame.options.filter((frame) => "room" in frame.shape)
    .map((frame) => frame.shape.type.value);
  withRoom.push("dm");
  const without = ClientFrame.options.filter((frame) => !("room" in frame.shape))
    .map((frame) => frame.shape.type.value);
  deepEqual([...ROOM_FRAME_TYPES].sort(), withRoom.sort());
  deepEqual(without.filter((type) => ROOM_FRAME_TYPES.has(type)), ["dm"]);
  deepEqual(
    RoomFrame.options.map((frame) => frame.shape.type.value).sort(),
    [...ROOM_FRAME_TYPES].sort(),
  );
});

Deno.test("room frames: every client frame is a room frame or a session frame, never both", () => {
  const typesOf = (union: { options: readonly { shape: { type: { value: string } } }[] }) =>
    union.options.map((frame) => frame.shape.type.value);
  const rooms = typesOf(RoomFrame);
  const sessions = typesOf(SessionFrame);
  deepEqual([...rooms, ...sessions].sort(), typesOf(ClientFrame).sort());
  deepEqual(rooms.filter((type) => sessions.includes(type)), []);
});

Deno.test("room frames: isRoomFrame tells a parsed frame's kind", () => {
  equal(isRoomFrame(ClientFrame.parse({ type: "join", room: "general" })), true);
  equal(
    isRoomFrame(ClientFrame.parse({ type: "send", room: "general", text: "hi", cid: "c1" })),
    true,
  );
  equal(isRoomFrame(ClientFrame.parse({ type: "ping", t: 1 })), false);
  equal(isRoomFrame(ClientFrame.parse({ type: "subscribe_status" })), false);
  equal(isRoomFrame(ClientFrame.parse({ type: "dm", users: ["bob"] })), true);
  equal(isRoomFrame(ClientFrame.parse({ type: "subscribe_membership" })), false);
});
