/**
 * The Switchboard client: one reconnecting connection to the server, kept in
 * signals so that a UI only renders them and calls the methods.
 *
 * ## States
 *
 * | state | meaning |
 * | --- | --- |
 * | `idle` | created, `connect()` not called yet |
 * | `connecting` | getting a token, opening the transport, waiting for `hello` |
 * | `open` | `hello` arrived over the WebSocket |
 * | `degraded` | open, but round trips are slower than `slowRttMs` or the server's ping is late |
 * | `reconnecting` | the connection ended; `nextRetryAt` says when the next attempt starts (null while offline) |
 * | `fallback` | `hello` arrived over the HTTP fallback transport |
 * | `failed` | stopped: 4400, 4403 or signed out; `lastError` says why; `connect()` tries again |
 * | `closed` | `disconnect()` was called, or the server closed with 1000 |
 *
 * A connection counts as established only when `hello` arrives: a socket that
 * opens and dies before it is a failed attempt (cause `handshake`).
 *
 * ## What happens when a connection ends
 *
 * The close code decides (see `close_policy.ts`): 4401 gets a fresh token and
 * reconnects at once; 4400/4403 fail; 4409 waits `longDelayMs`; a `reconnect`
 * frame waits its `after_ms`; everything else waits out the backoff. After
 * `backoff.maxAttempts` failed WebSocket attempts in a row, or after
 * `fallbackAfterHandshakeFailures` WebSockets that opened and died before
 * `hello`, the client switches to the HTTP transport, remembers that for
 * `fallbackMemoryMs` (in `storage`), and probes the WebSocket every
 * `probeIntervalMs`; when a probe gets its `hello` it moves back. Running out of
 * attempts over HTTP tries the WebSocket again. `offline` pauses attempts;
 * `online` and the page becoming visible start one at once.
 *
 * ## Rooms and membership
 *
 * Membership belongs to the account and is kept on the server: `join` makes
 * you a member on every device, `leave(room, { forget: true })` ends it, and
 * every connection of the account hears `membership` when either happens on
 * another, so this client joins or drops the room too. `createRoom`, `openDm`,
 * `invite`, `setRole`, `removeMember` and `listMembers` resolve with the
 * server's reply, or reject with its error's message. Invitations that arrive
 * wait in `invitations` until joined or dismissed.
 *
 * ## Sending
 *
 * `send()` puts the message in the outbox (persisted) and transmits it when
 * the room is joined; it shows in the room's `messages` as `pending` until the
 * `ack`, then as `sent` with its seq. After every reconnect and after a reload,
 * each joined room's pending sends go out again in order, after its `joined`.
 * Rooms with pending sends are joined automatically.
 *
 * @example
 * ```ts
 * const client = createChatClient({ origin: "https://chat.example" });
 * client.connect();
 * client.join("general");
 * client.send("general", "hello");
 * effect(() => console.log(client.state.value, client.room("general")?.messages.value));
 * ```
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type {
  ClientFrame,
  Message,
  PublicUser,
  RoomMemberEntry,
  ServerFrame,
  ServerFrameOf,
} from "../protocol/frames.ts";
import { MEMBERS_LIMIT_MAX } from "../protocol/big_rooms.ts";
import { isRoomName, ROOM_NAME_HELP } from "../protocol/names.ts";
import { checkTextLength } from "../protocol/text.ts";
import type { TimerId } from "../time/clock.ts";
import { type ChatClientOptions, resolveClientOptions } from "./client_options.ts";
import {
  type ChatFrame,
  type ConnectionControls,
  type ConnectionSignals,
  createConnection,
} from "./connection.ts";
import type { MembersQuery } from "./member_list.ts";
import { createOutbox } from "./outbox.ts";
import type { OutboxEntry } from "./outbox_store.ts";
import { type Answer, createPendingRequests, RequestError } from "./pending_requests.ts";
import { HISTORY_LIMIT_MAX, type RoomState } from "./room_state.ts";
import { createRoomViews, type RoomView } from "./room_views.ts";
import { createStatusSubscription, type StatusListener } from "./status_subscription.ts";

export type { ChatClientOptions } from "./client_options.ts";
export type { ConnectionControls, ConnectionSignals, FrameCounts } from "./connection.ts";
export type { RoomMessage, RoomView } from "./room_views.ts";

/** An invitation to a room, as it arrived. */
export type Invitation = Omit<ServerFrameOf<"invitation">, "type">;

