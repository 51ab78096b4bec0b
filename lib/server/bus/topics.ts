/**
 * Every event the instances tell each other, named once with its payload's
 * schema and how it travels. The cluster's engines carry events as opaque
 * JSON under a topic name; an {@linkcode EventBus} types both ends by topic:
 * `emit` and `sendTo` take only the topic's payload, and a listener hears only
 * payloads that parse with the topic's schema (another instance may run
 * another version, or send garbage).
 *
 * | topic | payload | delivery | sent when | heard by |
 * | --- | --- | --- | --- | --- |
 * | `typing` | `{ room, user }` | ephemeral | a member types in a room (once a second per user and room) | the room service: the room's members |
 * | `room_closed` | `{ room }` | reliable | an admin closed a room | room closures: the members leave |
 * | `signed_out` | `{ login_id, until }` | reliable | a sign-in signed out | sign-outs: its tokens stop verifying, its sockets close |
 * | `account_signed_out` | `{ user_id, except_login, issued_before, until }` | reliable | an account's password changed | sign-outs: its other sign-ins' tokens stop verifying, their sockets close |
 * | `membership_changed` | `{ user_id, room, joined, reason }` | reliable | a user's membership of a room began or ended | the room service: their connections leave the room when it ended; user notices: every connection of theirs hears `membership` |
 * | `members_joined` | `{ room, user_ids }` | reliable | users' memberships of a room began (those that began together, up to 100) | user notices: every connection of each hears `membership` |
 * | `invitation` | `{ user_id, room, by }` | reliable | a member invited someone to a room | user notices: every connection of the invited user hears `invitation` |
 * | `read_moved` | `{ user_id, room, seq, session }` | reliable | an account's read position in a room moved | user notices: the account's other connections hear `read` |
 * | `mention` | `{ user_id, room, seq, by, text }` | reliable | a text entry mentioned a member | user notices: every connection of the member hears `mention` |
 * | `admin_kick` | `{ user_id }` | reliable | an admin kicked a user | the admin endpoints: every instance closes the user's sockets |
 * | `fallback.post` | `{ id, from, session, user, body }` | directed | a POST reached another instance than its session's | the fallback relay of the session's instance |
 * | `fallback.post.delivered` | `{ id, delivery }` | directed | the owner handed the POST to its session | the relay of the instance that forwarded it |
 *
 * Deliveries: `ephemeral` events go to every instance and may be dropped
 * under pressure (best-effort); `reliable` ones go to every instance and are
 * never dropped by the sender; `directed` ones go to one instance
 * (`sendTo`), reliably. Presence, connection counts and metrics snapshots are
 * not events but shares (`../cluster`): state each instance owns, counted
 * while it lives.
 *
 * @example
 * ```ts
 * const events = createEventBus(channel);
 * const stop = events.on("room_closed", ({ room }) => evictMembers(room)); // `room` is a string
 * events.emit("room_closed", { room: "random" });
 * events.emit("room_closed", { name: "random" }); // a type error
 * events.sendTo(owner, "fallback.post.delivered", { id, delivery: "accepted" });
 * stop();
 * ```
 */
import { z } from "zod";
import { PublicUser, RoomName } from "../../protocol/mod.ts";

/**
 * The most of a message's text a `mention` event carries (UTF-16 units): a
 * notification shows the start of a message, and the event stays small.
 */
export const MENTION_TEXT_MAX = 200;

/** How a topic's events travel: see the module's table. */
export type Delivery = "ephemeral" | "reliable" | "directed";

/** What the owner of a fallback session did with a POST forwarded to it (`unknown`: no such session). */
export const RELAYED_DELIVERIES = [
  "accepted",
  "forbidden",
  "closing",
  "too_large",
  "unknown",
] as const;

/** Most users one `members_joined` event names. */
export const MEMBERS_JOINED_MAX = 100;

const topic = <S extends z.ZodType, D extends Delivery>(schema: S, delivery: D) => ({
  schema,
  delivery,
});

