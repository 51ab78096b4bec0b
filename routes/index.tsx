import { page } from "../lib/framework/context.ts";
import { Header } from "../components/Header.tsx";
import ConnectionBadge from "../islands/ConnectionBadge.tsx";
import { define } from "../utils.ts";

export const handler = define.handlers({
  GET: () => page({ renderedAt: new Date() }),
});

export default define.page<typeof handler>(({ data }) => (
  <div class="shell">
    <Header current="/">
      <ConnectionBadge renderedAt={data.renderedAt} />
    </Header>
    <main class="chat-layout" id="main">
      <aside class="sidebar" aria-label="Rooms">
        <h2 class="sidebar-title">Rooms</h2>
        <ul class="room-list">
          <li>
            <a class="room-link" aria-current="page" href="/">
              <span class="hash">#</span>general
            </a>
          </li>
        </ul>
      </aside>
      <section class="chat-pane" aria-label="Messages">
        <div class="empty-state">
          <h1>Welcome to Switchboard</h1>
          <p>
            Real-time rooms with history that survives restarts. Sign in to start chatting.
          </p>
        </div>
      </section>
    </main>
  </div>
));
