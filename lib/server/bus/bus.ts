/**
 * The bus of one isolate: what the `local` cluster engine carries between the
 * isolates of one process over a `BroadcastChannel` named after the
 * namespace. Two kinds of traffic ride it:
 *
 * - committed messages: {@linkcode Bus.publish} hands a message to the room's
 *   feed here directly and posts it to the sibling isolates, whose feeds fill
 *   whatever a post dropped or reordered from the log (`room_feed.ts`), since
 *   the log is the truth;
 * - events by topic: to every isolate on the channel, this one included
 *   ({@linkcode Bus.emit}), or to one of them ({@linkcode Bus.sendTo}, which
 *   every isolate receives and only the addressee hears).
 *
 * A `BroadcastChannel` reaches the isolates of one process only: on Deno
 * Deploy, or with several processes, the `kv` engine carries the same traffic
 * (`../cluster`). The rest of the server sends and hears events through the
 * typed `EventBus` of `topics.ts`.
 *
 * @example
 * ```ts
 * const bus = createBus({ namespace: "prod", log: store, instance: "a1b2c3d4e5f6" });
 * const unsubscribe = bus.subscribe("general", (message, json) => socket.send(json));
 * const result = await store.commit({ room: "general", user, text: "hi", cid: "c1" });
 * if (result.created) bus.publish(result.message);
 * unsubscribe();
 * await bus.close();
 * ```
 */
import { z } from "zod";
import { Message } from "../../protocol/mod.ts";
import type { MessageLog } from "./room_feed.ts";
import { createRoomSubscriptions } from "./room_subscriptions.ts";
import type { EventChannel } from "./topics.ts";

/** Receives each message of a room once; `json` is the `message` frame, serialized once. */
export type MessageListener = (message: Message, json: string) => void;

/** Receives the data of an event. Validate it: it may come from another isolate. */
export type EventListener = (data: unknown) => void;

/** Options of {@linkcode createBus}. */
export interface BusOptions {
  /** Buses with the same namespace share their channel; different ones never hear each other. */
  namespace: string;
  /** Where feeds read the messages a path did not bring. */
  log: MessageLog;
  /** This isolate's id: events sent to it with `sendTo` are heard here. Default: a random UUID. */
  instance?: string;
  /** A background failure (a log read, a listener); the bus keeps going. */
  onError?: (error: unknown) => void;
}

/** The fan-out of committed messages, as the room layer uses it. */
export interface MessageBus {
  /** Fans out a message that was just committed. */
  publish(message: Message): void;
  /** Listens to a room's messages committed from now on; returns the unsubscribe. */
  subscribe(room: string, listener: MessageListener): () => void;
  /**
   * Resolves when the feed of `room` (or of every room) has handled what it was
   * given. Right after {@linkcode MessageBus.subscribe}, this means the feed
   * knows the head it starts from, so a log read that follows sees at least
   * that head.
   */
  idle(room?: string): Promise<void>;
}

/** The fan-out of one isolate: messages, and events as an untyped channel. */
export interface Bus extends MessageBus, EventChannel {
  /** Sends an event to every listener of `topic` in every isolate, this one included. */
  emit(topic: string, data: unknown): void;
  /** Sends an event to the listeners of `topic` in the isolate `instance` only. */
  sendTo(instance: string, topic: string, data: unknown): void;
  /** Listens to a topic's events; returns the unsubscribe. */
  on(topic: string, listener: EventListener): () => void;
  /** Closes the channel; afterwards the bus does nothing. */
  close(): Promise<void>;
}

const Envelope = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("message"), message: Message }),
  z.object({
    kind: z.literal("event"),
    topic: z.string(),
    data: z.unknown(),
    /** The one isolate that hears it; every isolate when absent. */
    to: z.string().optional(),
  }),
]);
type Envelope = z.infer<typeof Envelope>;

/** Creates a {@linkcode Bus}. */
export function createBus(options: BusOptions): Bus {
  const { log } = options;
  const instance = options.instance ?? crypto.randomUUID();
  const onError = options.onError ?? ((error) => console.error("bus:", error));
  const channel = new BroadcastChannel(`switchboard:${options.namespace}`);
  const rooms = createRoomSubscriptions({ log, onError });
  const topics = new Map<string, Set<EventListener>>();
  let state: "open" | "closed" = "open";

  const dispatchEvent = (topic: string, data: unknown) => {
    for (const listener of topics.get(topic) ?? []) {
      try {
        listener(data);
      } catch (error) {
        onError(error);
      }
    }
  };

  channel.onmessage = (event: MessageEvent) => {
    if (state === "closed") return;
    const parsed = Envelope.safeParse(event.data);
    if (!parsed.success) {
      onError(new Error(`bus: ignored a malformed envelope: ${parsed.error.message}`));
      return;
    }
    const envelope = parsed.data;
    if (envelope.kind === "message") rooms.feed(envelope.message.room)?.offer(envelope.message);
    else if (envelope.to === undefined || envelope.to === instance) {
      dispatchEvent(envelope.topic, envelope.data);
    }
  };

  const post = (envelope: Envelope) => {
    try {
      channel.postMessage(envelope);
    } catch (error) {
      onError(error);
    }
  };

  return {
    publish(message) {
      if (state === "closed") return;
      rooms.feed(message.room)?.offer(message);
      post({ kind: "message", message });
    },

    subscribe: (room, listener) => rooms.subscribe(room, listener),

    emit(topic, data) {
      if (state === "closed") return;
      dispatchEvent(topic, data);
      post({ kind: "event", topic, data });
    },

    sendTo(to, topic, data) {
      if (state === "closed") return;
      if (to === instance) dispatchEvent(topic, data);
      else post({ kind: "event", topic, data, to });
    },

    on(topic, listener) {
      const listeners = topics.get(topic) ?? new Set();
      topics.set(topic, listeners);
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    idle: (room) => rooms.idle(room),

    async close() {
      if (state === "closed") return;
      state = "closed";
      channel.close();
      topics.clear();
      await rooms.close();
    },
  };
}
