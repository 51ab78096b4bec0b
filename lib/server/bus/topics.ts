/**
 * Every event the isolates tell each other, named once with its payload's
 * schema. The bus carries events as opaque JSON under a topic name; an
 * {@linkcode EventBus} types both ends by topic: `emit` takes only the topic's
 * payload, and a listener hears only payloads that parse with the topic's
 * schema (another isolate may run another version, or send garbage).
 *
 * | topic | payload | sent when | heard by |
 * | --- | --- | --- | --- |
 * | `typing` | `{ room, user }` | a member types in a room | the room service: the room's members |
 * | `presence` | an announcement (`share`, `user` or `sync`) | an isolate's connections in a room change, every few seconds, at start | presence |
 * | `room_closed` | `{ room }` | an admin closed a room | room closures: the members leave |
 * | `signed_out` | `{ login_id, until }` | a sign-in signed out | sign-outs: its tokens stop verifying, its sockets close |
 * | `account_signed_out` | `{ user_id, except_login, issued_before, until }` | an account's password changed | sign-outs: its other sign-ins' tokens stop verifying, their sockets close |
 * | `membership_changed` | `{ user_id, room, joined, reason }` | a user's membership of a room began or ended | the room service: their connections leave the room when it ended; user notices: every connection of theirs hears `membership` |
 * | `invitation` | `{ user_id, room, by }` | a member invited someone to a room | user notices: every connection of the invited user hears `invitation` |
 * | `admin_kick` | `{ user_id }` | an admin kicked a user | the admin endpoints: every isolate closes the user's sockets |
 * | `metrics` | an isolate's metrics snapshot | every few seconds, and when draining | the snapshot publisher: the cluster view |
 * | `fallback.post` | `{ id, session, user, body }` | a POST reached another isolate than its session's | the fallback relay: the session's owner |
 * | `fallback.post.delivered` | `{ id, delivery }` | the owner handed the POST to its session | the relay of the isolate that forwarded it |
 *
 * @example
 * ```ts
 * const events = createEventBus(bus);
 * const stop = events.on("room_closed", ({ room }) => evictMembers(room)); // `room` is a string
 * events.emit("room_closed", { room: "random" });
 * events.emit("room_closed", { name: "random" }); // a type error
 * stop();
 * ```
 */
import { z } from "zod";
import { PublicUser, RoomName } from "../../protocol/mod.ts";
import { IsolateSnapshot } from "../metrics/mod.ts";

/** One user's connections in a room on one isolate. */
export const UserShare = PublicUser.extend({ connections: z.number().int().positive() });
export type UserShare = z.infer<typeof UserShare>;

/** What presence tells the other isolates. */
export const PresenceAnnouncement = z.discriminatedUnion("kind", [
  // An isolate's connections in a room; an empty list withdraws its share.
  z.object({
    kind: z.literal("share"),
    isolate: z.string(),
    room: z.string(),
    users: z.array(UserShare),
  }),
  // One user's connections on an isolate changed; 0 means they have none left there.
  z.object({
    kind: z.literal("user"),
    isolate: z.string(),
    room: z.string(),
    user: PublicUser.extend({ connections: z.number().int().nonnegative() }),
  }),
  // A new isolate asks every peer for its shares, so its view is whole at once.
  z.object({ kind: z.literal("sync"), isolate: z.string() }),
]);
export type PresenceAnnouncement = z.infer<typeof PresenceAnnouncement>;

/** What the owner of a fallback session did with a POST forwarded to it. */
export const RELAYED_DELIVERIES = ["accepted", "forbidden", "closing", "too_large"] as const;

/** Every topic and the schema of its payload. */
export const TOPICS = {
  typing: z.object({ room: RoomName, user: PublicUser }),
  presence: PresenceAnnouncement,
  room_closed: z.object({ room: RoomName }),
  signed_out: z.object({ login_id: z.string().max(64), until: z.number() }),
  account_signed_out: z.object({
    user_id: z.string(),
    except_login: z.string().max(64).nullable(),
    issued_before: z.number(),
    until: z.number(),
  }),
  membership_changed: z.object({
    user_id: z.string(),
    room: RoomName,
    joined: z.boolean(),
    reason: z.enum(["joined", "left", "removed"]),
  }),
  invitation: z.object({ user_id: z.string(), room: RoomName, by: PublicUser }),
  admin_kick: z.object({ user_id: z.string() }),
  metrics: IsolateSnapshot,
  "fallback.post": z.object({
    id: z.string(),
    session: z.string(),
    user: z.string(),
    body: z.string().nullable(),
  }),
  "fallback.post.delivered": z.object({ id: z.string(), delivery: z.enum(RELAYED_DELIVERIES) }),
} as const;

/** A topic's name. */
export type Topic = keyof typeof TOPICS;

/** The payload of a topic's events. */
export type TopicEvent<T extends Topic> = z.infer<typeof TOPICS[T]>;

/**
 * What carries events: a {@linkcode Bus} (every isolate on its channel, this
 * one included), or a test's stand-in. It knows no topics.
 */
export interface EventChannel {
  emit(topic: string, data: unknown): void;
  on(topic: string, listener: (data: unknown) => void): () => void;
}

/** Events between isolates, typed by topic. */
export interface EventBus {
  /** Sends `event` to every listener of `topic` in every isolate, this one included. */
  emit<T extends Topic>(topic: T, event: TopicEvent<T>): void;
  /** Listens to `topic`'s events that parse with its schema; returns the unsubscribe. */
  on<T extends Topic>(topic: T, listener: (event: TopicEvent<T>) => void): () => void;
}

/**
 * The {@linkcode EventBus} over a channel.
 *
 * @example
 * ```ts
 * const events = createEventBus(createBus({ namespace: "prod", log: store, kv }));
 * ```
 */
export function createEventBus(channel: EventChannel): EventBus {
  return {
    emit: (topic, event) => channel.emit(topic, event),
    on<T extends Topic>(topic: T, listener: (event: TopicEvent<T>) => void) {
      const schema: z.ZodType = TOPICS[topic];
      return channel.on(topic, (data) => {
        const parsed = schema.safeParse(data);
        // TOPICS[topic] parsed it, so it is TopicEvent<T>; TypeScript cannot follow a generic index.
        if (parsed.success) listener(parsed.data as TopicEvent<T>);
      });
    },
  };
}