/** A client frame without its `ref`, which {@linkcode ChatClient} adds to questions. */
type Question = ClientFrame extends infer F ? F extends ClientFrame ? Omit<F, "ref"> : never
  : never;

/** A message that mentioned you: its room and seq, who wrote it, and its start. */
export type Mention = Omit<ServerFrameOf<"mention">, "type">;

/**
 * The client returned by {@linkcode createChatClient}: the connection's signals
 * and controls, and the rooms, the outbox and the status on top of it.
 */
export interface ChatClient extends ConnectionSignals, ConnectionControls {
  readonly outbox: ReadonlySignal<readonly OutboxEntry[]>;
  readonly outboxSize: ReadonlySignal<number>;
  /**
   * Why the server could not take a message it will be sent again (e.g. its
   * database is unreachable), until the next message is acked; null otherwise.
   */
  readonly sendTrouble: ReadonlySignal<string | null>;
  /** Joined rooms, in join order. */
  readonly rooms: ReadonlySignal<readonly string[]>;
  /** The view of a joined room. */
  room(name: string): RoomView | undefined;
  /** Queues a message; throws a `TypeError` (changing nothing) on a bad room or text. */
  send(room: string, text: string): OutboxEntry;
  /** Sends a `failed` message again. */
  retry(cid: string): void;
  /** Drops a message from the outbox. */
  discard(cid: string): void;
  /** Joins a room (again after each reconnect, with `since`); throws a `TypeError` on a bad name. */
  join(room: string): void;
  /** Stops hearing a room here; with `forget`, ends the membership on every device. */
  leave(room: string, options?: { forget?: boolean }): void;
  /** Makes a room you own, and joins it; resolves with its name. */
  createRoom(room: string, visibility: "public" | "private"): Promise<string>;
  /** Opens (making it if new) the direct message with these people, by name; resolves with its room. */
  openDm(names: readonly string[]): Promise<string>;
  /** Lets someone (by name) join a room you are in; resolves with who they are. */
  invite(room: string, name: string): Promise<PublicUser>;
  /** The owner makes someone a moderator, or a member again. */
  setRole(room: string, name: string, role: "moderator" | "member"): Promise<void>;
  /** Ends someone's membership (the owner, moderators and admins may). */
  removeMember(room: string, name: string): Promise<void>;
  /** A room's members (the first `limit`), by user id. */
  listMembers(room: string, limit?: number): Promise<readonly RoomMemberEntry[]>;
  /** Invitations that arrived and were neither joined nor dismissed, oldest first. */
  readonly invitations: ReadonlySignal<readonly Invitation[]>;
  /** Forgets an invitation (joining its room forgets it too). */
  dismissInvitation(room: string): void;
  /** Calls `listener` whenever a membership of this account began or ended; returns the unsubscribe. */
  onMembership(listener: (room: string, joined: boolean) => void): () => void;
  /** Asks for the page of messages before the oldest held. */
  loadOlder(room: string, limit?: number): void;
  /**
   * Makes sure message `seq` of the joined `room` is held, reading older pages
   * back to it (at most 800 messages back); resolves whether it is held now.
   */
  reveal(room: string, seq: number): Promise<boolean>;
  /** Sends a message answering the message `replyTo` (a seq of the room); resolves once acked. */
  reply(room: string, replyTo: number, text: string): Promise<void>;
  /** Changes the text of your message `seq`; resolves once acked (rejects with the server's words). */
  edit(room: string, seq: number, text: string): Promise<void>;
  /** Deletes message `seq` (yours, or any if you moderate the room); resolves once acked. */
  deleteMessage(room: string, seq: number): Promise<void>;
  /** Sets (`on`) or takes back your `emoji` on message `seq`; resolves once acked. */
  react(room: string, seq: number, emoji: string, on: boolean): Promise<void>;
  /** Tells every device of yours that you read `room` up to `seq` (only forward). */
  markRead(room: string, seq: number): void;
  /**
   * Messages holding every word of `q`, newest first, in `room` or every room
   * of yours; rejects with a {@linkcode RequestError} (`rate_limited`, …).
   */
  search(q: string, room?: string): Promise<readonly Message[]>;
  /** Calls `listener` with each `mention` of you; returns the unsubscribe. */
  onMention(listener: (mention: Mention) => void): () => void;
  /** Tells the room you are typing (at most every 3 s). */
  typing(room: string): void;
  /**
   * Asks the server for `status` frames (a protocol extension), now and after
   * every reconnect, until every returned function has been called; `onStatus`
   * gets the status held now, if any, and each whole status as it arrives (the
   * admin detail for role `admin`, else the public summary).
   */
  subscribeStatus(onStatus: StatusListener): () => void;
  /**
   * A valid access token of the signed-in user, for the few HTTP reads that
   * answer by role (`GET /api/status?range=` gives admins the drill-down).
   * Rejects when nobody is signed in.
   */
  accessToken(): Promise<string>;
  /** Disconnects and stops listening to page events and timers. */
  dispose(): void;
}

