/**
 * The room layer's answer to `search` (second edition): text entries holding
 * every word of `q`, newest first, only from rooms the asker may read. With
 * `room`, that room (after the access check: `forbidden`, worded as for a
 * room that does not exist); without, the rooms the account is a member of
 * (at most {@linkcode SEARCH_ROOMS_MAX} of them, by name). Each hit is served
 * as the log keeps it now (edits folded in); a hit deleted since it was
 * indexed is left out. Searches cost reads across rooms, so each user has a
 * budget of its own (`searchesPerMinute`) beyond the connection's frame rate.
 *
 * @example
 * ```ts
 * const frames = createSearchFrames({ index, store, access, memberships, replies, clock });
 * await frames.search(member, { type: "search", q: "deploy friday" });
 * ```
 */
import { type ClientFrameOf, type Message, SEARCH_LIMIT_DEFAULT } from "../../protocol/mod.ts";
import type { Clock } from "../../time/clock.ts";
import type { MembershipStore } from "../membership/mod.ts";
import type { SearchIndex } from "../search/mod.ts";
import type { MessageStore } from "../store/mod.ts";
import type { RoomAccess } from "./access.ts";
import type { RoomMember } from "./member.ts";
import type { RoomReplies } from "./room_replies.ts";
import { createUserBudget } from "./user_budget.ts";

/** The most rooms one `search` without `room` looks in. */
export const SEARCH_ROOMS_MAX = 500;

/** What {@linkcode createSearchFrames} needs. */
export interface SearchFramesOptions {
  index: Pick<SearchIndex, "search">;
  store: Pick<MessageStore, "entry">;
  access: Pick<RoomAccess, "read">;
  memberships: Pick<MembershipStore, "roomsOf">;
  replies: RoomReplies;
  clock: Clock;
  /** The store or the index failed. */
  failed(error: unknown): void;
  /** Searches per user and minute. Default 30. */
  searchesPerMinute?: number;
}

/** The answer to `search`. */
export interface SearchFrames {
  search(member: RoomMember, frame: ClientFrameOf<"search">): Promise<void>;
}

/** Creates the {@linkcode SearchFrames}. */
export function createSearchFrames(options: SearchFramesOptions): SearchFrames {
  const { index, store, access, memberships, clock, failed } = options;
  const { reply, replyError } = options.replies;
  const searches = createUserBudget({
    perMinute: options.searchesPerMinute ?? 30,
    clock,
    replies: options.replies,
    refusal: "too many searches",
  });

  /** The rooms `member` searches: `room` if they may read it, else their rooms; null after refusing. */
  const roomsFor = async (member: RoomMember, room: string | undefined, ref?: string) => {
    if (room !== undefined) {
      const verdict = await access.read(member.user, room);
      if (verdict.ok) return [room];
      replyError(member, room, "forbidden", verdict.message, ref);
      return null;
    }
    const rooms: string[] = [];
    let after: string | undefined;
    while (rooms.length < SEARCH_ROOMS_MAX) {
      const page = await memberships.roomsOf(member.user.id, { after, limit: 100 });
      rooms.push(...page.rooms);
      if (page.frontier === null) break;
      after = page.frontier;
    }
    return rooms.slice(0, SEARCH_ROOMS_MAX);
  };

  return {
    async search(member, frame) {
      const { q, room, ref } = frame;
      if (!searches.charge(member, ref)) return;
      try {
        const rooms = await roomsFor(member, room, ref);
        if (rooms === null) return;
        const limit = frame.limit ?? SEARCH_LIMIT_DEFAULT;
        const page = await index.search({ q, rooms, limit, before: frame.before });
        if (!page.ok) return replyError(member, room ?? null, "bad_request", page.message, ref);
        const found = await Promise.all(page.hits.map((hit) => store.entry(hit.room, hit.seq)));
        const messages = found.filter((entry): entry is Message =>
          entry !== null && entry.text !== undefined && !entry.deleted
        );
        reply(member, { type: "search_results", q, messages, more: page.more, ref });
      } catch (error) {
        failed(error);
        replyError(member, room ?? null, "internal", "the search failed; try again", ref);
      }
    },
  };
}
