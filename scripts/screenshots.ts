/**
 * `deno task screenshots`: starts a seeded Switchboard (temporary KV, a few
 * users, rooms and messages over two days, and two weeks of status history),
 * drives Chromium through the login page, the chat and the status page, and
 * writes the README's pictures to `docs/`: `login.png`, `chat.png` (a reply,
 * an edit, reactions, a mention of you, the sidebar's unread and mention
 * counts), `chat-search.png`, `chat-dark.png`, `chat-mobile.png`, `status.png`
 * and `status-dark.png`.
 *
 * @example
 * ```sh
 * deno task build && deno run -A scripts/screenshots.ts
 * ```
 */
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { createSwitchboard } from "../server.ts";
import { BEARER_PROTOCOL_PREFIX, PROTOCOL } from "../lib/protocol/version.ts";
import type { ServerFrame } from "../lib/protocol/mod.ts";
import { type Clock, createSystemClock } from "../lib/time/clock.ts";
import { launchBrowser } from "../tests/_helpers/browser.ts";
import { seedStatusHistory } from "./seed_status_history.ts";

const DOCS = new URL("../docs/", import.meta.url);
const DAY_MS = 24 * 60 * 60_000;
const PASSWORD = "correct horse battery";

/** The system clock, shifted into the past while yesterday's messages are seeded. */
function createShiftedClock(): Clock & { shiftMs: number } {
  const system = createSystemClock();
  const clock = { ...system, shiftMs: 0, now: () => system.now() - clock.shiftMs };
  return clock;
}

