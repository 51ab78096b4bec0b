import { Header } from "../components/Header.tsx";
import { define } from "../utils.ts";

export default define.page(({ url }) => (
  <div class="shell">
    <Header current="" />
    <main class="empty-state" id="main">
      <h1>Not found</h1>
      <p>
        There is nothing at <code>{url.pathname}</code>. <a href="/">Back to chat</a>
      </p>
    </main>
  </div>
));
