import { page } from "../lib/framework/context.ts";
import { DEFAULT_ROOM, ROOM_PAGE_DEFAULT, RoomName } from "../lib/protocol/mod.ts";
import { hasSessionHint } from "../lib/server/auth/mod.ts";
import { Header } from "../components/Header.tsx";
import Chat from "../islands/Chat.tsx";
import ConnectionBadge from "../islands/ConnectionBadge.tsx";
import { define } from "../utils.ts";

export const handler = define.handlers({
  async GET(ctx) {
    // Never signed in here: straight to the form, and back here after it.
    if (!hasSessionHint(ctx.req)) {
      const next = encodeURIComponent(ctx.url.pathname + ctx.url.search).replaceAll("%2F", "/");
      return ctx.redirect(`/login?next=${next}`);
    }
    const { services } = ctx.state;
    const requested = RoomName.safeParse(ctx.url.searchParams.get("room"));
    return page({
      // The first page only: the sidebar lists at most this many rooms, however many exist.
      rooms: (await services.rooms.listRooms({ limit: ROOM_PAGE_DEFAULT })).rooms,
      room: requested.success ? requested.data : DEFAULT_ROOM,
      wsDebug: ctx.url.searchParams.get("wsDebug") === "1",
      maxChars: services.config.maxTextChars,
      renderedAt: new Date(),
    });
  },
});

export default define.page<typeof handler>(({ data }) => (
  <div class="shell shell-app">
    <a class="skip-link" href="#composer-input">Skip to message box</a>
    <Header current="/">
      <ConnectionBadge renderedAt={data.renderedAt} />
    </Header>
    <main class="chat-main" id="main">
      <Chat rooms={data.rooms} room={data.room} wsDebug={data.wsDebug} maxChars={data.maxChars} />
    </main>
  </div>
));