const OLDER_PAGE = 50;
/**
 * Most pages of {@linkcode HISTORY_LIMIT_MAX} `reveal` reads back: a room holds
 * 1 000 messages (`RoomStateOptions.keep`), so reading further would drop the
 * pages just read.
 */
const REVEAL_PAGES_MAX = 4;
/** People in a page of the member list. */
const MEMBERS_PAGE = 100;

function checkRoomName(room: string) {
  if (!isRoomName(room)) throw new TypeError(`bad room name: ${ROOM_NAME_HELP}`);
}

/**
 * Creates a {@linkcode ChatClient} in `idle`; call `connect()` to start.
 *
 * @example
 * ```ts
 * const client = createChatClient({ origin: "https://chat.example", backoff: "aggressive" });
 * client.connect();
 * ```
 */
export function createChatClient(options: ChatClientOptions = {}): ChatClient {
  const settings = resolveClientOptions(options);
  const { clock, log } = settings;
  const outbox = createOutbox({
    store: settings.outboxStore,
    clock,
    maxTries: settings.maxSendTries,
    onError: (error) => log(`switchboard: outbox store failed: ${error}`),
  });
  const resendTimers = new Map<string, TimerId>();
  const sendTrouble = signal<string | null>(null);
  const pending = createPendingRequests();
  /** Whether the server pages forward with `history` `after` (it said `history_after`). */
  let pageForward = false;
  // The hooks run only once connect() was called, when everything below exists.
  const connection = createConnection(settings, {
    ready: outbox.ready,
    onReady(features) {
      pageForward = features.includes("history_after");
      for (const room of outbox.pendingRooms()) roomViews.add(room);
      // Before the joins: a membership that begins with one of them is told here too.
      if (features.includes("membership")) sendFrame({ type: "subscribe_membership" });
      for (const room of roomViews.names.peek()) sendJoin(room);
      statusSubscription.resubscribe();
    },
    onFrame: receive,
    onDetach() {
      roomViews.forgetConnection();
      pending.clear();
      for (const timer of resendTimers.values()) clock.clearTimeout(timer);
      resendTimers.clear();
    },
  });
  const { send: sendFrame } = connection;
  const { user, limits } = connection.signals;
  const roomViews = createRoomViews({
    clock,
    typingTtlMs: settings.typingTtlMs,
    user,
    outbox,
    pending,
    requestMembers,
  });
  const statusSubscription = createStatusSubscription(sendFrame);
  const invitations = signal<readonly Invitation[]>([]);
  const membershipListeners = new Set<(room: string, joined: boolean) => void>();
  const mentionListeners = new Set<(mention: Mention) => void>();
  /** Asks for a change to `room`'s log (an edit, a delete, a reaction, a reply). */
  const change = async (room: string, question: Question) => {
    checkRoomName(room);
    await ask(question);
  };

  /** Sends a question and resolves with the reply naming it (rejects with an `error`'s words). */
  function ask(question: Question): Promise<ServerFrame> {
    return new Promise((resolve, reject) => {
      const settle = (answer: Answer) =>
        answer.ok
          ? resolve(answer.frame)
          : reject(new RequestError(answer.message, answer.code, answer.retryAfterMs));
      const sent = pending.add(
        { kind: "ask", settle },
        (ref) => sendFrame({ ...question, ref } as ClientFrame),
      );
      if (!sent) reject(new RequestError("not connected; try again in a moment"));
    });
  }

  /** The reply `frame` answers a question: hands it over; false if it answers none. */
  function answer(frame: ServerFrame & { ref?: string }): boolean {
    const request = pending.take(frame.ref);
    if (request?.kind !== "ask") return false;
    request.settle({ ok: true, frame });
    return true;
  }

  function dropInvitation(room: string) {
    invitations.value = invitations.peek().filter((invitation) => invitation.room !== room);
  }

  /** This account's membership of `room` began or ended on some device. */
  function membershipChanged(room: string, joined: boolean) {
    if (joined) {
      if (!roomViews.state(room)) {
        roomViews.add(room);
        sendJoin(room);
      }
    } else if (roomViews.remove(room)) {
      outbox.discardRoom(room);
    }
    for (const listener of membershipListeners) listener(room, joined);
  }

  // ---- sending ----------------------------------------------------------------

  function transmit(cid: string) {
    const entry = outbox.get(cid);
    if (!entry || !connection.isReady() || !roomViews.isJoined(entry.room)) return;
    if (!outbox.beginSend(cid)) return;
    sendFrame({ type: "send", room: entry.room, text: entry.text, cid, ref: cid });
  }

  function sendJoin(room: string) {
    const since = roomViews.state(room)?.lastContiguousSeq() ?? null;
    sendFrame(since === null ? { type: "join", room } : { type: "join", room, since });
  }

  /**
   * Asks `history` for the room's first gap (forward with `after` when the
   * server pages that way), unless a gap request of the room is pending: its
   * reply moves the gap, and the next one is asked then.
   */
  function requestGap(room: string) {
    if (pending.has((request) => request.kind === "gap" && request.room === room)) return;
    const gap = roomViews.state(room)?.nextGap(pageForward);
    if (!gap) return;
    pending.add(
      { kind: "gap", room, gap },
      (ref) => sendFrame({ type: "history", room, ...gap, ref }),
    );
  }

  /**
   * Asks for the page of `limit` messages before the oldest held, unless one
   * is on its way; false when none went out. `done` hears whether it arrived.
   */
  function requestOlder(room: string, limit: number, done?: (arrived: boolean) => void): boolean {
    const state = roomViews.state(room);
    if (!state || !roomViews.isJoined(room)) return false;
    if (pending.has((request) => request.kind === "older" && request.room === room)) return false;
    const before = state.oldestSeq();
    return pending.add({ kind: "older", room, done }, (ref) => {
      const frame: ClientFrame = before === null
        ? { type: "history", room, limit, ref }
        : { type: "history", room, before, limit, ref };
      return sendFrame(frame);
    });
  }

  /** Asks for a page of a room's member list (`prefix`: its search). */
  function requestMembers(room: string, asked: MembersQuery): boolean {
    const { query, after } = asked;
    return pending.add({ kind: "members", room, asked }, (ref) =>
      sendFrame({
        type: "members",
        room,
        limit: MEMBERS_PAGE,
        ...(query ? { prefix: query } : {}),
        ...(after === undefined ? {} : { after }),
        ref,
      }));
  }

  /** A big room shrank back: its whole presence list is read again, in one page. */
  function requestRefill(room: string) {
    if (pending.has((request) => request.kind === "refill" && request.room === room)) return;
    pending.add(
      { kind: "refill", room },
      (ref) => sendFrame({ type: "members", room, limit: MEMBERS_LIMIT_MAX, ref }),
    );
  }

  // ---- frames -----------------------------------------------------------------

  function receive(frame: ChatFrame) {
    const room = "room" in frame && frame.room ? roomViews.state(frame.room) : undefined;
    switch (frame.type) {
      case "joined": {
        // A room made or opened by a question is new here: it is held from now on.
        const asked = pending.take(frame.ref);
        if (!room && asked?.kind === "ask") roomViews.add(frame.room);
        const state = roomViews.state(frame.room);
        if (!state) return;
        state.applyJoined(frame);
        roomViews.markJoined(frame.room);
        dropInvitation(frame.room);
        for (const entry of outbox.pendingIn(frame.room)) transmit(entry.cid);
        if (asked?.kind === "ask") asked.settle({ ok: true, frame });
        return requestGap(frame.room);
      }
      case "left":
        return roomViews.markLeft(frame.room);
      case "message": {
        const { type: _type, ...message } = frame;
        if (message.user.id === user.peek()?.id) outbox.ack(message.cid);
        room?.applyMessages([message]);
        return requestGap(frame.room);
      }
      case "ack":
        // A change or a reply was asked as a question; a plain send is the outbox's.
        if (answer(frame)) return;
        return acknowledge(frame, room);
      case "history": {
        const request = pending.take(frame.ref);
        if (request?.kind === "gap") room?.applyGapFill(frame, request.gap);
        else room?.applyHistory(frame, request?.kind === "older");
        if (request?.kind === "older") request.done?.(true);
        return requestGap(frame.room);
      }
      case "presence":
        if (room?.applyPresence(frame)) requestRefill(frame.room);
        return;
      case "typing":
        return room?.applyTyping(frame, user.peek()?.id);
      case "members": {
        const request = pending.take(frame.ref);
        if (request?.kind === "refill") room?.applyMembersRefill(frame);
        if (request?.kind === "members") {
          roomViews.memberList(frame.room)?.applyPage(frame, request.asked);
        }
        return;
      }
      case "error":
        return handleError(frame);
      case "auth_ok":
        return;
      case "status":
        return statusSubscription.receive(frame);
      case "invited":
      case "member_role":
      case "member_removed":
      case "room_members":
        return void answer(frame);
      case "membership":
        return membershipChanged(frame.room, frame.joined);
      case "search_results":
        return void answer(frame);
      case "read":
        return room?.applyRead(frame.seq);
      case "mention": {
        const { type: _type, ...mention } = frame;
        for (const listener of mentionListeners) listener(mention);
        return;
      }
      case "invitation": {
        const { type: _type, ...invitation } = frame;
        dropInvitation(frame.room);
        invitations.value = [...invitations.peek(), invitation];
        return;
      }
    }
  }

  /** A gap request was refused (say, rate limited): ask again when the server says. */
  function retryGap(room: string, frame: ServerFrameOf<"error">) {
    const key = `gap:${room}`;
    if (resendTimers.has(key)) return;
    resendTimers.set(
      key,
      clock.setTimeout(() => {
        resendTimers.delete(key);
        requestGap(room);
      }, frame.retry_after_ms ?? 1_000),
    );
  }

  function acknowledge(frame: ServerFrameOf<"ack">, room: RoomState | undefined) {
    const entry = outbox.ack(frame.cid);
    sendTrouble.value = null;
    const me = user.peek();
    if (!entry || !room || !me) return;
    // Shown as sent right away; the broadcast of the same seq replaces it.
    const message: Message = {
      room: frame.room,
      seq: frame.seq,
      id: "",
      cid: frame.cid,
      user: { id: me.id, name: me.name, role: me.role },
      text: entry.text,
      ts: frame.ts,
    };
    room.applyMessages([message]);
  }

  function handleError(frame: ServerFrameOf<"error">) {
    const entry = frame.ref ? outbox.get(frame.ref) : undefined;
    if (!entry) {
      const request = pending.take(frame.ref);
      // The one who asked shows the answer; nobody else needs to.
      if (request?.kind === "ask") {
        const { message, code, retry_after_ms: retryAfterMs } = frame;
        return request.settle({ ok: false, message, code, retryAfterMs });
      }
      if (request?.kind === "older") request.done?.(false);
      // A room that refuses to be joined (removed meanwhile, closed) is no longer held.
      if (frame.code === "forbidden" && frame.room && !roomViews.isJoined(frame.room)) {
        membershipChanged(frame.room, false);
      }
      if (request?.kind === "gap" && frame.recoverable) retryGap(request.room, frame);
      if (request?.kind === "members") {
        roomViews.memberList(request.room)?.pageLost(request.asked);
      }
      connection.showError(`${frame.code}: ${frame.message}`);
      return;
    }
    if (!frame.recoverable) return outbox.fail(entry.cid, frame.message);
    // A refusal of this sender (rate limits) is not the server's trouble; anything else is.
    if (frame.code !== "rate_limited") sendTrouble.value = `${frame.code}: ${frame.message}`;
    const timer = clock.setTimeout(() => {
      resendTimers.delete(entry.cid);
      transmit(entry.cid);
    }, frame.retry_after_ms ?? 1_000);
    resendTimers.set(entry.cid, timer);
  }

  // ---- the client -------------------------------------------------------------

  return {
    ...connection.signals,
    ...connection.controls,
    outbox: outbox.entries,
    outboxSize: outbox.size,
    sendTrouble,
    rooms: roomViews.names,
    room: roomViews.view,
    send(room, text) {
      checkRoomName(room);
      if (!roomViews.state(room)) throw new TypeError(`join "${room}" before sending to it`);
      if (text.trim() === "") throw new TypeError("a message needs some text");
      const length = checkTextLength(text, limits.peek()?.max_text_chars ?? 4_000);
      if (!length.ok) throw new TypeError(length.message);
      const entry = outbox.add(room, text);
      transmit(entry.cid);
      return entry;
    },
    retry(cid) {
      if (outbox.retry(cid)) transmit(cid);
    },
    discard(cid) {
      outbox.discard(cid);
    },
    reply(room, replyTo, text) {
      const cid = crypto.randomUUID();
      return change(room, { type: "send", room, text, reply_to: replyTo, cid });
    },
    edit(room, seq, text) {
      return change(room, { type: "edit", room, target: seq, text, cid: crypto.randomUUID() });
    },
    deleteMessage(room, seq) {
      return change(room, { type: "delete", room, target: seq, cid: crypto.randomUUID() });
    },
    react(room, seq, emoji, on) {
      const cid = crypto.randomUUID();
      return change(room, { type: "react", room, target: seq, emoji, on, cid });
    },
    markRead(room, seq) {
      const state = roomViews.state(room);
      if (!state || seq <= state.readSeq.peek()) return;
      state.applyRead(seq);
      sendFrame({ type: "read", room, seq });
    },
    async search(q, room) {
      const reply = await ask(
        room === undefined ? { type: "search", q } : { type: "search", q, room },
      );
      return (reply as ServerFrameOf<"search_results">).messages;
    },
    onMention(listener) {
      mentionListeners.add(listener);
      return () => mentionListeners.delete(listener);
    },
    join(room) {
      checkRoomName(room);
      if (roomViews.state(room)) return;
      roomViews.add(room);
      sendJoin(room);
    },
    leave(room, { forget = false } = {}) {
      if (!roomViews.remove(room)) return;
      sendFrame(forget ? { type: "leave", room, forget } : { type: "leave", room });
      if (forget) outbox.discardRoom(room);
    },
    async createRoom(room, visibility) {
      checkRoomName(room);
      return ((await ask({ type: "create_room", room, visibility })) as { room: string }).room;
    },
    async openDm(names) {
      return ((await ask({ type: "dm", users: [...names] })) as { room: string }).room;
    },
    async invite(room, name) {
      return ((await ask({ type: "invite", room, user: name })) as ServerFrameOf<"invited">).user;
    },
    async setRole(room, name, role) {
      await ask({ type: "set_role", room, user: name, role });
    },
    async removeMember(room, name) {
      await ask({ type: "remove_member", room, user: name });
    },
    async listMembers(room, limit = 200) {
      const reply = await ask({ type: "room_members", room, limit });
      return (reply as ServerFrameOf<"room_members">).members;
    },
    invitations,
    dismissInvitation: dropInvitation,
    onMembership(listener) {
      membershipListeners.add(listener);
      return () => void membershipListeners.delete(listener);
    },
    loadOlder(room, limit = OLDER_PAGE) {
      requestOlder(room, limit);
    },
    async reveal(room, seq) {
      for (let page = 0; page < REVEAL_PAGES_MAX; page++) {
        const state = roomViews.state(room);
        if (!state) return false;
        if (state.messages.peek().some((message) => message.seq === seq)) return true;
        const oldest = state.oldestSeq();
        if ((oldest !== null && oldest < seq) || !state.hasOlder.peek()) return false;
        const arrived = await new Promise<boolean>((done) => {
          if (!requestOlder(room, HISTORY_LIMIT_MAX, done)) done(false);
        });
        if (!arrived) return false;
      }
      return false;
    },
    typing(room) {
      if (roomViews.typingDue(room) && sendFrame({ type: "typing", room })) {
        roomViews.typingSent(room);
      }
    },
    subscribeStatus: statusSubscription.subscribe,
    accessToken: () => settings.getToken(),
    dispose() {
      connection.dispose();
      roomViews.dispose();
    },
  };
}
