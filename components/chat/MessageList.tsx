import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { RoomMessage } from "../../lib/client/client.ts";
import { Avatar } from "./Avatar.tsx";
import { dayKey, dayLabel, timeLabel } from "./format.ts";
import { lazyComponent } from "./lazy.tsx";
import { MessageActions, type MessageHandlers, Reactions } from "./MessageActions.tsx";
import { MessageText } from "./MessageText.tsx";
import { isGuest, UserName } from "./UserName.tsx";

// Fetched when a message is first edited, not with the page.
const EditBox = lazyComponent(() => import("./EditBox.tsx").then((module) => module.EditBox));

/** Props of {@linkcode MessageList}. */
export interface MessageListProps {
  /** The room in running text: `#general`, or a direct message's people. */
  room: string;
  messages: readonly RoomMessage[];
  /** Whether the room's first `joined` arrived (an empty list then means an empty room). */
  synced: boolean;
  hasOlder: boolean;
  loadingOlder: boolean;
  now: number;
  onLoadOlder(): void;
  onRetry(cid: string): void;
  onDiscard(cid: string): void;
  /** Edits, deletes, reactions and replies; without them the messages are only read. */
  handlers?: MessageHandlers;
  /** How far you had read the room (the "New" line goes before the first message after it). */
  readSeq?: number;
  /** The newest message was seen (the list is at its end, the page visible). */
  onSeenEnd?(seq: number): void;
  /** A message to bring into view and mark a moment (a search result opened), once held. */
  focusSeq?: number | null;
  /** The message `focusSeq` names was brought into view. */
  onFocused?(): void;
  /** The message being edited in place, if any. */
  editingSeq?: number | null;
  onEditing?(seq: number | null): void;
}

/** Within this distance of the bottom the list counts as "at the bottom" and follows new messages. */
const BOTTOM_SLACK_PX = 48;
/** Scrolling this close to the top asks for older messages. */
const TOP_LOAD_PX = 160;
/** Messages by one author closer together than this share one header. */
const GROUP_MS = 5 * 60_000;

function authorOf(message: RoomMessage): string {
  return message.user?.name ?? "you";
}

/**
 * The messages of one room, with day separators. It follows new messages only
 * while scrolled to the bottom (otherwise a "new messages" button appears),
 * loads older ones when scrolled to the top, and keeps the reading position
 * when they arrive.
 */
