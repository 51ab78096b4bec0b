/**
 * The contracts of the stores accounts and sign-ins keep their records in:
 * {@linkcode AccountStore}, {@linkcode KnownAddresses},
 * {@linkcode MissingAdminNames}, {@linkcode RefreshRecordStore},
 * {@linkcode JwtSecretStore}, {@linkcode SignedOutStore} and
 * {@linkcode ClosedRoomFlags}. An engine's test
 * file runs each with a factory whose `open()` gives a store on one shared,
 * empty database, each through its own connection, as another process would:
 *
 * @example
 * ```ts
 * accountStoreContract("kv", async () => {
 *   const kv = await Deno.openKv(":memory:");
 *   return { open: () => Promise.resolve(createKvAccountStore(kv)), close: () => kv.close() };
 * });
 * ```
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type {
  Account,
  AccountStore,
  KnownAddresses,
  MissingAdminNames,
} from "../../lib/server/accounts/mod.ts";
import type {
  JwtSecretStore,
  RefreshRecord,
  RefreshRecordStore,
  SignedOutStore,
} from "../../lib/server/auth/mod.ts";
import type { ClosedRoomFlags } from "../../lib/server/rooms/mod.ts";

/** Stores of one kind on one shared database. */
export interface StoreFixture<T> {
  /** A store on the shared database, through a connection of its own. */
  open(): Promise<T>;
  close(): Promise<void> | void;
}

type Setup<T> = () => Promise<StoreFixture<T>>;

function contractTest<T>(kind: string, engine: string, setup: Setup<T>) {
  return (name: string, fn: (open: () => Promise<T>) => Promise<void>) =>
    Deno.test(`${kind} (${engine}): ${name}`, async () => {
      const fixture = await setup();
      try {
        await fn(() => fixture.open());
      } finally {
        await fixture.close();
      }
    });
}

function accountNamed(name: string, createdAt = 1_000): Account {
  return {
    id: `user:${name}`,
    name,
    password: { algorithm: "PBKDF2-SHA-256", iterations: 1, salt: "c2FsdA", hash: "aGFzaA" },
    createdAt,
    role: "user",
  };
}

/** Registers the {@linkcode AccountStore} contract for one engine. */
export function accountStoreContract(engine: string, setup: Setup<AccountStore>): void {
  const test = contractTest("account store", engine, setup);

  test("an account is stored with its skeleton, and found by its key", async (open) => {
    const store = await open();
    equal(await store.get("ada"), null);
    equal(await store.insert("ada", "ada-skeleton", accountNamed("Ada")), true);
    deepEqual(await store.get("ada"), accountNamed("Ada"));
    equal(await store.skeletonHolder("ada-skeleton"), "ada");
    equal(await store.skeletonHolder("nobody"), null);
    deepEqual(await (await open()).get("ada"), accountNamed("Ada"), "seen from another connection");
  });

  test("a taken key or a taken skeleton refuses the account, and claims nothing", async (open) => {
    const store = await open();
    ok(await store.insert("ada", "s-ada", accountNamed("ada")));
    equal(await store.insert("ada", "s-other", accountNamed("ada2")), false);
    equal(await store.skeletonHolder("s-other"), null, "the skeleton of a refused account is free");
    equal(await store.insert("bob", "s-ada", accountNamed("bob")), false);
    equal(await store.get("bob"), null, "the key of a refused account is free");
    ok(await store.insert("bob", "s-bob", accountNamed("bob")));
  });

  test("two connections registering one name at once: exactly one gets it", async (open) => {
    const stores = await Promise.all([open(), open(), open()]);
    const results = await Promise.all(
      stores.map((store, index) => store.insert("zed", "s-zed", accountNamed(`zed${index}`))),
    );
    equal(results.filter(Boolean).length, 1);
  });

  test("updates are atomic, even from several connections at once", async (open) => {
    const [first, second] = [await open(), await open()];
    equal(await first.update("ada", (account) => account), null, "no account, no update");
    ok(await first.insert("ada", "s-ada", accountNamed("ada", 0)));
    const bump = (account: Account) => ({ ...account, createdAt: account.createdAt + 1 });
    await Promise.all(
      Array.from({ length: 10 }, (_, index) => (index % 2 ? first : second).update("ada", bump)),
    );
    equal((await first.get("ada"))?.createdAt, 10, "no update was lost");
    const admin = await second.update("ada", (account) => ({ ...account, role: "admin" }));
    equal(admin?.role, "admin");
    equal((await first.get("ada"))?.role, "admin");
  });

  test("skeletons of older accounts are claimed once, the first claim kept; the index is versioned", async (open) => {
    const store = await open();
    ok(await store.insert("ada", "s-ada", accountNamed("ada")));
    ok(await store.insert("bob", "s-bob", accountNamed("bob")));
    await store.claimSkeleton("s-shared", "bob");
    await store.claimSkeleton("s-shared", "ada");
    equal(await store.skeletonHolder("s-shared"), "bob");
    const listed: string[] = [];
    for await (const { key, account } of store.entries()) {
      equal(account.id, `user:${account.name}`);
      listed.push(key);
    }
    deepEqual(listed.sort(), ["ada", "bob"]);
    equal(await store.skeletonsIndexed(1), false);
    await store.markSkeletonsIndexed(1, 5_000);
    equal(await store.skeletonsIndexed(1), true);
    equal(await store.skeletonsIndexed(2), false);
  });
}

