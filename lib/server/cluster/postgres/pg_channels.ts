/**
 * The `LISTEN` channels of the postgres engine: a fixed four per instance,
 * whatever the number of rooms or instances, all on the one listening
 * connection of its pool (`pg_listener.ts`). A notification only says
 * "look": what changed is read from the tables, so one that is lost (the
 * listening connection broke) costs a delay, never a message.
 *
 * | channel | sent by | payload | the listener |
 * | --- | --- | --- | --- |
 * | `switchboard_room` | every commit to the log, inside its transaction | `"<head> <room>"` | catches the room's feed up to `head` (`pg_feed.ts`) |
 * | `switchboard_stream` | every stream record, inside its transaction | the sender's id | reads the others' streams (`pg_stream_reader.ts`) |
 * | `switchboard_registry` | an instance that starts or says goodbye | its id | lists the instances (`pg_registry.ts`) |
 * | `switchboard_mail_<id>` | every mail to `id`, inside its transaction | the sender's id | `id` alone reads its mail (`pg_mailbox.ts`) |
 *
 * Payloads stay far below PostgreSQL's 8 000 bytes: a room name is at most
 * 64 characters (`lib/protocol`) and an instance id 12.
 *
 * @example
 * ```ts
 * parseHeadNotice("17 general"); // { room: "general", head: 17 }
 * mailChannel("a1b2c3d4e5f6"); // "switchboard_mail_a1b2c3d4e5f6"
 * ```
 */

export const ROOM_CHANNEL = "switchboard_room";
export const STREAM_CHANNEL = "switchboard_stream";
export const REGISTRY_CHANNEL = "switchboard_registry";

/** The channel of `instance`'s mailbox (an id is 12 hex digits, so the name is a plain identifier). */
export function mailChannel(instance: string): string {
  return `switchboard_mail_${instance}`;
}

/** A room commit's notice: the room and its head after the commit. */
export interface HeadNotice {
  room: string;
  head: number;
}

/** Reads a `switchboard_room` payload; null when it is not one. */
export function parseHeadNotice(payload: string): HeadNotice | null {
  const space = payload.indexOf(" ");
  if (space < 1) return null;
  const head = Number(payload.slice(0, space));
  const room = payload.slice(space + 1);
  return Number.isSafeInteger(head) && head > 0 && room ? { room, head } : null;
}
