/**
 * Mention notifications (`lib/client/mention_notices.ts`) through the real
 * client: permission is asked only by `request()`; a `mention` frame while
 * the page is hidden and permission granted makes one notification (room,
 * author, plain excerpt) whose click focuses the window and opens the
 * message; none while the page is visible, without permission, or for a
 * mention by yourself.
 */
import { deepEqual, equal } from "node:assert/strict";
import {
  createMentionNotices,
  NOTICE_TEXT_CHARS,
  noticeExcerpt,
  type NotificationApi,
} from "../../lib/client/mention_notices.ts";
import { createClientHarness } from "../../lib/client/testing.ts";

/** A stand-in for the browser's `Notification`, recording what it was made with. */
function fakeNotifications(initial: NotificationPermission) {
  const made: { title: string; options?: NotificationOptions; closed: boolean; click(): void }[] =
    [];
  let asked = 0;
  const api = class {
    static permission: NotificationPermission = initial;
    static requestPermission() {
      asked++;
      api.permission = "granted";
      return Promise.resolve(api.permission);
    }
    onclick: ((this: Notification, event: Event) => unknown) | null = null;
    constructor(title: string, options?: NotificationOptions) {
      const record = {
        title,
        options,
        closed: false,
        click: () => this.onclick?.call(this as unknown as Notification, new Event("click")),
      };
      made.push(record);
      this.close = () => void (record.closed = true);
    }
    close() {}
  };
  return { api: api as unknown as NotificationApi, made, asked: () => asked };
}

async function setup(permission: NotificationPermission) {
  const h = createClientHarness();
  h.client.connect();
  const socket = await h.openSocket(); // signed in as ada (u-ada)
  const fake = fakeNotifications(permission);
  const page = { hidden: true, focused: 0, opened: [] as string[] };
  const notices = createMentionNotices({
    client: h.client,
    notifications: fake.api,
    isHidden: () => page.hidden,
    focusWindow: () => page.focused++,
    onOpen: (room, seq) => page.opened.push(`${room}#${seq}`),
  });
  const bob = { id: "u-bob", name: "bob", role: "user" as const };
  const mention = (seq: number, by = bob) =>
    socket.receive({ type: "mention", room: "random", seq, by, text: "hey @ada\n\n**look**" });
  return { h, fake, page, notices, mention, [Symbol.dispose]: () => h.client.dispose() };
}

Deno.test("mention notices: asked only on request; shown while hidden, opening the message on click", async () => {
  using t = await setup("default");
  equal(t.notices.permission.value, "default");
  equal(t.fake.asked(), 0, "never asked on load");
  t.mention(1);
  equal(t.fake.made.length, 0, "nothing without permission");

  equal(await t.notices.request(), "granted");
  equal(t.fake.asked(), 1);
  equal(t.notices.permission.value, "granted");
  t.mention(2);
  equal(t.fake.made.length, 1);
  equal(t.fake.made[0].title, "bob mentioned you in #random");
  deepEqual(t.fake.made[0].options, { body: "hey @ada **look**", tag: "mention:random:2" });

  t.fake.made[0].click();
  equal(t.page.focused, 1);
  deepEqual(t.page.opened, ["random#2"]);
  equal(t.fake.made[0].closed, true);
  t.notices.dispose();
  t.mention(3);
  equal(t.fake.made.length, 1, "disposed: no more");
});

Deno.test("mention notices: none while the page is visible, nor for a mention by yourself", async () => {
  using t = await setup("granted");
  t.page.hidden = false;
  t.mention(1);
  t.page.hidden = true;
  t.mention(2, { id: "u-ada", name: "ada", role: "user" });
  equal(t.fake.made.length, 0);
  t.mention(3);
  equal(t.fake.made.length, 1);
});

Deno.test("mention notices: without the API, unsupported; excerpts are cut and flattened", () => {
  const h = createClientHarness();
  const notices = createMentionNotices({ client: h.client, notifications: null, onOpen() {} });
  equal(notices.permission.value, "unsupported");
  const long = "word ".repeat(100);
  equal([...noticeExcerpt(long)].length, NOTICE_TEXT_CHARS);
  equal(noticeExcerpt(long).endsWith("…"), true);
  equal(noticeExcerpt("  a\n\tb  "), "a b");
  h.client.dispose();
});