/** Registers the {@linkcode KnownAddresses} contract for one engine. */
export function knownAddressesContract(engine: string, setup: Setup<KnownAddresses>): void {
  const test = contractTest("known addresses", engine, setup);

  test("an address that signed in is known to its account only", async (open) => {
    const known = await open();
    equal(await known.has("user:1", "198.51.100.7"), false);
    await known.remember("user:1", "198.51.100.7");
    equal(await known.has("user:1", "198.51.100.7"), true);
    equal(await known.has("user:2", "198.51.100.7"), false);
    equal(await (await open()).has("user:1", "198.51.100.7"), true);
  });

  test("the newest 10 are kept; remembering a known one again changes nothing", async (open) => {
    const known = await open();
    for (let index = 1; index <= 12; index++) await known.remember("user:1", `10.0.0.${index}`);
    await known.remember("user:1", "10.0.0.3");
    const kept = [];
    for (let index = 1; index <= 12; index++) {
      if (await known.has("user:1", `10.0.0.${index}`)) kept.push(index);
    }
    deepEqual(kept, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });
}

/** Registers the {@linkcode MissingAdminNames} contract for one engine. */
export function missingAdminNamesContract(engine: string, setup: Setup<MissingAdminNames>): void {
  const test = contractTest("missing admin names", engine, setup);

  test("the first time a name was missing is kept, whatever its case", async (open) => {
    const missing = await open();
    equal(await missing.since("root"), null);
    await missing.remember("root", 1_000);
    await missing.remember("ROOT", 2_000);
    equal(await missing.since("Root"), 1_000);
    equal(await (await open()).since("root"), 1_000);
    equal(await missing.since("ada"), null);
  });
}

function recordOf(name: string, expiresAt: number): RefreshRecord {
  return { userId: `user:${name}`, name, guest: false, loginId: "l1", expiresAt, createdAt: 0 };
}

/** Registers the {@linkcode RefreshRecordStore} contract for one engine. */
export function refreshRecordStoreContract(
  engine: string,
  setup: Setup<RefreshRecordStore>,
): void {
  const test = contractTest("refresh records", engine, setup);

  test("a record put is read until it is taken; taking answers what it was, once", async (open) => {
    const records = await open();
    equal(await records.get("h1"), null);
    await records.put("h1", recordOf("ada", 10_000), 0);
    deepEqual(await records.get("h1"), recordOf("ada", 10_000));
    deepEqual(await (await open()).get("h1"), recordOf("ada", 10_000));
    await records.put("h1", recordOf("ada", 20_000), 5_000);
    deepEqual(await records.get("h1"), recordOf("ada", 20_000), "put again replaces it");
    deepEqual(await records.take("h1"), recordOf("ada", 20_000));
    equal(await records.take("h1"), null);
    equal(await records.get("h1"), null);
  });

  test("one record's take leaves the others", async (open) => {
    const records = await open();
    await records.put("h1", recordOf("ada", 10_000), 0);
    await records.put("h2", recordOf("bob", 10_000), 0);
    await records.take("h1");
    deepEqual(await records.get("h2"), recordOf("bob", 10_000));
  });
}

/** Registers the {@linkcode JwtSecretStore} contract for one engine. */
export function jwtSecretStoreContract(engine: string, setup: Setup<JwtSecretStore>): void {
  const test = contractTest("jwt secret", engine, setup);

  test("the first secret kept is everyone's, even when they start at once", async (open) => {
    const stores = await Promise.all([open(), open(), open(), open()]);
    const kept = await Promise.all(stores.map((store, index) => store.keep(`secret-${index}`)));
    equal(new Set(kept).size, 1);
    ok(kept[0].startsWith("secret-"));
    equal(await stores[0].keep("later"), kept[0]);
  });
}

/** Registers the {@linkcode ClosedRoomFlags} contract for one engine. */
export function closedRoomFlagsContract(engine: string, setup: Setup<ClosedRoomFlags>): void {
  const test = contractTest("closed room flags", engine, setup);

  test("a closed room is among the closed, for every connection; others are not", async (open) => {
    const flags = await open();
    deepEqual(await flags.closedAmong([]), new Set());
    deepEqual(await flags.closedAmong(["a", "b"]), new Set());
    await flags.close("b", { by: "user:root", at: 1_000 });
    const rooms = Array.from({ length: 25 }, (_, index) => `room-${index}`);
    await flags.close("room-17", { by: "user:root", at: 2_000 });
    deepEqual(await (await open()).closedAmong(["a", "b", ...rooms]), new Set(["b", "room-17"]));
  });
}

/** Registers the {@linkcode SignedOutStore} contract for one engine. */
export function signedOutStoreContract(engine: string, setup: Setup<SignedOutStore>): void {
  const test = contractTest("signed-out store", engine, setup);

  test("a sign-out is live for every connection until its until, then gone", async (open) => {
    const store = await open();
    deepEqual(await store.live(1_000), []);
    await store.keep({ loginId: "login-a", until: 5_000 }, 1_000);
    await store.keep({ loginId: "login-b", until: 2_000 }, 1_000);
    const live = (now: number) =>
      open().then(async (other) => (await other.live(now)).sort((a, b) => a.until - b.until));
    deepEqual(await live(1_500), [
      { loginId: "login-b", until: 2_000 },
      { loginId: "login-a", until: 5_000 },
    ]);
    deepEqual(await live(2_000), [{ loginId: "login-a", until: 5_000 }]);
    deepEqual(await live(5_000), []);
  });

  test("signing out again replaces its until", async (open) => {
    const store = await open();
    await store.keep({ loginId: "login-a", until: 5_000 }, 1_000);
    await store.keep({ loginId: "login-a", until: 9_000 }, 1_000);
    deepEqual(await store.live(6_000), [{ loginId: "login-a", until: 9_000 }]);
  });
}