/** Signs `name` in through the API, creating the account the first time. */
async function signInApi(origin: string, name: string): Promise<Response> {
  const post = (path: string) =>
    fetch(`${origin}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, password: PASSWORD }),
    });
  const registered = await post("/api/register");
  if (registered.status !== 409) return registered;
  await registered.body?.cancel();
  return await post("/api/login");
}

/** A seeding connection: one user's socket, waiting for the replies it needs. */
async function connectAs(origin: string, name: string) {
  const response = await signInApi(origin, name);
  if (!response.ok) throw new Error(`sign-in ${name}: HTTP ${response.status}`);
  const { token } = await response.json();
  const socket = new WebSocket(origin.replace(/^http/, "ws") + "/api/ws", [
    PROTOCOL,
    BEARER_PROTOCOL_PREFIX + token,
  ]);
  const waiters = new Set<
    { match: (frame: ServerFrame) => boolean; resolve: (frame: ServerFrame) => void }
  >();
  socket.onmessage = (event) => {
    const frame: ServerFrame = JSON.parse(event.data);
    if (frame.type === "ping") socket.send(JSON.stringify({ type: "pong", t: frame.t }));
    for (const waiter of waiters) {
      if (waiter.match(frame)) {
        waiters.delete(waiter);
        waiter.resolve(frame);
      }
    }
  };
  const until = (match: (frame: ServerFrame) => boolean) =>
    new Promise<ServerFrame>((resolve) => waiters.add({ match, resolve }));
  await until((frame) => frame.type === "hello");
  const joined = new Set<string>();
  const join = async (room: string) => {
    if (joined.has(room)) return;
    socket.send(JSON.stringify({ type: "join", room }));
    await until((frame) => frame.type === "joined" && frame.room === room);
    joined.add(room);
  };
  /** Sends a change to `room` (a message, an edit, a reaction) and resolves with its seq. */
  const change = async (room: string, frame: object) => {
    await join(room);
    const cid = crypto.randomUUID();
    socket.send(JSON.stringify({ ...frame, room, cid }));
    const ack = await until((reply) => reply.type === "ack" && reply.cid === cid);
    return ack.type === "ack" ? ack.seq : 0;
  };
  return {
    join,
    /** Says `text` in `room` (answering message `replyTo`, if given); resolves with its seq. */
    say(room: string, text: string, replyTo?: number) {
      return change(room, { type: "send", text, ...(replyTo ? { reply_to: replyTo } : {}) });
    },
    edit(room: string, target: number, text: string) {
      return change(room, { type: "edit", target, text });
    },
    react(room: string, target: number, emoji: string) {
      return change(room, { type: "react", target, emoji, on: true });
    },
    /** Sends `frame` and resolves with the first frame `match` takes. */
    ask(frame: object, match: (frame: ServerFrame) => boolean): Promise<ServerFrame> {
      socket.send(JSON.stringify(frame));
      return until(match);
    },
    typing(room: string) {
      socket.send(JSON.stringify({ type: "typing", room }));
    },
    async close() {
      const closed = new Promise((resolve) => (socket.onclose = resolve));
      socket.close(1000);
      await closed;
    },
  };
}

type Speaker = Awaited<ReturnType<typeof connectAs>>;

async function seedYesterday(origin: string) {
  const grace = await connectAs(origin, "grace");
  const linus = await connectAs(origin, "linus");
  await grace.say("general", "Morning all! The new build is on staging.");
  await linus.say("general", "Nice. I'll run the soak test against it tonight.");
  await grace.say("design", "Draft of the new sidebar: https://example.com/figma/sidebar");
  await linus.say("incidents", "Resolved: the 03:10 latency spike was a noisy neighbour.");
  await grace.close();
  await linus.close();
}

async function seedToday(origin: string): Promise<{ grace: Speaker; linus: Speaker }> {
  const grace = await connectAs(origin, "grace");
  const linus = await connectAs(origin, "linus");
  // Ada is a member of general, so that a mention of her there counts.
  const ada = await connectAs(origin, "ada");
  await ada.join("general");
  const soak = await linus.say("general", "Soak test done: 8 hours, 0 lost messages, p99 40 ms.");
  await linus.edit("general", soak, "Soak test done: 8 hours, 0 lost messages, p99 41 ms.");
  await grace.react("general", soak, "🎉");
  await ada.react("general", soak, "🎉");
  await grace.react("general", soak, "🚀");
  const shipping = await grace.say("general", "Shipping it then. Release notes are in #release.");
  await linus.say(
    "general",
    "I killed the server twice mid-test — every client resumed from its last seq.\nNothing shown twice.",
    shipping,
  );
  await grace.say("general", "That's the whole point of the log being the truth 😄");
  await grace.say("general", "@ada could you give the **release notes** a last look?");
  await grace.say("release", "v1.4 notes: https://example.com/switchboard/releases/v1.4");
  // Ada's private room with grace, and linus's direct message to her, for her sidebar.
  await ada.ask(
    { type: "create_room", room: "launch-plan", visibility: "private" },
    (frame) => frame.type === "joined",
  );
  await ada.ask(
    { type: "invite", room: "launch-plan", user: "grace" },
    (frame) => frame.type === "invited",
  );
  await ada.close();
  await grace.say("launch-plan", "Press embargo lifts Thursday 09:00.");
  const dm = await linus.ask(
    { type: "dm", users: ["ada"] },
    (frame) => frame.type === "joined",
  );
  if (dm.type === "joined") await linus.say(dm.room, "Got a minute after standup?");
  return { grace, linus };
}

async function signIn(page: Page, origin: string, name: string) {
  await page.goto(`${origin}/login`);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${origin}/?room=general`);
  await page.locator(".chat-app[data-state=open]").waitFor();
  await page.locator(".msg").first().waitFor();
}

async function shoot(
  browser: Browser,
  name: string,
  options: BrowserContextOptions & { fullPage?: boolean },
  drive: (page: Page) => Promise<void>,
) {
  const { fullPage = false, ...contextOptions } = options;
  const context = await browser.newContext({ deviceScaleFactor: 2, ...contextOptions });
  try {
    const page = await context.newPage();
    await drive(page);
    await page.screenshot({ path: new URL(name, DOCS).pathname, fullPage });
    console.log(`wrote docs/${name}`);
  } finally {
    await context.close();
  }
}

