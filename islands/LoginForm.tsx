import { useState } from "preact/hooks";
import { continueAsGuest, signIn } from "../lib/client/session.ts";
import { safeNextPath } from "../lib/protocol/next_path.ts";

/** Props of {@linkcode LoginForm}. */
export interface LoginFormProps {
  /** An error from a plain (no JavaScript) form post. */
  error: string | null;
  /** The name typed before that post. */
  name: string;
  /** Where to go once signed in. */
  next: string;
}

type Mode = "login" | "guest";

/** The server's messages are lower-case phrases; the form shows them as sentences. */
function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Sign in (a new name registers it) or continue as a guest. Without
 * JavaScript it is a plain form posted to `/login`; with it, the page calls
 * the API and shows the server's error in place.
 */
export default function LoginForm(props: LoginFormProps) {
  const [error, setError] = useState(props.error);
  const [busy, setBusy] = useState<Mode | null>(null);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const mode: Mode = (event.submitter as HTMLButtonElement | null)?.value === "guest"
      ? "guest"
      : "login";
    const name = String(data.get("name") ?? "").trim();
    setBusy(mode);
    setError(null);
    const result = mode === "guest"
      ? await continueAsGuest({ name })
      : await signIn({ name, password: String(data.get("password") ?? "") });
    // The server checked `next` already; checking again here keeps this path safe on its own.
    if (result.ok) return location.assign(safeNextPath(props.next));
    setBusy(null);
    setError(result.message);
  };

  return (
    <form class="login-form" method="post" action="/login" onSubmit={submit} noValidate={false}>
      <input type="hidden" name="next" value={props.next} />
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
          autoComplete="current-password"
          required
          minLength={8}
          aria-describedby="login-password-help"
        />
        <p id="login-password-help" class="field-help">
          New here? Signing in with a new name registers it (8 characters or more).
        </p>
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
        name="mode"
        value="login"
        class="button button-primary button-block"
        disabled={busy !== null}
      >
        {busy === "login" ? "Signing in…" : "Sign in"}
      </button>
      <div class="divider">
        <span>or</span>
      </div>
      <button
        type="submit"
        name="mode"
        value="guest"
        formNoValidate
        class="button button-block"
        disabled={busy !== null}
      >
        {busy === "guest" ? "Joining…" : "Continue as guest"}
      </button>
      <p class="field-help center">
        Guests need only a name; their messages stay after they leave.
      </p>
    </form>
  );
}
