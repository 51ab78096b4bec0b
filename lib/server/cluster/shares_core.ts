/**
 * The part of {@linkcode KeyedShares} both engines share: this instance's
 * values and when each may be published again, the other instances' values
 * as the transport brings them, and the listeners. An engine supplies only
 * the transport (`publish` out, `receive` in) and says when an instance is
 * gone.
 *
 * A key is published at most once per its space's `minIntervalMs`: a change
 * within the interval waits for its end and goes out as the key's latest
 * value, so a user who reloads a page in a room costs one publication a
 * second at most, however fast they go. Values from other instances are
 * parsed with the space's schema before anyone hears them; a space asked for
 * after values arrived for it parses those then.
 *
 * @example
 * ```ts
 * const core = createSharesCore({ instance, clock, transport: { publish: (space, changes) => send(space, changes) } });
 * const presence = core.space("presence", { schema: Member, minIntervalMs: 1_000 });
 * core.receive("b1c2d3e4f5a6", "presence", [["general user:ada", { name: "ada" }]], { whole: false });
 * presence.others("general user:ada"); // [{ name: "ada" }]
 * ```
 */
import type { z } from "zod";
import type { Clock, TimerId } from "../../time/clock.ts";
import type { KeyedShares, KeyedSharesOptions, ShareChange } from "./cluster.ts";

/** A key and its value (null: removed), as transports carry them. */
export type ShareEntry = [key: string, value: unknown];

/** Where published changes go. */
export interface SharesTransport {
  /** Publishes this instance's changes of one space, in order. */
  publish(space: string, changes: ShareEntry[]): void;
  /** Resolves once everything handed to `publish` so far has gone out. */
  flushed(): Promise<void>;
}

/** Options of {@linkcode createSharesCore}. */
export interface SharesCoreOptions {
  instance: string;
  clock: Clock;
  transport: SharesTransport;
  /** A listener failed; the others still hear the change. */
  onError?: (error: unknown) => void;
}

/** The shares of one instance, every space. */
export interface SharesCore {
  /** The space's shares (created on first use; later options are ignored). */
  space<T>(name: string, options: KeyedSharesOptions<T>): KeyedShares<T>;
  /** This instance's current values of every space, for a peer that asks for all of them. */
  ownSpaces(): Map<string, ShareEntry[]>;
  /**
   * Another instance's changes of a space; `whole`: they are all its values
   * of that space, and any value not among them is gone.
   */
  receive(
    instance: string,
    space: string,
    changes: ShareEntry[],
    options: { whole: boolean },
  ): void;
  /** The spaces in which `instance`'s values are held. */
  spacesOf(instance: string): string[];
  /** Every value of `instance` stops counting. */
  dropInstance(instance: string): void;
  /** Stops the pending publications' timers. */
  close(): void;
}

interface Space {
  schema: z.ZodType;
  minIntervalMs: number;
  own: Map<string, unknown>;
  /** key → when it was last published, oldest first (a key published again moves to the end). */
  publishedAt: Map<string, number>;
  /** Keys waiting for their interval to end. */
  waiting: Map<string, TimerId>;
  listeners: Set<(change: ShareChange<unknown>) => void>;
  /** What `space()` hands out for it. */
  shares?: KeyedShares<unknown>;
}

