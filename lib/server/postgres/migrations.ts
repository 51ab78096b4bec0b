/**
 * The schema, as numbered migrations the server applies at start. Each
 * migration runs once per database, in order, inside one transaction with
 * the rows of `schema_migrations` that record it; a transaction-level
 * advisory lock makes processes that start at the same moment take turns, so
 * the second finds the work done. A migration once released is never edited:
 * a change is a new one at the end.
 *
 * | table | key | what |
 * | --- | --- | --- |
 * | `schema_migrations` | `version` | the migrations applied, with their names and when |
 * | `room_heads` | `room` | each room's newest seq (the row every commit locks), or a room without messages listed until `unused_until` |
 * | `room_messages` | `(room, seq)` | the kept messages of each room |
 * | `send_receipts` | `(user_id, cid)` | which message a user's cid made, for 24 h (index on `ts` for pruning) |
 * | `room_closures` | `room` | rooms an administrator closed |
 * | `leases` | `name` | who holds each lease, its fencing token and expiry |
 * | `status_buckets` | `(resolution, t)` | the status history's minutes and hours, with their detail apart |
 * | `status_days` | `day` | minutes by status per UTC day |
 * | `status_last_known` | `id` (always 1) | the newest message and delivery recorded |
 * | `status_incidents` | `id` | incidents with their notes (index on `end_at` for reads and pruning) |
 * | `accounts` | `name_key` | registered accounts by their case-folded name (`id` unique) |
 * | `account_skeletons` | `skeleton` | which account's name has this look-alike skeleton |
 * | `account_skeleton_versions` | `version` | skeleton tables every account was indexed under |
 * | `admin_names_missing` | `name_key` | when `ADMIN_USERS` first named a name no account held |
 * | `known_addresses` | `(account_id, address)` | the addresses an account signed in from, the newest (`added`) kept |
 * | `refresh_tokens` | `handle` | refresh tokens by the SHA-256 of their id (index on `expires_at`) |
 * | `server_secrets` | `name` | the generated JWT signing secret, one for every process |
 * | `rate_buckets` | `(name, key)` | the login, guest and registration limits' token buckets, until they are full again (index on `full_at` for pruning) |
 * | `signed_out` | `login_id` | sign-ins whose access tokens must not verify until `until` (index on `until`) |
 * | `guest_names` | `skeleton` | a guest's hold on a name while active (index on `until` for pruning) |
 * | `room_info` | `room` | each room's metadata: public, private or a direct message, its owner, a DM's people |
 * | `room_members` | `(room, user_id)` | who belongs to a room and in what part (index on `(user_id, room)`: the rooms of an account) |
 * | `room_member_counts` | `room` | how many members a room has, moved in the transaction that adds or removes one |
 * | `room_invitations` | `(room, user_id)` | who may join a private room once, until 30 days after `at` (index on `at` for pruning) |
 * | `cluster_instances` | `id` | the postgres cluster engine's heartbeats: a counter each beat moves, and when |
 * | `cluster_stream` | `(sender, seq)` | each instance's events and share changes, seqs rising by 1, pruned after a minute |
 * | `cluster_mail` | `(sender, mail_seq)` | directed events to `recipient` (index), deleted once read |
 * | `cluster_shares` | `(instance, space, key)` | each instance's current share values |
 *
 * `room_messages.user_role` is the author's role (null on messages stored
 * before users carried one), and `accounts` has an index on its names in byte
 * order, for finding people by the start of a name.
 *
 * The cluster tables hold JSON as `text`: `JSON.stringify` escapes U+0000 and
 * lone surrogates, which `jsonb` would refuse.
 *
 * Room names sort by their bytes (`collate "C"`), as the KV store lists them.
 * Times are milliseconds since the epoch in `bigint` columns, on the app's
 * clock (which tests move in virtual time), never the database's `now()`.
 *
 * @example
 * ```ts
 * const applied = await migrate(pg.sql); // [] when the schema is current
 * ```
 */
import type { Sql } from "./connection.ts";

/** One step of the schema. */
export interface Migration {
  /** Its place in the order: 1, 2, 3 … without gaps. */
  version: number;
  /** What it does, in a few words (snake_case). */
  name: string;
  /** The statements, run in one transaction. */
  sql: string;
}

