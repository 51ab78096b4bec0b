/**
 * Admin tools, for role `admin` (names in `ADMIN_USERS`). Each answers 401
 * without a valid token and 403 for any other role, and is audited in the
 * log as `admin.<action>` with the admin's user id.
 *
 * | endpoint | does |
 * | --- | --- |
 * | `POST /api/admin/kick` `{ "user_id" }` | closes every connection of the user, on every isolate, with 4403 `kicked` (after `error` `forbidden`) |
 * | `POST /api/admin/close-room` `{ "room" }` | closes the room for good: members get `error` `forbidden` and `left`; joins and sends are refused (the flag is kept in KV) |
 * | `POST /api/admin/cleanup` | drops expired presence shares and idempotency records now, and says how many |
 *
 * @example
 * ```ts
 * const admin = createAdmin({ tokens, hub, link: bus, closures, presence, kv, clock, log });
 * app.post("/api/admin/kick", (ctx) => admin.kick(ctx.req));
 * ```
 */
import { z } from "zod";
import { RoomName } from "../protocol/mod.ts";
import type { SessionUser } from "../protocol/frames.ts";
import type { Clock } from "../time/clock.ts";
import type { Hub } from "./hub.ts";
import type { Logger } from "./log.ts";
import type { Presence, PresenceLink } from "./presence/mod.ts";
import type { RoomClosures } from "./rooms/mod.ts";
import { CID_TTL_MS, type Receipt, SEND_CID_PREFIX } from "./store/mod.ts";
import { authenticateRequest } from "./request_auth.ts";
import type { TokenIssuer } from "./tokens.ts";
import { errorResponse, MAX_BODY_BYTES, readBoundedBody, readJsonBody } from "./http.ts";

/** The bus topic that carries kicks to every isolate. */
export const KICK_TOPIC = "admin_kick";

const KickBody = z.object({ user_id: z.string().min(1).max(256) });
const CloseRoomBody = z.object({ room: RoomName });
const KickEvent = z.object({ user_id: z.string() });

// Deno KV takes at most 1000 mutations per atomic operation; stay well below.
const DELETE_BATCH = 100;

/** What {@linkcode createAdmin} needs. */
export interface AdminOptions {
  tokens: TokenIssuer;
  hub: Pick<Hub, "kick">;
  /** Carries kicks to the other isolates; a {@linkcode Bus} is one. */
  link: PresenceLink;
  closures: RoomClosures;
  presence: Pick<Presence, "pruneExpired">;
  kv: Deno.Kv;
  clock: Clock;
  log: Logger;
}

/** The admin endpoints. */
export interface Admin {
  /** `POST /api/admin/kick` */
  kick(req: Request): Promise<Response>;
  /** `POST /api/admin/close-room` */
  closeRoom(req: Request): Promise<Response>;
  /** `POST /api/admin/cleanup` */
  cleanup(req: Request): Promise<Response>;
  /** Stops listening to kicks from other isolates. */
  stop(): void;
}

/** Deletes idempotency records older than their 24 h; returns how many. */
async function pruneExpiredReceipts(kv: Deno.Kv, now: number): Promise<number> {
  let removed = 0;
  let batch: Deno.KvEntry<Receipt>[] = [];
  const flush = async () => {
    const operation = kv.atomic();
    // A record rewritten since it was read is left alone.
    for (const entry of batch) operation.check(entry).delete(entry.key);
    if ((await operation.commit()).ok) removed += batch.length;
    batch = [];
  };
  for await (const entry of kv.list<Receipt>({ prefix: SEND_CID_PREFIX })) {
    if (now - entry.value.ts < CID_TTL_MS) continue;
    batch.push(entry);
    if (batch.length === DELETE_BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return removed;
}

/** Creates the {@linkcode Admin} endpoints and starts listening to kicks. */
export function createAdmin(options: AdminOptions): Admin {
  const { tokens, hub, link, closures, presence, kv, clock, log } = options;

  const stopKicks = link.on(KICK_TOPIC, (data) => {
    const parsed = KickEvent.safeParse(data);
    if (parsed.success) hub.kick(parsed.data.user_id);
  });

  /** The admin calling, or the 401/403 to answer. */
  const authorize = async (
    req: Request,
  ): Promise<{ ok: true; admin: SessionUser } | { ok: false; response: Response }> => {
    const caller = await authenticateRequest(req, tokens);
    if (!caller.ok) return caller;
    if (caller.user.role !== "admin") {
      log.warn("admin.refused", { user: caller.user.id, path: new URL(req.url).pathname });
      return { ok: false, response: errorResponse(403, "forbidden", "this needs role admin") };
    }
    return { ok: true, admin: caller.user };
  };

  return {
    async kick(req) {
      const caller = await authorize(req);
      if (!caller.ok) return caller.response;
      const parsed = await readJsonBody(req, KickBody);
      if (!parsed.ok) return parsed.response;
      const { user_id } = parsed.body;
      const closedHere = hub.kick(user_id);
      link.emit(KICK_TOPIC, { user_id });
      log.info("admin.kick", { user: caller.admin.id, target: user_id, closed_here: closedHere });
      return Response.json({ user_id, closed_here: closedHere });
    },

    async closeRoom(req) {
      const caller = await authorize(req);
      if (!caller.ok) return caller.response;
      const parsed = await readJsonBody(req, CloseRoomBody);
      if (!parsed.ok) return parsed.response;
      const { room } = parsed.body;
      await closures.closeRoom(room, caller.admin.id);
      log.info("admin.close_room", { user: caller.admin.id, room });
      return Response.json({ room, closed: true });
    },

    async cleanup(req) {
      const caller = await authorize(req);
      if (!caller.ok) return caller.response;
      const read = await readBoundedBody(req, MAX_BODY_BYTES);
      if (!read.ok) return read.response;
      const presenceShares = presence.pruneExpired();
      const idempotencyRecords = await pruneExpiredReceipts(kv, clock.now());
      log.info("admin.cleanup", {
        user: caller.admin.id,
        presence_shares: presenceShares,
        idempotency_records: idempotencyRecords,
      });
      return Response.json({
        presence_shares_removed: presenceShares,
        idempotency_records_removed: idempotencyRecords,
      });
    },

    stop: stopKicks,
  };
}
