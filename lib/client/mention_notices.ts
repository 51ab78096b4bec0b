/**
 * Browser notifications of mentions: when a `mention` of you arrives while
 * the page is hidden and you allowed notifications, a notification names the
 * room and who wrote, with the start of the text (plain text: a notification
 * shows no markup); clicking it brings the window forward and opens the room.
 * Permission is only ever asked by `request()`, which a button calls: never
 * on load. A visible page shows the mention itself (highlighted, counted), so
 * it gets no notification, and neither does a mention by yourself.
 *
 * @example
 * ```ts
 * const notices = createMentionNotices({ client, onOpen: (room, seq) => rooms.openMessage(room, seq) });
 * notices.permission.value; // "default": show the "Notify me of mentions" button
 * button.onclick = () => notices.request();
 * ```
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { ChatClient, Mention } from "./client.ts";

/** Whether notifications may be shown: the browser's answer, or `unsupported` without the API. */
export type NoticePermission = NotificationPermission | "unsupported";

/** The part of the browser's `Notification` used here (a test passes its own). */
export interface NotificationApi {
  new (title: string, options?: NotificationOptions): Pick<Notification, "close" | "onclick">;
  readonly permission: NotificationPermission;
  requestPermission(): Promise<NotificationPermission>;
}

/** Options of {@linkcode createMentionNotices}. */
export interface MentionNoticesOptions {
  client: Pick<ChatClient, "onMention" | "user">;
  /** Opens the room a notification was clicked for, at the message. */
  onOpen(room: string, seq: number): void;
  /** How a room is named in a notification: `#general`, or a direct message's people. */
  roomLabel?(room: string): string;
  /** Default `globalThis.Notification` (none: `unsupported`). */
  notifications?: NotificationApi | null;
  /** Whether the page is hidden; default `document.hidden`. */
  isHidden?(): boolean;
  /** Brings the window forward; default `globalThis.focus()`. */
  focusWindow?(): void;
}

/** Mention notifications and the permission they need. */
export interface MentionNotices {
  readonly permission: ReadonlySignal<NoticePermission>;
  /** Asks the browser for permission (call it from a click); resolves with the answer. */
  request(): Promise<NoticePermission>;
  /** Stops listening to mentions. */
  dispose(): void;
}

/** The most of a message's text a notification shows. */
export const NOTICE_TEXT_CHARS = 140;

/** The start of `text` as a notification shows it: whitespace runs as one space, cut with "…". */
export function noticeExcerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = [...flat];
  return chars.length <= NOTICE_TEXT_CHARS
    ? flat
    : `${chars.slice(0, NOTICE_TEXT_CHARS - 1).join("")}…`;
}

/**
 * Creates {@linkcode MentionNotices}, listening to the client's mentions.
 *
 * @example
 * ```ts
 * const notices = createMentionNotices({ client, onOpen: (room, seq) => rooms.openMessage(room, seq) });
 * ```
 */
export function createMentionNotices(options: MentionNoticesOptions): MentionNotices {
  const api = options.notifications === undefined
    ? (globalThis as { Notification?: NotificationApi }).Notification ?? null
    : options.notifications;
  const isHidden = options.isHidden ?? (() => document.hidden);
  const focusWindow = options.focusWindow ?? (() => globalThis.focus());
  const roomLabel = options.roomLabel ?? ((room: string) => `#${room}`);
  const permission = signal<NoticePermission>(api ? api.permission : "unsupported");

  const notify = (mention: Mention) => {
    // The browser may have been told otherwise in its settings since.
    if (api) permission.value = api.permission;
    if (!api || permission.peek() !== "granted" || !isHidden()) return;
    if (mention.by.id === options.client.user.peek()?.id) return;
    const notice = new api(`${mention.by.name} mentioned you in ${roomLabel(mention.room)}`, {
      body: noticeExcerpt(mention.text),
      // One notice per message, whichever of your tabs shows it.
      tag: `mention:${mention.room}:${mention.seq}`,
    });
    notice.onclick = () => {
      focusWindow();
      options.onOpen(mention.room, mention.seq);
      notice.close();
    };
  };
  const stop = options.client.onMention(notify);

  return {
    permission,
    async request() {
      if (!api) return "unsupported";
      permission.value = await api.requestPermission();
      return permission.peek();
    },
    dispose: stop,
  };
}
