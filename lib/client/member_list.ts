/**
 * The searchable list of who is in a room. In a room the client holds
 * completely (`presenceComplete`), it is the presence list itself, filtered by
 * the search and sorted by name, live as people come and go. In a big room,
 * where the server sends only a count, it starts as the first page `joined`
 * listed and is read from the server in pages after it (`members`, `prefix`
 * for the search): `more()` asks for the next page,
 * `search()` starts again from the first, and `refresh()` reads the first page
 * anew (when the list is opened). A page of an earlier reading is dropped.
 *
 * The order is the server's: case-insensitive name first, then the exact name.
 *
 * @example
 * ```ts
 * const members = createMemberList({ presence, complete, online, request: (asked) => send(asked) });
 * members.search("ad"); // big room: asks { prefix: "ad" }; small: filters at once
 * members.users.value; // [{ id: "u1", name: "ada" }, …]
 * members.applyPage(reply, { query: "ad", reading: 1 });
 * members.more(); // asks { prefix: "ad", after: <last name> } while hasMore
 * ```
 */
import { computed, type ReadonlySignal, signal } from "@preact/signals";
import type { PublicUser, ServerFrameOf } from "../protocol/mod.ts";

/**
 * A page asked of the server: the search it is for, the name it starts after,
 * and which reading of the list it belongs to (each `search` and `refresh`
 * starts a new one).
 */
export interface MembersQuery {
  query: string;
  after?: string;
  reading: number;
}

/** What a UI renders of a room's member list. */
export interface MemberListView {
  /** The search typed (a name prefix, case-insensitive); empty: everyone. */
  readonly query: ReadonlySignal<string>;
  /** The people shown, by name. */
  readonly users: ReadonlySignal<readonly PublicUser[]>;
  /** Whether the server has more pages of this search. */
  readonly hasMore: ReadonlySignal<boolean>;
  /** Whether a page is on its way. */
  readonly loading: ReadonlySignal<boolean>;
  search(query: string): void;
  more(): void;
  refresh(): void;
}

/** The member list of one room, fed the server's pages. */
export interface MemberList extends MemberListView {
  /** A `members` reply to the page `asked` for. */
  applyPage(frame: ServerFrameOf<"members">, asked: MembersQuery): void;
  /** The page `asked` for will not come: the server refused it. */
  pageLost(asked: MembersQuery): void;
  /** The connection ended: no page asked for will come. */
  connectionLost(): void;
}

/** Options of {@linkcode createMemberList}. */
export interface MemberListOptions {
  /** Who the client knows is online. */
  presence: ReadonlySignal<readonly PublicUser[]>;
  /** Whether `presence` is everyone (else it is the first page, and the rest is read in pages). */
  complete: ReadonlySignal<boolean>;
  /** How many are online. */
  online: ReadonlySignal<number>;
  /** Sends a `members` request; false if it could not go out. */
  request(asked: MembersQuery): boolean;
}

const byName = (a: PublicUser, b: PublicUser) => {
  const [x, y] = [a.name.toLowerCase(), b.name.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
};

/** Creates an empty {@linkcode MemberList}. */
export function createMemberList(options: MemberListOptions): MemberList {
  const { presence, complete, online, request } = options;
  const query = signal("");
  /** The pages read; null: none yet, the first page is what `joined` listed. */
  const loaded = signal<readonly PublicUser[] | null>(null);
  const next = signal<string | null>(null);
  const loading = signal(false);
  let reading = 0;

  const ask = (after?: string) => {
    if (complete.peek()) return;
    if (after === undefined) reading++;
    loading.value = request({ query: query.peek(), after, reading });
  };

  const users = computed(() => {
    if (!complete.value) return loaded.value ?? presence.value;
    const prefix = query.value.toLowerCase();
    return presence.value.filter((user) => user.name.toLowerCase().startsWith(prefix))
      .sort(byName);
  });

  return {
    query,
    users,
    hasMore: computed(() => {
      if (complete.value) return false;
      if (loaded.value === null) return online.value > presence.value.length;
      return next.value !== null;
    }),
    loading,
    search(text) {
      query.value = text.trim();
      loaded.value = [];
      next.value = null;
      ask();
    },
    more() {
      const after = loaded.peek() === null ? presence.peek().at(-1)?.name ?? null : next.peek();
      if (after !== null && !loading.peek()) ask(after);
    },
    refresh() {
      ask();
    },
    applyPage(frame, asked) {
      if (asked.reading !== reading) return;
      loading.value = false;
      const before = loaded.peek() ?? presence.peek();
      loaded.value = asked.after === undefined ? frame.users : [...before, ...frame.users];
      next.value = frame.next;
    },
    pageLost(asked) {
      if (asked.reading === reading) loading.value = false;
    },
    connectionLost() {
      loading.value = false;
    },
  };
}
