import { page } from "../lib/framework/context.ts";
import { ErrorBody, safeNextPath } from "../lib/protocol/mod.ts";
import { Header } from "../components/Header.tsx";
import LoginForm, { type LoginMode } from "../islands/LoginForm.tsx";
import { readFormBody } from "../lib/server/http/mod.ts";
import { define } from "../utils.ts";

interface LoginData {
  error: string | null;
  name: string;
  next: string;
  mode: LoginMode;
}

/** `?mode=register` (or a form posted in that mode) creates an account; anything else signs in. */
function modeOf(value: unknown): LoginMode {
  return value === "register" ? "register" : "login";
}

export const handler = define.handlers({
  GET: (ctx) =>
    page<LoginData>({
      error: null,
      name: "",
      next: safeNextPath(ctx.url.searchParams.get("next")),
      mode: modeOf(ctx.url.searchParams.get("mode")),
    }),

  /**
   * The form without JavaScript: the same API calls (`intent=guest` continues
   * as a guest, else the form's mode signs in or registers), then a redirect
   * or the form again.
   */
  async POST(ctx) {
    const read = await readFormBody(ctx.req);
    if (!read.ok) return read.response;
    const form = read.body;
    const name = String(form.get("name") ?? "").trim();
    const mode = modeOf(form.get("mode"));
    // `mode=guest` is how forms before accounts had modes said it.
    const guest = form.get("intent") === "guest" || form.get("mode") === "guest";
    const path = guest ? "/api/guest" : mode === "register" ? "/api/register" : "/api/login";
    const apiRequest = new Request(new URL(path, ctx.url), {
      method: "POST",
      headers: forwardedHeaders(ctx.req),
      body: JSON.stringify(
        guest ? { name } : { name, password: String(form.get("password") ?? "") },
      ),
    });
    const { auth } = ctx.state.services;
    const response = guest
      ? await auth.handleGuest(apiRequest, ctx.info)
      : mode === "register"
      ? await auth.handleRegister(apiRequest, ctx.info)
      : await auth.handleLogin(apiRequest, ctx.info);
    const next = safeNextPath(form.get("next"));
    if (response.ok) {
      const headers = new Headers({ location: next });
      for (const cookie of response.headers.getSetCookie()) headers.append("set-cookie", cookie);
      return new Response(null, { status: 303, headers });
    }
    const body = ErrorBody.safeParse(await response.json().catch(() => null));
    const error = body.success
      ? body.data.error.message
      : `sign-in failed (HTTP ${response.status})`;
    return page<LoginData>({ error, name, next, mode }, { status: response.status });
  },
});

/**
 * The form's request headers for the API call: the auth endpoints judge the
 * same `Origin`, `Sec-Fetch-Site`, proxy headers and address as the form's.
 */
function forwardedHeaders(req: Request): Headers {
  const headers = new Headers(req.headers);
  headers.delete("content-length");
  headers.delete("transfer-encoding");
  headers.set("content-type", "application/json");
  return headers;
}

export default define.page<typeof handler>(({ data }) => (
  <div class="shell">
    <Header current="/login" />
    <main class="login-main" id="main">
      <div class="login-card">
        <LoginForm error={data.error} name={data.name} next={data.next} mode={data.mode} />
      </div>
    </main>
  </div>
));
