/**
 * Reads this instance's mailbox (`["cluster", "mail", instance]`, written by
 * the others' outboxes): every whole mail in key order (by sender, then by the
 * sender's seq, so one sender's mails arrive in the order sent), handed over,
 * then deleted. Its own mailbox signal wakes it; one read runs at a time, and
 * a wake during a read makes it read once more. A mail is handed over once
 * even if its deletion has to be tried again.
 *
 * @example
 * ```ts
 * const mailbox = createKvMailbox({ kv, instance, onMail: (topic, data) => dispatch(topic, data), onError });
 * mailbox.wake(); // the mailbox signal moved
 * ```
 */
import type { Mail } from "../outbox_queue.ts";
import { mailPrefix } from "./kv_keys.ts";
import { readWholes } from "./kv_parts.ts";
import { createCoalescedRun } from "../coalesced_run.ts";

/** Options of {@linkcode createKvMailbox}. */
export interface KvMailboxOptions {
  kv: Deno.Kv;
  instance: string;
  onMail(topic: string, data: unknown): void;
  onError(error: unknown): void;
}

/** The mailbox of one instance. */
export interface KvMailbox {
  /** Reads the mail (the mailbox signal moved). */
  wake(): void;
  /** Resolves once the reads asked for so far are done. */
  idle(): Promise<void>;
}

/** Key parts before a mail's part index: `["cluster", "mail", to, from, seq]`. */
const MAIL_BASE_LENGTH = 5;
/** Deletions per commit. */
const DELETE_BATCH = 200;

/** Creates the mailbox reader of one instance. */
export function createKvMailbox(options: KvMailboxOptions): KvMailbox {
  const { kv, instance, onMail, onError } = options;
  /** Mails handed over whose deletion has not gone through yet. */
  const handled = new Set<string>();

  const read = async () => {
    const listed = kv.list({ prefix: mailPrefix(instance) });
    const done: Deno.KvKey[] = [];
    for (const { base, value, keys } of await readWholes(listed, MAIL_BASE_LENGTH)) {
      const id = JSON.stringify(base);
      if (!handled.has(id)) {
        handled.add(id);
        const mail = value as Mail;
        if (typeof mail?.topic === "string") onMail(mail.topic, mail.data);
      }
      done.push(...keys);
    }
    for (let start = 0; start < done.length; start += DELETE_BATCH) {
      const operation = kv.atomic();
      done.slice(start, start + DELETE_BATCH).forEach((key) => operation.delete(key));
      await operation.commit();
    }
    // Deleted: a later listing cannot show them again.
    handled.clear();
  };

  return createCoalescedRun(read, onError);
}
