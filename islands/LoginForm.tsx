import { useState } from "preact/hooks";
import { continueAsGuest, register, signIn } from "../lib/client/session.ts";
import { safeNextPath } from "../lib/protocol/next_path.ts";

/** Signing in to an existing account, or creating one. */
export type LoginMode = "login" | "register";

/** Props of {@linkcode LoginForm}. */
export interface LoginFormProps {
  /** An error from a plain (no JavaScript) form post. */
  error: string | null;
  /** The name typed before that post. */
  name: string;
  /** Where to go once signed in. */
  next: string;
  /** Which of the two the form does (`/login?mode=register` creates an account). */
  mode: LoginMode;
}

/** The server's messages are lower-case phrases; the form shows them as sentences. */
function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const WORDS = {
  login: {
    title: "Sign in to Switchboard",
    intro: "Welcome back. Sign in with your name and password.",
    submit: "Sign in",
    busy: "Signing in…",
    password: "current-password",
    help: "The password you chose when you created the account.",
  },
  register: {
    title: "Create your Switchboard account",
    intro: "Pick a name nobody uses yet; it is yours from now on.",
    submit: "Create account",
    busy: "Creating account…",
    password: "new-password",
    help: "8 characters or more.",
  },
} as const;

/**
 * Sign in, or create an account (two modes with their own heading and
 * button, switched by links that also work without JavaScript), or continue as
 * a guest. Without JavaScript it is a plain form posted to `/login`; with it,
 * the page calls the API and shows the server's error in place.
 */
export default function LoginForm(props: LoginFormProps) {
  const [mode, setMode] = useState(props.mode);
  const [error, setError] = useState(props.error);
  const [busy, setBusy] = useState<"account" | "guest" | null>(null);
  const words = WORDS[mode];
  const modeHref = (to: LoginMode) =>
    `/login?${new URLSearchParams({
      ...(to === "register" ? { mode: to } : {}),
      next: props.next,
    })}`;

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const guest = (event.submitter as HTMLButtonElement | null)?.value === "guest";
    const name = String(data.get("name") ?? "").trim();
    const credentials = { name, password: String(data.get("password") ?? "") };
    setBusy(guest ? "guest" : "account");
    setError(null);
    const result = guest
      ? await continueAsGuest({ name })
      : mode === "register"
      ? await register(credentials)
      : await signIn(credentials);
    // The server checked `next` already; checking again here keeps this path safe on its own.
    if (result.ok) return location.assign(safeNextPath(props.next));
    setBusy(null);
    setError(result.message);
  };

  const switchTo = (to: LoginMode) => (event: MouseEvent) => {
    event.preventDefault();
    setMode(to);
    setError(null);
    history.replaceState(null, "", modeHref(to));
  };

  return (
    <>
      <div class="login-intro">
        <h1>{words.title}</h1>
        <p class="muted">{words.intro}</p>
      </div>
      <nav class="mode-switch" aria-label="Sign in or create an account">
        {(["login", "register"] as const).map((to) => (
          <a
            key={to}
            href={modeHref(to)}
            aria-current={mode === to ? "page" : undefined}
            onClick={switchTo(to)}
          >
            {WORDS[to].submit}
          </a>
        ))}
      </nav>
      <form class="login-form" method="post" action="/login" onSubmit={submit}>
        <input type="hidden" name="next" value={props.next} />
        <input type="hidden" name="mode" value={mode} />
        <div class="field">
          <label for="login-name">Name</label>
          <input
            id="login-name"
            class="input"
            name="name"
            autoComplete="username"
            required
            maxLength={32}
            defaultValue={props.name}
            aria-describedby="login-name-help"
            autoFocus
          />
          <p id="login-name-help" class="field-help">Letters, digits, “-”, “_” or “.”, up to 32.</p>
        </div>
        <div class="field">
          <label for="login-password">Password</label>
          <input
            id="login-password"
            class="input"
            name="password"
            type="password"
            autoComplete={words.password}
            required
            minLength={8}
            aria-describedby="login-password-help"
          />
          <p id="login-password-help" class="field-help">{words.help}</p>
        </div>
        <div class="form-error" role="alert" aria-live="assertive">
          {error && (
            <>
              <span class="form-error-icon" aria-hidden="true">!</span>
              {sentence(error)}
            </>
          )}
        </div>
        <button
          type="submit"
          name="intent"
          value="account"
          class="button button-primary button-block"
          disabled={busy !== null}
        >
          {busy === "account" ? words.busy : words.submit}
        </button>
        <div class="divider">
          <span>or</span>
        </div>
        <button
          type="submit"
          name="intent"
          value="guest"
          formNoValidate
          class="button button-block"
          disabled={busy !== null}
        >
          {busy === "guest" ? "Joining…" : "Continue as guest"}
        </button>
        <p class="field-help center">
          Guests need only a name, shown with a “guest” tag; they keep it while they are around.
        </p>
      </form>
    </>
  );
}
