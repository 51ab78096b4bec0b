/**
 * The contracts of the stores accounts and sign-ins keep their records in:
 * {@linkcode AccountStore} (and the {@linkcode Accounts} on it),
 * {@linkcode KnownAddresses},
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
import {
  type Account,
  type Accounts,
  type AccountStore,
  createAccounts,
  type KnownAddresses,
  type MissingAdminNames,
  verifyPassword,
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

/** The moment the stores' guest holds are judged at. */
const NOW = 1_800_000_000_000;

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
    equal(await store.insert("ada", "ada-skeleton", accountNamed("Ada"), NOW), true);
    deepEqual(await store.get("ada"), accountNamed("Ada"));
    equal(await store.skeletonHolder("ada-skeleton"), "ada");
    equal(await store.skeletonHolder("nobody"), null);
    deepEqual(await (await open()).get("ada"), accountNamed("Ada"), "seen from another connection");
  });

  test("a taken key or a taken skeleton refuses the account, and claims nothing", async (open) => {
    const store = await open();
    ok(await store.insert("ada", "s-ada", accountNamed("ada"), NOW));
    equal(await store.insert("ada", "s-other", accountNamed("ada2"), NOW), false);
    equal(await store.skeletonHolder("s-other"), null, "the skeleton of a refused account is free");
    equal(await store.insert("bob", "s-ada", accountNamed("bob"), NOW), false);
    equal(await store.get("bob"), null, "the key of a refused account is free");
    ok(await store.insert("bob", "s-bob", accountNamed("bob"), NOW));
  });

  test("two connections registering one name at once: exactly one gets it", async (open) => {
    const stores = await Promise.all([open(), open(), open()]);
    const results = await Promise.all(
      stores.map((store, index) => store.insert("zed", "s-zed", accountNamed(`zed${index}`), NOW)),
    );
    equal(results.filter(Boolean).length, 1);
  });

  test("updates are atomic, even from several connections at once", async (open) => {
    const [first, second] = [await open(), await open()];
    equal(await first.update("ada", (account) => account), null, "no account, no update");
    ok(await first.insert("ada", "s-ada", accountNamed("ada", 0), NOW));
    const bump = (account: Account) => ({ ...account, createdAt: account.createdAt + 1 });
    await Promise.all(
      Array.from({ length: 10 }, (_, index) => (index % 2 ? first : second).update("ada", bump)),
    );
    equal((await first.get("ada"))?.createdAt, 10, "no update was lost");
    const admin = await second.update("ada", (account) => ({ ...account, role: "admin" }));
    equal(admin?.role, "admin");
    equal((await first.get("ada"))?.role, "admin");
  });

  test("an active guest's hold refuses an account of its skeleton, and an account refuses a hold", async (open) => {
    const store = await open();
    const hold = (guestId: string, until: number) => ({ guestId, name: "zed", key: "zed", until });
    ok(await store.holdGuestName("s-zed", hold("guest:1", NOW + 10), NOW));
    deepEqual(await store.guestHold("s-zed"), hold("guest:1", NOW + 10));
    equal(await store.holdGuestName("s-zed", hold("guest:2", NOW + 20), NOW + 5), false);
    ok(await store.holdGuestName("s-zed", hold("guest:1", NOW + 20), NOW + 5), "its own, renewed");
    equal(await store.insert("zed", "s-zed", accountNamed("zed"), NOW + 19), false);
    equal(await store.get("zed"), null);
    ok(await store.holdGuestName("s-zed", hold("guest:2", NOW + 40), NOW + 20), "a lapsed hold");
    await store.releaseGuestName("s-zed", "guest:1");
    equal((await store.guestHold("s-zed"))?.guestId, "guest:2", "another's hold is left alone");
    await store.releaseGuestName("s-zed", "guest:2");
    equal(await store.guestHold("s-zed"), null);
    ok(await store.insert("zed", "s-zed", accountNamed("zed"), NOW + 21));
    equal(await store.holdGuestName("s-zed", hold("guest:3", NOW + 60), NOW + 21), false);
  });

  test("registering and claiming one name from several connections at once: one person gets it", async (open) => {
    const stores = await Promise.all([open(), open(), open(), open()]);
    for (let round = 0; round < 10; round++) {
      const skeleton = `s-race-${round}`;
      const hold = { guestId: `guest:${round}`, name: "zed", key: "zed", until: NOW + 60_000 };
      const outcomes = await Promise.all(
        stores.map((store, index) =>
          index % 2
            ? store.insert(
              `race-${round}-${index}`,
              skeleton,
              accountNamed(`r${round}-${index}`),
              NOW,
            )
            : store.holdGuestName(skeleton, { ...hold, guestId: `guest:${round}-${index}` }, NOW)
        ),
      );
      equal(outcomes.filter(Boolean).length, 1, `round ${round}: ${outcomes}`);
      const [account, guest] = [
        await stores[0].skeletonHolder(skeleton),
        await stores[0].guestHold(skeleton),
      ];
      ok((account === null) !== (guest === null), "an account or a guest, never both");
    }
  });

  test("accounts and guest holds are found by the start of their key, in byte order", async (open) => {
    const store = await open();
    for (const name of ["ada", "adam", "ad_x", "bob", "ad-y"]) {
      ok(await store.insert(name, `s-${name}`, accountNamed(name), NOW));
    }
    deepEqual((await store.accountsFrom("ad", 10)).map((account) => account.name), [
      "ad-y",
      "ad_x",
      "ada",
      "adam",
    ]);
    deepEqual((await store.accountsFrom("ad", 2)).map((account) => account.name), ["ad-y", "ad_x"]);
    deepEqual(await store.accountsFrom("zz", 10), []);
    for (const skeleton of ["g-ab", "g-ac", "g-b"]) {
      const hold = { guestId: `guest:${skeleton}`, name: skeleton, key: skeleton, until: NOW + 1 };
      ok(await store.holdGuestName(skeleton, hold, NOW));
    }
    deepEqual((await store.guestHoldsFrom("g-a", 10)).map((hold) => hold.key), ["g-ab", "g-ac"]);
    deepEqual((await store.guestHoldsFrom("g-", 1)).map((hold) => hold.key), ["g-ab"]);
  });

  test("skeletons of older accounts are claimed once, the first claim kept; the index is versioned", async (open) => {
    const store = await open();
    ok(await store.insert("ada", "s-ada", accountNamed("ada"), NOW));
    ok(await store.insert("bob", "s-bob", accountNamed("bob"), NOW));
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

/** How long guests hold their names in {@linkcode accountsContract}. */
export const HOLD_MS = 60_000;
const PASSWORD = "correct horse battery";

/**
 * Registers, for one engine, the contract of the {@linkcode Accounts} kept in
 * its {@linkcode AccountStore}: guests holding their name while active
 * (against other guests and new accounts, look-alikes included), finding
 * people by name, and changing a password.
 */
export function accountsContract(engine: string, setup: Setup<AccountStore>): void {
  const test = (name: string, fn: (accounts: Accounts) => Promise<void>) =>
    contractTest("accounts", engine, setup)(name, async (open) => {
      await fn(createAccounts(await open(), { guestHoldMs: HOLD_MS }));
    });

  const reason = (outcome: { ok: boolean; reason?: string }) => outcome.ok ? "ok" : outcome.reason;

  test("a guest holds its name against other guests while active, look-alikes too", async (accounts) => {
    deepEqual(await accounts.claimGuestName("zed", "guest:1", NOW), { ok: true, name: "zed" });
    equal(reason(await accounts.claimGuestName("ZED", "guest:2", NOW + 1)), "guest_held");
    equal(reason(await accounts.claimGuestName("lan", "guest:3", NOW)), "ok");
    equal(
      reason(await accounts.claimGuestName("Ian", "guest:4", NOW)),
      "guest_held",
      "looks alike",
    );
    equal(reason(await accounts.claimGuestName("zed", "guest:1", NOW + 2)), "ok", "its own again");
    // Active again just before the hold lapses: held a while longer.
    await accounts.touchGuestName("zed", "guest:1", NOW + HOLD_MS - 1);
    equal(reason(await accounts.claimGuestName("zed", "guest:2", NOW + HOLD_MS)), "guest_held");
    equal(reason(await accounts.claimGuestName("zed", "guest:2", NOW + 2 * HOLD_MS)), "ok");
    // The earlier holder, back too late, does not take it from the new one.
    await accounts.touchGuestName("zed", "guest:1", NOW + 2 * HOLD_MS);
    equal(reason(await accounts.claimGuestName("zed", "guest:1", NOW + 2 * HOLD_MS)), "guest_held");
  });

  test("no account takes an active guest's name; no guest takes an account's", async (accounts) => {
    await accounts.claimGuestName("zed", "guest:1", NOW);
    equal(reason(await accounts.register("Zed", PASSWORD, { now: NOW + 1 })), "guest_held");
    await accounts.releaseGuestName("zed", "guest:1");
    equal(reason(await accounts.register("Zed", PASSWORD, { now: NOW + 2 })), "ok");
    equal(reason(await accounts.claimGuestName("zed", "guest:5", NOW + 3)), "taken");
    equal(reason(await accounts.claimGuestName("2ed", "guest:5", NOW + 3)), "ok");
    equal(reason(await accounts.claimGuestName("ZED", "guest:5", NOW + 3)), "taken");
    equal(reason(await accounts.claimGuestName("zeb", "guest:5", NOW + 3)), "ok");
  });

  test("people are found by name: accounts, and guests while active", async (accounts) => {
    const ada = await accounts.register("Ada", PASSWORD, { now: NOW });
    ok(ada.ok);
    await accounts.claimGuestName("adam", "guest:1", NOW);
    await accounts.claimGuestName("bob", "guest:2", NOW);
    deepEqual(await accounts.resolve("ADA", NOW), {
      id: ada.account.id,
      name: "Ada",
      role: "user",
    });
    deepEqual(await accounts.resolve("adam", NOW), { id: "guest:1", name: "adam", role: "guest" });
    equal(await accounts.resolve("adam", NOW + HOLD_MS), null, "a guest's hold lapsed");
    equal(await accounts.resolve("nobody", NOW), null);
    deepEqual((await accounts.lookup("ad", { limit: 20, now: NOW })).map((user) => user.name), [
      "Ada",
      "adam",
    ]);
    deepEqual((await accounts.lookup("AD", { limit: 1, now: NOW })).map((user) => user.name), [
      "Ada",
    ]);
    deepEqual(await accounts.lookup("ad", { limit: 20, now: NOW + HOLD_MS }), [
      { id: ada.account.id, name: "Ada", role: "user" },
    ]);
  });

  test("a password changes only with the old one, and says which sign-in stays", async (accounts) => {
    const ada = await accounts.register("ada", PASSWORD, { now: NOW });
    ok(ada.ok);
    const { id } = ada.account;
    const change = { oldPassword: "wrong password", newPassword: "new horse battery", now: NOW };
    equal(reason(await accounts.changePassword(id, "ada", change)), "wrong_password");
    equal(reason(await accounts.changePassword("user:other", "ada", change)), "unknown");
    const changed = await accounts.changePassword(id, "ada", {
      ...change,
      oldPassword: PASSWORD,
      keptLogin: "login-1",
      now: NOW + 5,
    });
    ok(changed.ok);
    const stored = await accounts.find("ada");
    equal(stored?.passwordChangedAt, NOW + 5);
    equal(stored?.keptLogin, "login-1");
    ok(await verifyPassword("new horse battery", stored!.password));
    equal(await verifyPassword(PASSWORD, stored!.password), false);
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