async function main() {
  const dir = await Deno.makeTempDir({ prefix: "sb-screenshots-" });
  const kvPath = `${dir}/switchboard.kv`;
  // Two weeks of status history, so that the 24 h and 7 d views have something to show.
  const kv = await Deno.openKv(kvPath);
  await seedStatusHistory(kv, Date.now());
  kv.close();
  const clock = createShiftedClock();
  const switchboard = await createSwitchboard({
    env: {
      KV_PATH: kvPath,
      JWT_SECRETS: crypto.randomUUID(),
      LOG_LEVEL: "error",
    },
    clock,
  });
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    switchboard.handler,
  );
  const origin = `http://127.0.0.1:${server.addr.port}`;
  await using browser = await launchBrowser();
  try {
    clock.shiftMs = DAY_MS;
    await seedYesterday(origin);
    clock.shiftMs = 0;
    const { grace, linus } = await seedToday(origin);
    await Deno.mkdir(DOCS, { recursive: true });

    const desktop = { viewport: { width: 1280, height: 800 } };
    await shoot(browser, "login.png", { viewport: { width: 1024, height: 800 } }, async (page) => {
      await page.goto(`${origin}/login`);
      await page.getByLabel("Name").fill("grace");
      await page.getByLabel("Password").fill("not her password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").filter({ hasText: "wrong name or password" }).waitFor();
    });
    const chat = (post: string, releaseNote: string) => async (page: Page) => {
      await signIn(page, origin, "ada");
      await page.locator("#create-room-input").fill("release");
      await page.getByRole("button", { name: "Go", exact: true }).click();
      await page.locator(".msg").filter({ hasText: "v1.4 notes" }).waitFor();
      await page.locator(".room-link", { hasText: "general" }).click();
      await page.locator(".msg-text").filter({ hasText: "Shipping it" }).waitFor();
      await grace.say("release", releaseNote);
      await page.locator(".room-link .mention-badge").waitFor();
      await page.locator("#composer-input").fill(post);
      await page.keyboard.press("Enter");
      await page.locator(".msg-own[data-status=sent]", { hasText: post }).waitFor();
      linus.typing("general");
      await page.locator(".typing", { hasText: "linus is typing" }).waitFor();
    };
    await shoot(
      browser,
      "chat.png",
      desktop,
      chat("Great work, both of you. Ship it!", "@ada changelog reviewed, over to you!"),
    );
    await shoot(browser, "chat-search.png", desktop, async (page) => {
      await signIn(page, origin, "ada");
      await switchboard.services.searchIndexer?.idle();
      await page.locator(".search-toggle").click();
      await page.locator("#search-input").fill("release notes");
      await page.locator("#search-input").press("Enter");
      await page.locator(".search-result").first().waitFor();
    });
    await shoot(
      browser,
      "chat-dark.png",
      { ...desktop, colorScheme: "dark" },
      chat("Dark mode looks good on the release too.", "Tagged v1.4.0, @ada."),
    );
    await shoot(
      browser,
      "chat-mobile.png",
      { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
      async (page) => {
        await signIn(page, origin, "ada");
        await page.locator(".msg", { hasText: "Dark mode looks good" }).waitFor();
      },
    );
    const status = async (page: Page) => {
      await signIn(page, origin, "ada");
      await page.goto(`${origin}/status?range=24h`);
      await page.locator("[data-feed-mode=live], [data-feed-mode=polling]").waitFor();
      await page.locator('[data-range-state="ready"]').waitFor({ state: "attached" });
    };
    await shoot(browser, "status.png", { ...desktop, fullPage: true }, status);
    await shoot(
      browser,
      "status-dark.png",
      { ...desktop, colorScheme: "dark", fullPage: true },
      status,
    );
    await grace.close();
    await linus.close();
  } finally {
    await switchboard.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
