/**
 * Reads this instance's mail (`cluster_mail` rows addressed to it, written by
 * the others' outboxes): taken and deleted in one statement, at most
 * {@linkcode TAKE_LIMIT} at a time, handed over in order of sender and the
 * sender's mail seq (so one sender's mails arrive in the order sent). Its own
 * mail channel wakes it; one read runs at a time, and a wake during a read
 * makes it read once more.
 *
 * @example
 * ```ts
 * const mailbox = createPgMailbox({ sql, instance, onMail: (topic, data) => dispatch(topic, data), onError });
 * mailbox.wake(); // a notification on this instance's mail channel
 * ```
 */
import type { Sql } from "../../postgres/mod.ts";
import { type CoalescedRun, createCoalescedRun } from "../coalesced_run.ts";
import type { Mail } from "../outbox_queue.ts";

/** Options of {@linkcode createPgMailbox}. */
export interface PgMailboxOptions {
  sql: Sql;
  instance: string;
  onMail(topic: string, data: unknown): void;
  onError(error: unknown): void;
}

/** Most mails one statement takes. */
const TAKE_LIMIT = 200;

/** Creates the mailbox reader of one instance. */
export function createPgMailbox(options: PgMailboxOptions): CoalescedRun {
  const { sql, instance, onMail, onError } = options;

  /** Takes one statement's worth; true when there may be more. */
  const takeOnce = async (): Promise<boolean> => {
    const rows = await sql<{ sender: string; mail_seq: number; mail: string }[]>`
      delete from cluster_mail where (sender, mail_seq) in (
        select sender, mail_seq from cluster_mail where recipient = ${instance}
        order by sender, mail_seq limit ${TAKE_LIMIT})
      returning sender, mail_seq, mail`;
    rows.sort((a, b) =>
      a.sender < b.sender ? -1 : a.sender > b.sender ? 1 : a.mail_seq - b.mail_seq
    );
    for (const row of rows) {
      try {
        const mail = JSON.parse(row.mail) as Mail;
        if (typeof mail?.topic === "string") onMail(mail.topic, mail.data);
      } catch (error) {
        onError(error);
      }
    }
    return rows.length === TAKE_LIMIT;
  };

  return createCoalescedRun(async () => {
    while (await takeOnce()) {
      // More than one statement's worth was waiting.
    }
  }, onError);
}
