/**
 * The contract every {@linkcode Accounts} store passes, for what the second
 * edition added: guests holding their name while active (against other guests
 * and new accounts, look-alikes included), finding people by name, and
 * changing a password. An engine's test file runs it with a factory giving a
 * fresh, empty store whose guests hold their names for `HOLD_MS`:
 *
 * @example
 * ```ts
 * accountsStoreContract("kv", async (guestHoldMs) => {
 *   const kv = await Deno.openKv(":memory:");
 *   return { accounts: createAccounts(kv, { guestHoldMs }), close: () => kv.close() };
 * });
 * ```
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { type Accounts, verifyPassword } from "../../lib/server/accounts/mod.ts";

/** A fresh store. */
export interface AccountsStoreFixture {
  accounts: Accounts;
  close(): Promise<void> | void;
}

/** How long guests hold their names in these tests. */
export const HOLD_MS = 60_000;

const NOW = 1_800_000_000_000;
const PASSWORD = "correct horse battery";

/** Registers the accounts store contract's tests for one engine. */
export function accountsStoreContract(
  engine: string,
  setup: (guestHoldMs: number) => Promise<AccountsStoreFixture>,
): void {
  const test = (name: string, fn: (accounts: Accounts) => Promise<void>) =>
    Deno.test(`accounts store (${engine}): ${name}`, async () => {
      const fixture = await setup(HOLD_MS);
      try {
        await fn(fixture.accounts);
      } finally {
        await fixture.close();
      }
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
