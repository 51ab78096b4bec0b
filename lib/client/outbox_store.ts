/**
 * Where unacknowledged sends survive a page reload: IndexedDB in browsers
 * (through `idb-keyval`), `localStorage` where IndexedDB is unavailable, memory
 * elsewhere (and in tests). One small interface, keyed by `cid`, so an entry is
 * stored at most once. Whatever a store gives back is checked first: another
 * version of the page, or a person, may have written it.
 *
 * @example
 * ```ts
 * const store = createDefaultOutboxStore();
 * await store.put(entry);
 * (await store.load()).length; // 1
 * await store.delete(entry.cid);
 * ```
 */
import { createStore, del, set, values } from "idb-keyval";
import { nullable, number, object, oneOf, string } from "../protocol/check.ts";

/** A send waiting for its `ack`. */
export interface OutboxEntry {
  /** The client id of the send; the server acks a repeated `cid` without a second message. */
  cid: string;
  room: string;
  text: string;
  createdAt: number;
  /** Position in send order; higher is later. */
  order: number;
  /** How many times it was transmitted. */
  tries: number;
  /** `pending` until acked (then it leaves the outbox), `failed` after too many tries. */
  status: "pending" | "failed";
  error: string | null;
}

const checkStoredEntry = object({
  cid: string({ min: 1 }),
  room: string({ min: 1 }),
  text: string({ min: 1 }),
  createdAt: number(),
  order: number(),
  tries: number({ int: true, min: 0 }),
  status: oneOf(["pending", "failed"]),
  error: nullable(string()),
});

/** Keeps only well-formed entries, so a tampered or outdated store cannot break the client. */
function validEntries(values: unknown[]): OutboxEntry[] {
  return values.filter((value): value is OutboxEntry => checkStoredEntry(value) === null);
}

/** Persistence of the outbox. Writes are awaited in order by the outbox. */
export interface OutboxStore {
  load(): Promise<OutboxEntry[]>;
  put(entry: OutboxEntry): Promise<void>;
  delete(cid: string): Promise<void>;
}

/** A store that lives as long as the page (and the default in Deno). */
export function createMemoryOutboxStore(): OutboxStore {
  const entries = new Map<string, OutboxEntry>();
  return {
    load: () => Promise.resolve([...entries.values()].map((entry) => ({ ...entry }))),
    put(entry) {
      entries.set(entry.cid, { ...entry });
      return Promise.resolve();
    },
    delete(cid) {
      entries.delete(cid);
      return Promise.resolve();
    },
  };
}

/** A store in one `localStorage` key holding a JSON object by `cid`. */
export function createLocalStorageOutboxStore(
  storage: Storage = localStorage,
  key = "switchboard.outbox",
): OutboxStore {
  const read = (): Record<string, unknown> => {
    try {
      const value = JSON.parse(storage.getItem(key) ?? "{}");
      return value && typeof value === "object" && !Array.isArray(value) ? value : {};
    } catch {
      return {};
    }
  };
  const write = (entries: Record<string, unknown>) => storage.setItem(key, JSON.stringify(entries));

  return {
    load: () => Promise.resolve(validEntries(Object.values(read()))),
    put(entry) {
      write({ ...read(), [entry.cid]: entry });
      return Promise.resolve();
    },
    delete(cid) {
      const { [cid]: _removed, ...rest } = read();
      write(rest);
      return Promise.resolve();
    },
  };
}

/**
 * A store in the IndexedDB database `databaseName`, object store `outbox`,
 * each entry under its `cid`. (Earlier versions kept the entries in the
 * database `switchboard` with the `cid` inside them as the key, which
 * `idb-keyval` cannot write to: hence a database of its own.)
 */
export function createIndexedDbOutboxStore(databaseName = "switchboard-outbox"): OutboxStore {
  const store = createStore(databaseName, "outbox");
  return {
    load: async () => validEntries(await values(store)),
    put: (entry) => set(entry.cid, entry, store),
    delete: (cid) => del(cid, store),
  };
}

/**
 * IndexedDB if the environment has it, else `localStorage` in a page, else
 * memory: outside a page (Deno) a script must not resend a previous run's messages.
 */
export function createDefaultOutboxStore(): OutboxStore {
  if (typeof indexedDB !== "undefined") return createIndexedDbOutboxStore();
  if (typeof document !== "undefined" && typeof localStorage !== "undefined") {
    return createLocalStorageOutboxStore();
  }
  return createMemoryOutboxStore();
}