export function MessageList(props: MessageListProps) {
  const { room, messages, synced, hasOlder, loadingOlder, now } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const anchor = useRef<{ height: number; top: number; first: string | null } | null>(null);
  const lastCid = useRef<string | null>(null);
  const [unseen, setUnseen] = useState(0);
  const [announcement, setAnnouncement] = useState("");
  // Where the "New" line goes: taken once, when the room is first shown with
  // its messages, so that reading does not move it away under your eyes.
  const firstUnread = useRef<number | null | undefined>(undefined);
  if (firstUnread.current === undefined && synced && messages.length > 0) {
    const read = props.readSeq ?? 0;
    firstUnread.current = messages.find((message) =>
      message.seq !== null && message.seq > read && !message.own
    )?.seq ?? null;
  }

  /** Tells that the end was seen, if the list is at it and the page is visible. */
  const reportSeen = () => {
    if (!atBottom.current || document.visibilityState !== "visible") return;
    const newest = messages.findLast((message) => message.seq !== null)?.seq;
    if (newest !== undefined && newest !== null) props.onSeenEnd?.(newest);
  };

  const scrollToBottom = () => {
    const element = scroller.current;
    if (element) element.scrollTop = element.scrollHeight;
    atBottom.current = true;
    setUnseen(0);
  };

  const loadOlder = () => {
    const element = scroller.current;
    if (!element || !hasOlder || loadingOlder || anchor.current) return;
    anchor.current = {
      height: element.scrollHeight,
      top: element.scrollTop,
      first: messages[0]?.cid ?? null,
    };
    props.onLoadOlder();
  };

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const held = anchor.current;
    if (held && (messages[0]?.cid ?? null) !== held.first) {
      element.scrollTop = held.top + (element.scrollHeight - held.height);
      anchor.current = null;
    } else if (held && !loadingOlder) {
      anchor.current = null;
    }
    const last = messages.at(-1);
    const previous = lastCid.current;
    lastCid.current = last?.cid ?? null;
    if (!last || last.cid === previous) return;
    if (atBottom.current || (last.own && last.status === "pending")) {
      scrollToBottom();
    } else {
      setUnseen((count) => count + 1);
    }
    if (previous !== null && !last.own) {
      setAnnouncement(`${authorOf(last)}: ${last.text}`);
    }
  }, [messages, loadingOlder]);

  useLayoutEffect(() => {
    reportSeen();
    document.addEventListener("visibilitychange", reportSeen);
    return () => document.removeEventListener("visibilitychange", reportSeen);
  }, [messages]);

  // Declared after the effect that follows new messages, so the focused message wins the scroll.
  useLayoutEffect(() => {
    const seq = props.focusSeq;
    if (seq === null || seq === undefined) return;
    if (!messages.some((message) => message.seq === seq)) return;
    showMessage(seq);
    props.onFocused?.();
  }, [props.focusSeq, messages]);

  const onScroll = () => {
    const element = scroller.current!;
    atBottom.current =
      element.scrollHeight - element.scrollTop - element.clientHeight < BOTTOM_SLACK_PX;
    if (atBottom.current && unseen > 0) setUnseen(0);
    if (atBottom.current) reportSeen();
    if (element.scrollTop < TOP_LOAD_PX) loadOlder();
  };

  const bySeq = new Map<number, RoomMessage>();
  const used = new Set<string>();
  for (const message of messages) {
    if (message.seq !== null) bySeq.set(message.seq, message);
    for (const emoji of Object.keys(message.reactions ?? {})) used.add(emoji);
  }

  const items = [];
  let previous: RoomMessage | null = null;
  for (const message of messages) {
    const newDay = !previous || dayKey(previous.ts) !== dayKey(message.ts);
    if (newDay) {
      items.push(
        <li key={`day-${dayKey(message.ts)}`} class="day-separator" role="separator">
          <span>{dayLabel(message.ts, now)}</span>
        </li>,
      );
    }
    if (message.seq !== null && message.seq === firstUnread.current) {
      items.push(
        <li key="new-line" class="new-line" role="separator" aria-label="New messages">
          <span>New</span>
        </li>,
      );
    }
    const continued = !newDay && previous !== null && message.replyTo === undefined &&
      previous.user?.id === message.user?.id && message.ts - previous.ts < GROUP_MS &&
      previous.status === "sent" && message.status === "sent";
    items.push(
      <MessageItem
        key={message.cid}
        message={message}
        continued={continued}
        onRetry={props.onRetry}
        onDiscard={props.onDiscard}
        handlers={props.handlers}
        original={message.replyTo === undefined ? undefined : bySeq.get(message.replyTo) ?? null}
        used={[...used]}
        editing={message.seq !== null && message.seq === props.editingSeq}
        onEditing={props.onEditing}
      />,
    );
    previous = message;
  }

  return (
    <div class="messages-wrap">
      <div
        class="messages"
        ref={scroller}
        onScroll={onScroll}
        tabIndex={0}
        aria-label={`Messages in ${room}`}
      >
        <div class="history-edge">
          {hasOlder
            ? (
              <button
                type="button"
                class="link-button"
                onClick={loadOlder}
                disabled={loadingOlder}
              >
                {loadingOlder ? "Loading earlier messages…" : "Load earlier messages"}
              </button>
            )
            : synced && messages.length > 0 && (
              <span class="muted small">This is the beginning of {room}.</span>
            )}
        </div>
        {!synced && messages.length === 0 && <p class="messages-empty">Loading messages…</p>}
        {synced && messages.length === 0 && (
          <div class="messages-empty">
            <p class="messages-empty-title">No messages in {room} yet</p>
            <p class="muted">Say hello — everyone who joins will see it.</p>
          </div>
        )}
        <ol class="message-list">{items}</ol>
      </div>
      {unseen > 0 && (
        <button type="button" class="new-messages" onClick={scrollToBottom}>
          {unseen === 1 ? "1 new message" : `${unseen} new messages`} ↓
        </button>
      )}
      <div class="sr-only" aria-live="polite" aria-atomic="true">{announcement}</div>
    </div>
  );
}