/** Every topic: the schema of its payload and its delivery. */
export const TOPICS = {
  typing: topic(z.object({ room: RoomName, user: PublicUser }), "ephemeral"),
  room_closed: topic(z.object({ room: RoomName }), "reliable"),
  signed_out: topic(z.object({ login_id: z.string().max(64), until: z.number() }), "reliable"),
  account_signed_out: topic(
    z.object({
      user_id: z.string().max(256),
      except_login: z.string().max(64).nullable(),
      issued_before: z.number(),
      until: z.number(),
    }),
    "reliable",
  ),
  membership_changed: topic(
    z.object({
      user_id: z.string().max(256),
      room: RoomName,
      joined: z.boolean(),
      reason: z.enum(["joined", "left", "removed"]),
    }),
    "reliable",
  ),
  members_joined: topic(
    z.object({
      room: RoomName,
      user_ids: z.array(z.string().max(256)).min(1).max(MEMBERS_JOINED_MAX),
    }),
    "reliable",
  ),
  invitation: topic(
    z.object({ user_id: z.string().max(256), room: RoomName, by: PublicUser }),
    "reliable",
  ),
  read_moved: topic(
    z.object({
      user_id: z.string().max(256),
      room: RoomName,
      seq: z.number().int().nonnegative(),
      session: z.string().max(256),
    }),
    "reliable",
  ),
  mention: topic(
    z.object({
      user_id: z.string().max(256),
      room: RoomName,
      seq: z.number().int().nonnegative(),
      by: PublicUser,
      text: z.string().max(MENTION_TEXT_MAX),
    }),
    "reliable",
  ),
  admin_kick: topic(z.object({ user_id: z.string().max(256) }), "reliable"),
  "fallback.post": topic(
    z.object({
      id: z.string().max(64),
      /** The instance that forwarded it, where the answer goes. */
      from: z.string().max(64),
      session: z.string().max(256),
      user: z.string().max(256),
      body: z.string().nullable(),
    }),
    "directed",
  ),
  "fallback.post.delivered": topic(
    z.object({ id: z.string().max(64), delivery: z.enum(RELAYED_DELIVERIES) }),
    "directed",
  ),
} as const;

/** A topic's name. */
export type Topic = keyof typeof TOPICS;

/** The topics sent to every instance. */
export type BroadcastTopic = {
  [T in Topic]: typeof TOPICS[T]["delivery"] extends "directed" ? never : T;
}[Topic];

/** The topics sent to one instance. */
export type DirectedTopic = Exclude<Topic, BroadcastTopic>;

/** The payload of a topic's events. */
export type TopicEvent<T extends Topic> = z.infer<typeof TOPICS[T]["schema"]>;

/**
 * What carries events: a cluster engine (the local engine's {@linkcode Bus},
 * the kv engine's stream and mailboxes), or a test's stand-in. It knows no
 * topics.
 */
export interface EventChannel {
  /**
   * Sends to every instance, this one included (synchronously here); an
   * `ephemeral` event may be dropped when the engine is behind.
   */
  emit(topic: string, data: unknown, options?: { ephemeral?: boolean }): void;
  /** Sends to the instance `instance` only (this one: synchronously). */
  sendTo(instance: string, topic: string, data: unknown): void;
  on(topic: string, listener: (data: unknown) => void): () => void;
}

/** Events between instances, typed by topic. */
export interface EventBus {
  /** Sends `event` to every listener of `topic` in every instance, this one included. */
  emit<T extends BroadcastTopic>(topic: T, event: TopicEvent<T>): void;
  /** Sends `event` to the listeners of `topic` in the instance `instance`. */
  sendTo<T extends DirectedTopic>(instance: string, topic: T, event: TopicEvent<T>): void;
  /** Listens to `topic`'s events that parse with its schema; returns the unsubscribe. */
  on<T extends Topic>(topic: T, listener: (event: TopicEvent<T>) => void): () => void;
}

/**
 * The {@linkcode EventBus} over a channel.
 *
 * @example
 * ```ts
 * const events = createEventBus(cluster.channel);
 * ```
 */
export function createEventBus(channel: EventChannel): EventBus {
  return {
    emit: (topic, event) =>
      channel.emit(topic, event, { ephemeral: TOPICS[topic].delivery === "ephemeral" }),
    sendTo: (instance, topic, event) => channel.sendTo(instance, topic, event),
    on<T extends Topic>(topic: T, listener: (event: TopicEvent<T>) => void) {
      const schema: z.ZodType = TOPICS[topic].schema;
      return channel.on(topic, (data) => {
        const parsed = schema.safeParse(data);
        // TOPICS[topic] parsed it, so it is TopicEvent<T>; TypeScript cannot follow a generic index.
        if (parsed.success) listener(parsed.data as TopicEvent<T>);
      });
    },
  };
}
