/**
 * How the room layer answers one member: any frame, counted by type; an
 * `error` about a room, counted in that room's activity too; and a `joined` or
 * `history` page held to `maxReplyBytes`, cut from the end its reader does not
 * page on, saying `more` when it was cut.
 *
 * @example
 * ```ts
 * const replies = createRoomReplies({ metrics, maxReplyBytes: 512 * 1024 });
 * replies.replyError(member, "general", "not_joined", "join general before sending to it", ref);
 * replies.replyPage(member, { type: "history", room, more: false }, messages, "newest");
 * ```
 */
import type {
  ErrorCode,
  Message,
  PublicUser,
  ServerFrame,
  ServerFrameOf,
} from "../../protocol/mod.ts";
import { utf8Length } from "../limits/mod.ts";
import type { SwitchboardMetrics } from "../metrics/mod.ts";
import { boundPage, serializeMessages } from "./bounded_page.ts";
import type { RoomMember } from "./member.ts";

/** A `joined` or `history` reply before its messages are added. */
export type PageFrame =
  | Omit<ServerFrameOf<"joined">, "messages">
  | Omit<ServerFrameOf<"history">, "messages">;

/** What {@linkcode createRoomReplies} needs. */
export interface RoomRepliesOptions {
  metrics: Pick<SwitchboardMetrics, "framesSent" | "errorsSent" | "rooms">;
  /** Largest `joined` or `history` reply, in bytes. */
  maxReplyBytes: number;
}

/** The replies of the room layer. */
export interface RoomReplies {
  /** Sends `frame` to `member`. */
  reply(member: RoomMember, frame: ServerFrame): void;
  /**
   * Sends a `joined` or `history` with as many of `messages` as fit in the
   * reply bound, cut from the end opposite `keep`.
   */
  replyPage(
    member: RoomMember,
    frame: PageFrame,
    messages: readonly Message[],
    keep: "oldest" | "newest",
  ): void;
  /** Sends a recoverable `error` about a frame for `room` (null: a frame about no one room). */
  replyError(
    member: RoomMember,
    room: string | null,
    code: ErrorCode,
    message: string,
    ref?: string,
  ): void;
}

/** Presence lists as JSON, and its UTF-8 size: made once per list (presence hands out one until it changes). */
const presenceJson = new WeakMap<readonly PublicUser[], { json: string; bytes: number }>();

/** A frame's JSON so far, and its UTF-8 size. */
interface Serialized {
  json: string;
  bytes: number;
}

const serialized = (json: string): Serialized => ({ json, bytes: utf8Length(json) });

/**
 * A page frame's fields but `more` as JSON, without the closing brace. A `joined`'s
 * presence list, the same for every join until it changes, is serialized and measured once.
 */
function pageHead(frame: PageFrame): Serialized {
  if (frame.type !== "joined") {
    const { more: _more, ...fields } = frame;
    return serialized(JSON.stringify(fields).slice(0, -1));
  }
  const { more: _more, presence, ...rest } = frame;
  let listed = presenceJson.get(presence);
  if (listed === undefined) {
    listed = serialized(JSON.stringify(presence));
    presenceJson.set(presence, listed);
  }
  const fields = serialized(`${JSON.stringify(rest).slice(0, -1)},"presence":`);
  return { json: fields.json + listed.json, bytes: fields.bytes + listed.bytes };
}

/** What a page's frame ends with at most, besides its messages. */
const BUDGETED_TAIL = `,"more":true,"messages":[]}`;

/** Creates the {@linkcode RoomReplies}. */
export function createRoomReplies({ metrics, maxReplyBytes }: RoomRepliesOptions): RoomReplies {
  const reply = (member: RoomMember, frame: ServerFrame) => {
    metrics.framesSent.labels(frame.type).inc();
    if (frame.type === "error") metrics.errorsSent.labels(frame.code).inc();
    member.sendText(JSON.stringify(frame));
  };

  return {
    reply,

    replyPage(member, frame, messages, keep) {
      // The frame's fields are serialized once, `more` and the messages are
      // appended as text: `{...fields,"more":true,"messages":[items]}`.
      const head = pageHead(frame);
      // Budgeted with `more: true` and an empty list, whatever the frame ends up saying.
      const shell = head.bytes + BUDGETED_TAIL.length;
      const page = boundPage(serializeMessages(messages), maxReplyBytes - shell, keep);
      // A cut page has more where its reader pages on: `history` either way, a
      // `joined` catch-up forward only (older history is never what `more` speaks of).
      const cutAhead = page.trimmed && (frame.type === "history" || keep === "oldest");
      const more = frame.more === true || cutAhead;
      // `joined` carries `more` only when more follow (an extension of the contract).
      const moreField = frame.type === "joined" && !more ? "" : `,"more":${more}`;
      metrics.framesSent.labels(frame.type).inc();
      member.sendText(`${head.json}${moreField},"messages":[${page.items.join(",")}]}`);
    },

    replyError(member, room, code, message, ref) {
      if (room === null) {
        return reply(member, { type: "error", code, message, recoverable: true, ref });
      }
      metrics.rooms.recordError(room);
      reply(member, { type: "error", code, message, recoverable: true, room, ref });
    },
  };
}