/** Scrolls the message `seq` into view and marks it a moment (a reply's original, a search result). */
function showMessage(seq: number) {
  const element = document.querySelector<HTMLElement>(`.msg[data-seq="${seq}"]`);
  if (!element) return;
  element.scrollIntoView({ block: "center" });
  element.classList.add("msg-flash");
  setTimeout(() => element.classList.remove("msg-flash"), 1_500);
}

/** The quoted header of a reply: who wrote the original and its start, linking to it. */
function ReplyHeader({ seq, original }: { seq: number; original: RoomMessage | null }) {
  const start = original?.deleted
    ? "deleted message"
    : original?.text.slice(0, 80) ?? "an earlier message";
  return (
    <button type="button" class="reply-header link-button" onClick={() => showMessage(seq)}>
      ↪ {original ? `${authorOf(original)}: ` : ""}
      <span class="muted">{start}</span>
    </button>
  );
}

function MessageItem(
  { message, continued, onRetry, onDiscard, handlers, original, used, editing, onEditing }: {
    message: RoomMessage;
    continued: boolean;
    onRetry(cid: string): void;
    onDiscard(cid: string): void;
    handlers?: MessageHandlers;
    /** The message it replies to: undefined for no reply, null when not held. */
    original?: RoomMessage | null;
    used: readonly string[];
    editing: boolean;
    onEditing?(seq: number | null): void;
  },
) {
  const author = authorOf(message);
  const classes = ["msg", `msg-${message.status}`];
  if (message.own) classes.push("msg-own");
  if (continued) classes.push("msg-continued");
  if (handlers?.meId && message.mentions?.includes(handlers.meId)) classes.push("msg-mention");
  return (
    <li
      class={classes.join(" ")}
      data-status={message.status}
      data-cid={message.cid}
      data-seq={message.seq ?? undefined}
    >
      <div class="msg-gutter">
        {continued
          ? (
            <time class="msg-time-hover" dateTime={new Date(message.ts).toISOString()}>
              {timeLabel(message.ts)}
            </time>
          )
          : <Avatar name={author} guest={isGuest(message.user)} />}
      </div>
      <div class="msg-body">
        {!continued && (
          <div class="msg-meta">
            {message.user
              ? <UserName user={message.user} class="msg-author" />
              : <span class="msg-author">{author}</span>}
            {message.own && <span class="you-tag">you</span>}
            <time class="msg-time" dateTime={new Date(message.ts).toISOString()}>
              {timeLabel(message.ts)}
            </time>
          </div>
        )}
        {message.replyTo !== undefined && original !== undefined && (
          <ReplyHeader seq={message.replyTo} original={original} />
        )}
        {message.deleted
          ? <p class="msg-deleted muted">This message was deleted.</p>
          : editing && handlers
          ? <EditBox message={message} handlers={handlers} onDone={() => onEditing?.(null)} />
          : <MessageText text={message.text} />}
        {message.editedAt !== undefined && !message.deleted && (
          <span class="msg-edited muted small">(edited)</span>
        )}
        {handlers && <Reactions message={message} handlers={handlers} />}
        {handlers && message.status === "sent" && !editing && (
          <MessageActions
            message={message}
            handlers={handlers}
            used={used}
            onEditStart={() => onEditing?.(message.seq)}
          />
        )}
        {message.status === "pending" && (
          <span class="msg-state">
            <span class="spinner" aria-hidden="true" />Sending…
          </span>
        )}
        {message.status === "failed" && (
          <span class="msg-state msg-state-failed" role="alert">
            Not sent{message.error ? `: ${message.error}` : ""}.
            <button type="button" class="link-button" onClick={() => onRetry(message.cid)}>
              Retry
            </button>
            <button type="button" class="link-button muted" onClick={() => onDiscard(message.cid)}>
              Discard
            </button>
          </span>
        )}
      </div>
    </li>
  );
}
