/**
 * Admin tools, for role `admin` (names in `ADMIN_USERS`). Each answers 401
 * without a valid token and 403 for any other role, and is audited in the
 * log as `admin.<action>` with the admin's user id.
 *
 * | endpoint | does |
 * | --- | --- |
 * | `POST /api/admin/kick` `{ "user_id" }` | closes every connection of the user, on every instance, with 4403 `kicked` (after `error` `forbidden`) |
 * | `POST /api/admin/close-room` `{ "room" }` | closes the room for good: members get `error` `forbidden` and `left`; joins and sends are refused (the flag is kept in KV) |
 * | `POST /api/admin/cleanup` | drops the instances whose heartbeat lapsed (their presence and counts) and what they left, and expired idempotency records, now, and says how many |
 * | `POST /api/admin/incident-note` `{ "incident", "text" }` | adds a note (1-500 characters) to an incident of the status history; at most 20 per incident, and 10 a minute per admin (429 beyond, with `Retry-After`) |
 *
 * @example
 * ```ts
 * const admin = createAdmin({ tokens, hub, events, closures, cluster, store, clock, log, incidents });
 * app.post("/api/admin/kick", (ctx) => admin.kick(ctx.req));
 * ```
 */
import { z } from "zod";
import { RoomName } from "../../protocol/mod.ts";
import { INCIDENT_NOTE_CHARS } from "../../protocol/status_range.ts";
import type { SessionUser } from "../../protocol/frames.ts";
import type { Clock } from "../../time/clock.ts";
import type { Hub } from "../session/mod.ts";
import type { Logger } from "../log.ts";
import type { EventBus } from "../bus/mod.ts";
import type { Cluster } from "../cluster/mod.ts";
import type { RoomClosures } from "../rooms/mod.ts";
import type { MessageStore } from "../store/mod.ts";
import { authenticateRequest, type TokenIssuer } from "../auth/mod.ts";
import { errorResponse, MAX_BODY_BYTES, readBoundedBody, readJsonBody } from "../http/mod.ts";
import type { StatusHistoryStore } from "../status_history/mod.ts";
import { createKeyedLimiter } from "../limits/mod.ts";

const KickBody = z.object({ user_id: z.string().min(1).max(256) });
const CloseRoomBody = z.object({ room: RoomName });
const IncidentNoteBody = z.object({
  incident: z.number().int().nonnegative(),
  text: z.string().trim().min(1).max(INCIDENT_NOTE_CHARS)
    // Line breaks and tabs are text; other control characters are not.
    // deno-lint-ignore no-control-regex
    .refine((text) => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text), {
      message: "a note has no control characters",
    })
    // A lone UTF-16 surrogate is no character; PostgreSQL's JSON refuses it too.
    .refine((text) => text.isWellFormed(), { message: "a note is well-formed Unicode text" }),
});

/** The largest incident note body: its text at 4 bytes a character, and room for the rest. */
const NOTE_BODY_BYTES = 4 * INCIDENT_NOTE_CHARS + 256;
/** Notes an admin may add in a burst, and how many a minute after it. */
const NOTES_BURST = 10;
const NOTES_PER_MINUTE = 10;

/** What {@linkcode createAdmin} needs. */
export interface AdminOptions {
  tokens: TokenIssuer;
  hub: Pick<Hub, "kick">;
  /** Carries kicks (topic `admin_kick`) to every instance. */
  events: EventBus;
  closures: RoomClosures;
  /** Swept by the cleanup: instances whose heartbeat lapsed, and what they left. */
  cluster: Pick<Cluster, "sweep">;
  /** The room log, whose expired idempotency records cleanup removes. */
  store: Pick<MessageStore, "pruneReceipts">;
  clock: Clock;
  log: Logger;
  /** Where incident notes go. */
  incidents: Pick<StatusHistoryStore, "addIncidentNote">;
}

/** The admin endpoints. */
export interface Admin {
  /** `POST /api/admin/kick` */
  kick(req: Request): Promise<Response>;
  /** `POST /api/admin/close-room` */
  closeRoom(req: Request): Promise<Response>;
  /** `POST /api/admin/cleanup` */
  cleanup(req: Request): Promise<Response>;
  /** `POST /api/admin/incident-note` */
  incidentNote(req: Request): Promise<Response>;
  /** Stops listening to kicks. */
  stop(): void;
}

/** Creates the {@linkcode Admin} endpoints and starts listening to kicks. */
export function createAdmin(options: AdminOptions): Admin {
  const { tokens, hub, events, closures, cluster, store, clock, log, incidents } = options;
  const notesPerAdmin = createKeyedLimiter({
    burst: NOTES_BURST,
    perSecond: NOTES_PER_MINUTE / 60,
    clock,
    maxKeys: 1_000,
  });

  const stopKicks = events.on("admin_kick", ({ user_id }) => hub.kick(user_id));

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
      // Every instance hears it, this one at once.
      const closedHere = hub.kick(user_id);
      events.emit("admin_kick", { user_id });
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
      const instances = await cluster.sweep();
      const idempotencyRecords = await store.pruneReceipts();
      log.info("admin.cleanup", {
        user: caller.admin.id,
        instances,
        idempotency_records: idempotencyRecords,
      });
      return Response.json({
        instances_removed: instances,
        idempotency_records_removed: idempotencyRecords,
      });
    },

    async incidentNote(req) {
      const caller = await authorize(req);
      if (!caller.ok) return caller.response;
      // A refused body (413, 400) costs nothing but its few bytes; only notes to store count.
      const parsed = await readJsonBody(req, IncidentNoteBody, NOTE_BODY_BYTES);
      if (!parsed.ok) return parsed.response;
      const waitMs = notesPerAdmin.take(caller.admin.id);
      if (waitMs > 0) {
        return errorResponse(429, "rate_limited", "too many notes; try again later", {
          "retry-after": String(Math.ceil(waitMs / 1_000)),
        });
      }
      const { incident, text } = parsed.body;
      const note = { at: clock.now(), by: caller.admin.name, text };
      let result;
      try {
        result = await incidents.addIncidentNote(incident, note);
      } catch (error) {
        log.error("admin.incident_note_failed", { user: caller.admin.id, error: String(error) });
        return errorResponse(503, "internal", "the note was not stored; try again");
      }
      if (result === "not_found") {
        return errorResponse(404, "bad_request", `no incident ${incident} in the history`);
      }
      if (result === "full") {
        return errorResponse(409, "bad_request", `incident ${incident} has its most notes already`);
      }
      log.info("admin.incident_note", { user: caller.admin.id, incident });
      return Response.json({ incident, note });
    },

    stop: stopKicks,
  };
}