/** The advisory lock migrations take, named so no other user of the database picks it by chance. */
const MIGRATION_LOCK = "switchboard:migrations";

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "message_log",
    sql: `
      create table room_heads (
        room text collate "C" primary key,
        head bigint not null default 0,
        unused_until bigint
      );
      create table room_messages (
        room text collate "C" not null,
        seq bigint not null,
        id text not null,
        cid text not null,
        user_id text not null,
        user_name text not null,
        text text not null,
        ts bigint not null,
        primary key (room, seq)
      );
      create table send_receipts (
        user_id text not null,
        cid text not null,
        room text not null,
        seq bigint not null,
        ts bigint not null,
        primary key (user_id, cid)
      );
      create index send_receipts_ts on send_receipts (ts);
      create table room_closures (
        room text primary key,
        closed_by text not null,
        closed_at bigint not null
      );
    `,
  },
  {
    version: 2,
    name: "leases_and_status_history",
    sql: `
      create table leases (
        name text primary key,
        holder text not null,
        token text not null,
        expires_at bigint not null
      );
      create table status_buckets (
        resolution text not null check (resolution in ('minute', 'hour')),
        t bigint not null,
        bucket jsonb not null,
        detail jsonb not null,
        primary key (resolution, t)
      );
      create table status_days (
        day bigint primary key,
        ok integer not null,
        degraded integer not null,
        down integer not null
      );
      create table status_last_known (
        id integer primary key check (id = 1),
        value jsonb not null
      );
      create table status_incidents (
        id bigint primary key,
        end_at bigint,
        incident jsonb not null
      );
      create index status_incidents_end_at on status_incidents (end_at);
    `,
  },
  {
    version: 3,
    name: "accounts_and_sign_in",
    sql: `
      create table accounts (
        name_key text primary key,
        id text not null unique,
        account jsonb not null
      );
      create table account_skeletons (
        skeleton text primary key,
        name_key text not null
      );
      create table account_skeleton_versions (
        version text primary key,
        indexed_at bigint not null
      );
      create table admin_names_missing (
        name_key text primary key,
        since bigint not null
      );
      create table known_addresses (
        account_id text not null,
        address text not null,
        added bigint generated always as identity,
        primary key (account_id, address)
      );
      create table refresh_tokens (
        handle text primary key,
        record jsonb not null,
        expires_at bigint not null
      );
      create index refresh_tokens_expires_at on refresh_tokens (expires_at);
      create table server_secrets (
        name text primary key,
        value text not null
      );
    `,
  },
  {
    version: 4,
    name: "cluster_buckets_and_sign_outs",
    sql: `
      create table rate_buckets (
        name text collate "C" not null,
        key text collate "C" not null,
        tokens double precision not null,
        at bigint not null,
        full_at bigint not null,
        primary key (name, key)
      );
      create index rate_buckets_full_at on rate_buckets (full_at);
      create table signed_out (
        login_id text primary key,
        until bigint not null
      );
      create index signed_out_until on signed_out (until);
    `,
  },
  {
    version: 5,
    name: "guest_names_and_roles",
    sql: `
      create table guest_names (
        skeleton text collate "C" primary key,
        guest_id text not null,
        hold jsonb not null,
        until bigint not null
      );
      create index guest_names_until on guest_names (until);
      create index accounts_name_key_bytes on accounts ((name_key collate "C"));
      alter table room_messages add column user_role text;
    `,
  },
  {
    version: 6,
    name: "membership",
    sql: `
      create table room_info (
        room text collate "C" primary key,
        info jsonb not null
      );
      create table room_members (
        room text collate "C" not null,
        user_id text collate "C" not null,
        membership jsonb not null,
        primary key (room, user_id)
      );
      create index room_members_by_user on room_members (user_id, room);
      create table room_member_counts (
        room text collate "C" primary key,
        members bigint not null
      );
      create table room_invitations (
        room text collate "C" not null,
        user_id text collate "C" not null,
        invitation jsonb not null,
        at bigint not null,
        primary key (room, user_id)
      );
      create index room_invitations_at on room_invitations (at);
    `,
  },
  {
    version: 7,
    name: "cluster_plane",
    sql: `
      create table cluster_instances (
        id text primary key,
        started_at bigint not null,
        beats bigint not null default 0,
        beat_at bigint not null,
        expiry_ms bigint not null
      );
      create table cluster_stream (
        sender text not null,
        seq bigint not null,
        items text not null,
        at bigint not null,
        primary key (sender, seq)
      );
      create index cluster_stream_at on cluster_stream (at);
      create table cluster_mail (
        sender text not null,
        mail_seq bigint not null,
        recipient text not null,
        mail text not null,
        at bigint not null,
        primary key (sender, mail_seq)
      );
      create index cluster_mail_recipient on cluster_mail (recipient, sender, mail_seq);
      create table cluster_shares (
        instance text not null,
        space text not null,
        key text not null,
        value text not null,
        primary key (instance, space, key)
      );
    `,
  },
];

/**
 * Applies the migrations `sql`'s database lacks, in order, and answers their
 * versions (none when the schema is current). Safe to call from several
 * processes at once: they take turns on an advisory lock.
 */
export async function migrate(
  sql: Sql,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  return await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${MIGRATION_LOCK}))`;
    await tx`
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`;
    const rows = await tx<{ version: number }[]>`select version from schema_migrations`;
    const done = new Set(rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await tx.unsafe(migration.sql);
      await tx`
        insert into schema_migrations (version, name)
        values (${migration.version}, ${migration.name})`;
      applied.push(migration.version);
    }
    return applied;
  });
}