/** Creates a {@linkcode SharesCore}. */
export function createSharesCore(options: SharesCoreOptions): SharesCore {
  const { instance, clock, transport } = options;
  const onError = options.onError ?? ((error) => console.error("shares:", error));
  const spaces = new Map<string, Space>();
  /** space → instance → key → value (parsed when the space exists, raw before). */
  const remote = new Map<string, Map<string, Map<string, unknown>>>();
  const idle = new Set<() => void>();

  const parsed = (space: Space | undefined, value: unknown): unknown => {
    if (!space || value === null) return value;
    const result = space.schema.safeParse(value);
    return result.success ? result.data : undefined;
  };

  const tell = (space: Space | undefined, change: ShareChange<unknown>) => {
    for (const listener of space?.listeners ?? []) {
      try {
        listener(change);
      } catch (error) {
        onError(error);
      }
    }
  };

  const settleWaiters = () => {
    for (const space of spaces.values()) if (space.waiting.size > 0) return;
    for (const resolve of idle) resolve();
    idle.clear();
  };

  const publishNow = (name: string, space: Space, key: string) => {
    space.waiting.delete(key);
    const now = clock.now();
    space.publishedAt.delete(key);
    space.publishedAt.set(key, now);
    // Forget keys whose interval is over: they may go out at once again.
    for (const [old, at] of space.publishedAt) {
      if (now - at < space.minIntervalMs) break;
      space.publishedAt.delete(old);
    }
    transport.publish(name, [[key, space.own.get(key) ?? null]]);
  };

  const makeSpace = <T>(name: string, spaceOptions: KeyedSharesOptions<T>): KeyedShares<T> => {
    const space: Space = {
      schema: spaceOptions.schema,
      minIntervalMs: spaceOptions.minIntervalMs ?? 0,
      own: new Map(),
      publishedAt: new Map(),
      waiting: new Map(),
      listeners: new Set(),
    };
    spaces.set(name, space);
    // Values that arrived before the space was asked for are parsed now.
    for (const values of remote.get(name)?.values() ?? []) {
      for (const [key, value] of values) {
        const valid = parsed(space, value);
        if (valid === undefined) values.delete(key);
        else values.set(key, valid);
      }
    }
    const shares: KeyedShares<unknown> = {
      set(key, value) {
        if (value === null) space.own.delete(key);
        else space.own.set(key, value);
        if (space.waiting.has(key)) return;
        const last = space.publishedAt.get(key);
        const waitMs = last === undefined ? 0 : last + space.minIntervalMs - clock.now();
        if (waitMs <= 0) return publishNow(name, space, key);
        space.waiting.set(
          key,
          clock.setTimeout(() => {
            publishNow(name, space, key);
            settleWaiters();
          }, waitMs),
        );
      },
      others(key) {
        const values: unknown[] = [];
        for (const held of remote.get(name)?.values() ?? []) {
          const value = held.get(key);
          if (value !== undefined) values.push(value);
        }
        return values;
      },
      onChange(listener) {
        space.listeners.add(listener);
        for (const [other, values] of remote.get(name) ?? []) {
          for (const [key, value] of values) listener({ instance: other, key, value });
        }
        return () => void space.listeners.delete(listener);
      },
      async flushed() {
        if (space.waiting.size > 0) {
          const { promise, resolve } = Promise.withResolvers<void>();
          idle.add(resolve);
          await promise;
        }
        await transport.flushed();
      },
    };
    space.shares = shares;
    // The schema typed every value held, so the space holds `T`s; TypeScript cannot follow it.
    return shares as KeyedShares<T>;
  };

  const dropInstance = (other: string) => {
    for (const [name, byInstance] of remote) {
      const values = byInstance.get(other);
      if (!values) continue;
      byInstance.delete(other);
      for (const key of values.keys()) {
        tell(spaces.get(name), { instance: other, key, value: null });
      }
    }
  };

  return {
    space(name, spaceOptions) {
      // Asked again (another part of the server): the same shares, as the first asker made them.
      const existing = spaces.get(name)?.shares;
      return existing ? existing as KeyedShares<never> : makeSpace(name, spaceOptions);
    },

    ownSpaces() {
      const all = new Map<string, ShareEntry[]>();
      for (const [name, space] of spaces) {
        if (space.own.size > 0) all.set(name, [...space.own]);
      }
      return all;
    },

    receive(other, name, changes, { whole }) {
      if (other === instance) return;
      let byInstance = remote.get(name);
      if (!byInstance) remote.set(name, byInstance = new Map());
      const values = byInstance.get(other) ?? new Map<string, unknown>();
      byInstance.set(other, values);
      const space = spaces.get(name);
      if (whole) {
        const kept = new Set(changes.map(([key]) => key));
        for (const key of [...values.keys()]) {
          if (kept.has(key)) continue;
          values.delete(key);
          tell(space, { instance: other, key, value: null });
        }
      }
      for (const [key, raw] of changes) {
        const value = parsed(space, raw);
        if (value === undefined) continue;
        if (value === null) {
          if (!values.delete(key)) continue;
        } else {
          // A whole share repeats values already held: only a change is news.
          const held = values.get(key);
          values.set(key, value);
          if (held !== undefined && JSON.stringify(held) === JSON.stringify(value)) continue;
        }
        tell(space, { instance: other, key, value });
      }
      if (values.size === 0) byInstance.delete(other);
    },

    spacesOf: (other) =>
      [...remote].filter(([, byInstance]) => byInstance.has(other)).map(([name]) => name),

    dropInstance,

    close() {
      for (const space of spaces.values()) {
        for (const timer of space.waiting.values()) clock.clearTimeout(timer);
        space.waiting.clear();
      }
      settleWaiters();
    },
  };
}
