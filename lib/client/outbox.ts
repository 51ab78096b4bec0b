/**
 * The outbox: every `send` waits here, persisted, until the server acks its
 * `cid`. After a reconnect — or a page reload — the pending entries are sent
 * again in their original order; the server answers a repeated `cid` with the
 * same `ack` and no second message, so nothing is lost and nothing doubles.
 * An entry transmitted `maxTries` times without an ack becomes `failed` and
 * waits for {@linkcode Outbox.retry} or {@linkcode Outbox.discard}.
 *
 * @example
 * ```ts
 * const outbox = createOutbox({ store: createMemoryOutboxStore(), clock });
 * const entry = outbox.add("general", "hi");
 * if (outbox.beginSend(entry.cid)) transport.send({ type: "send", ...entry });
 * outbox.ack(entry.cid); // gone from the outbox and the store
 * ```
 */
import { computed, type ReadonlySignal, signal } from "@preact/signals";
import type { Clock } from "../time/clock.ts";
import type { OutboxEntry, OutboxStore } from "./outbox_store.ts";

/** Options of {@linkcode createOutbox}. */
export interface OutboxOptions {
  store: OutboxStore;
  clock: Clock;
  /** Transmissions without an ack before an entry fails. Default 5. */
  maxTries?: number;
  /** Makes the `cid` of a new entry. Default `crypto.randomUUID`. */
  createId?: () => string;
  /** Reports a store that failed to load or write; the outbox keeps working in memory. */
  onError?: (error: unknown) => void;
}

/** Unacknowledged sends in send order. */
export interface Outbox {
  readonly entries: ReadonlySignal<readonly OutboxEntry[]>;
  readonly size: ReadonlySignal<number>;
  /** Resolves when the stored entries have been loaded (even if loading failed). */
  readonly ready: Promise<void>;
  add(room: string, text: string): OutboxEntry;
  get(cid: string): OutboxEntry | undefined;
  /** The pending entries of `room`, in send order. */
  pendingIn(room: string): OutboxEntry[];
  /** Rooms with pending entries. */
  pendingRooms(): string[];
  /** Counts a transmission. False when the entry is not pending or just ran out of tries. */
  beginSend(cid: string): boolean;
  /** Removes an acknowledged entry and returns it. */
  ack(cid: string): OutboxEntry | undefined;
  /** Marks an entry failed, e.g. after an unrecoverable `error` reply. */
  fail(cid: string, error: string): void;
  /** Makes a failed entry pending again, with fresh tries. */
  retry(cid: string): boolean;
  discard(cid: string): boolean;
  /** Drops every entry of `room`: it can no longer be sent there (the membership ended). */
  discardRoom(room: string): void;
  /** Resolves when every write so far has reached the store. */
  flushed(): Promise<void>;
}

/** Creates an {@linkcode Outbox} and starts loading the stored entries. */
export function createOutbox(options: OutboxOptions): Outbox {
  const {
    store,
    clock,
    maxTries = 5,
    createId = () => crypto.randomUUID(),
    onError = () => {},
  } = options;
  const entries = signal<readonly OutboxEntry[]>([]);
  let nextOrder = 1;
  let writes = Promise.resolve();

  const persist = (write: () => Promise<void>) => {
    writes = writes.then(write).catch(onError);
  };

  const get = (cid: string) => entries.peek().find((entry) => entry.cid === cid);

  const update = (cid: string, change: Partial<OutboxEntry>): OutboxEntry | undefined => {
    const current = get(cid);
    if (!current) return undefined;
    const updated = { ...current, ...change };
    entries.value = entries.peek().map((entry) => entry.cid === cid ? updated : entry);
    persist(() => store.put(updated));
    return updated;
  };

  const remove = (cid: string): OutboxEntry | undefined => {
    const current = get(cid);
    if (!current) return undefined;
    entries.value = entries.peek().filter((entry) => entry.cid !== cid);
    persist(() => store.delete(cid));
    return current;
  };

  // Entries added before the load finished were made after the stored ones,
  // so they move behind them, renumbered to keep that order across reloads.
  const ready = store.load().then((stored) => {
    const current = entries.peek();
    const known = new Set(current.map((entry) => entry.cid));
    const loaded = stored.filter((entry) => !known.has(entry.cid))
      .sort((a, b) => a.order - b.order);
    nextOrder = Math.max(0, ...loaded.map((entry) => entry.order)) + 1;
    const renumbered = current.map((entry) => ({ ...entry, order: nextOrder++ }));
    entries.value = [...loaded, ...renumbered];
    for (const entry of renumbered) persist(() => store.put(entry));
  }).catch(onError);

  return {
    entries,
    size: computed(() => entries.value.length),
    ready,
    add(room, text) {
      const entry: OutboxEntry = {
        cid: createId(),
        room,
        text,
        createdAt: clock.now(),
        order: nextOrder++,
        tries: 0,
        status: "pending",
        error: null,
      };
      entries.value = [...entries.peek(), entry];
      persist(() => store.put(entry));
      return entry;
    },
    get,
    pendingIn: (room) =>
      entries.peek().filter((entry) => entry.room === room && entry.status === "pending"),
    pendingRooms: () => [
      ...new Set(
        entries.peek().filter((entry) => entry.status === "pending").map((entry) => entry.room),
      ),
    ],
    beginSend(cid) {
      const entry = get(cid);
      if (entry?.status !== "pending") return false;
      if (entry.tries >= maxTries) {
        update(cid, { status: "failed", error: `not acknowledged after ${maxTries} tries` });
        return false;
      }
      update(cid, { tries: entry.tries + 1 });
      return true;
    },
    ack: remove,
    fail(cid, error) {
      update(cid, { status: "failed", error });
    },
    retry(cid) {
      if (get(cid)?.status !== "failed") return false;
      update(cid, { status: "pending", tries: 0, error: null });
      return true;
    },
    discard: (cid) => remove(cid) !== undefined,
    discardRoom(room) {
      for (const entry of entries.peek()) if (entry.room === room) remove(entry.cid);
    },
    flushed: () => writes,
  };
}
