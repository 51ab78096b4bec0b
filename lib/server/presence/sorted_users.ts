/**
 * The users online in one room, kept sorted by name as they come and go, so
 * that a page of them (the first `PRESENCE_LIST_MAX` for a `joined`, a
 * `members` page after a name, the names starting with a prefix) is read
 * without sorting or walking the room.
 *
 * The order is case-insensitive first (`toLowerCase`, by UTF-16 code unit, the
 * same on every instance and in every locale), then by the exact name, then by
 * id, so it is total. The users sit in blocks of at most `BLOCK_MAX`, each
 * block sorted and every block before the next: an insert or a removal is two
 * binary searches and a splice within one block, whatever the room's size;
 * finding where a page starts is the same two searches.
 *
 * @example
 * ```ts
 * const users = createSortedUsers();
 * users.add({ id: "u2", name: "Bob" });
 * users.add({ id: "u1", name: "ada" });
 * users.page({ limit: 1 }); // { users: [{ id: "u1", name: "ada" }], next: "ada" }
 * users.page({ after: "ada", limit: 1 }); // { users: [{ id: "u2", name: "Bob" }], next: null }
 * users.page({ prefix: "B", limit: 10 }); // { users: [{ id: "u2", name: "Bob" }], next: null }
 * ```
 */
import type { PublicUser } from "../../protocol/mod.ts";

/** Which users a page holds: those after `after` (a name) whose name starts with `prefix`. */
export interface UsersPageQuery {
  /** Only users sorted after this name (a `next` of the page before). */
  after?: string;
  /** Only names starting with this, case-insensitive. */
  prefix?: string;
  /** At most this many (at least 1). */
  limit: number;
}

/** A page of users and the `after` of the next one (null: this was the last). */
export interface UsersPage {
  users: PublicUser[];
  next: string | null;
}

/** The users of one room, sorted by name. */
export interface SortedUsers {
  readonly size: number;
  /** Adds `user` (the caller adds a user once until it deletes them). */
  add(user: PublicUser): void;
  /** Removes `user`, found by name and id; false if it was not there. */
  delete(user: PublicUser): boolean;
  /**
   * The page `query` asks for, in order. The first page (no `after`, no
   * `prefix`) is the same object until it changes (someone sorted into it or
   * out of it), so what is made of it (a `joined`'s JSON) can be made once:
   * it must not be changed.
   */
  page(query: UsersPageQuery): UsersPage;
}

/** A block is split in two when it grows past this. */
export const BLOCK_MAX = 256;

/** A user with the case-folded name it is sorted by, folded once. */
interface Entry {
  fold: string;
  user: PublicUser;
}

const fold = (name: string) => name.toLowerCase();

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The order of entries: folded name, then exact name, then id. */
function compareEntries(a: Entry, b: Entry): number {
  return compareText(a.fold, b.fold) || compareText(a.user.name, b.user.name) ||
    compareText(a.user.id, b.user.id);
}

/** The first index of `items` for which `before` is false (`before` holds for a prefix of them). */
function firstNotBefore<T>(items: readonly T[], before: (item: T) => boolean): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (before(items[middle])) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Creates an empty {@linkcode SortedUsers}. */
export function createSortedUsers(): SortedUsers {
  const blocks: Entry[][] = [];
  let size = 0;
  /**
   * The first page last read, until it changes; with the entry just past it,
   * if any: whoever sorts after that one is added or deleted without changing it.
   */
  let first: { limit: number; page: UsersPage; following: Entry | undefined } | undefined;
  /** Forgets the first page unless `entry`, added or deleted, sorts past it. */
  const changed = (entry: Entry) => {
    if (first?.following && compareEntries(entry, first.following) > 0) return;
    first = undefined;
  };

  /** Where the first entry for which `before` is false is, or would go: block and offset. */
  const locate = (before: (entry: Entry) => boolean): [number, number] => {
    const block = firstNotBefore(blocks, (entries) => before(entries[entries.length - 1]));
    if (block === blocks.length) return [block, 0];
    return [block, firstNotBefore(blocks[block], before)];
  };

  const beforeEntry = (target: Entry) => (entry: Entry) => compareEntries(entry, target) < 0;

  return {
    get size() {
      return size;
    },

    add(user) {
      const entry = { fold: fold(user.name), user };
      size++;
      changed(entry);
      if (blocks.length === 0) return void blocks.push([entry]);
      let [block, offset] = locate(beforeEntry(entry));
      // Past every block: it goes at the end of the last one.
      if (block === blocks.length) [block, offset] = [block - 1, blocks[block - 1].length];
      const entries = blocks[block];
      entries.splice(offset, 0, entry);
      if (entries.length > BLOCK_MAX) {
        blocks.splice(block + 1, 0, entries.splice(entries.length >>> 1));
      }
    },

    delete(user) {
      const target = { fold: fold(user.name), user };
      const [block, offset] = locate(beforeEntry(target));
      const entries = blocks[block];
      if (!entries || offset === entries.length || entries[offset].user.id !== user.id) {
        return false;
      }
      entries.splice(offset, 1);
      if (entries.length === 0) blocks.splice(block, 1);
      size--;
      changed(target);
      return true;
    },

    page(query) {
      const isFirst = query.after === undefined && !query.prefix;
      if (isFirst && first?.limit === query.limit) return first.page;
      const { page, following } = readPage(query);
      if (isFirst) first = { limit: query.limit, page, following };
      return page;
    },
  };

  /** The page `query` asks for, read from the blocks, and the entry just past it (if any). */
  function readPage(
    { after, prefix = "", limit: asked }: UsersPageQuery,
  ): { page: UsersPage; following: Entry | undefined } {
    const limit = Math.max(1, asked);
    const wanted = fold(prefix);
    const afterFold = after === undefined ? undefined : fold(after);
    // Sorted before the page: past `after` (by name, whatever the id), and below the prefix.
    const before = (entry: Entry) =>
      entry.fold < wanted ||
      (afterFold !== undefined &&
        (compareText(entry.fold, afterFold) || compareText(entry.user.name, after!)) <= 0);
    let [block, offset] = locate(before);
    const users: PublicUser[] = [];
    /** The first entry that did not fit, if any. */
    let following: Entry | undefined;
    for (; block < blocks.length && !following; block++, offset = 0) {
      const entries = blocks[block];
      for (; offset < entries.length; offset++) {
        if (!entries[offset].fold.startsWith(wanted)) {
          return { page: { users, next: null }, following: entries[offset] };
        }
        if (users.length === limit) {
          following = entries[offset];
          break;
        }
        users.push(entries[offset].user);
      }
    }
    if (!following) return { page: { users, next: null }, following };
    // The next page starts after a name: one shared across the cut would lose its rest.
    const { name } = following.user;
    while (users.length > 1 && users[users.length - 1].name === name) users.pop();
    return { page: { users, next: users[users.length - 1].name }, following };
  }
}
