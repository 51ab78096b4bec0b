import { useState } from "preact/hooks";
import type { PeopleFound } from "../../lib/client/people.ts";
import type { PublicUser } from "../../lib/protocol/frames.ts";
import { isDmRoom, isRoomName, ROOM_NAME_HELP } from "../../lib/protocol/names.ts";
import { Dialog } from "./Dialog.tsx";
import { PeoplePicker } from "./PeoplePicker.tsx";

/** What a dialog's action answers: null when done, else what went wrong, in words. */
type Outcome = Promise<string | null>;

/** The server's messages are lower-case phrases; dialogs show them as sentences. */
function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Runs a dialog's action, keeping its error (or closing it when done). */
function useAction(onClose: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (action: () => Outcome) => {
    setBusy(true);
    setError(null);
    const failed = await action();
    setBusy(false);
    if (failed === null) onClose();
    else setError(sentence(failed));
  };
  return { busy, error, run };
}

/** "New private room": a name, then the room, yours, that only those you invite may join. */
export function NewRoomDialog(
  { onCreate, onClose }: { onCreate(name: string): Outcome; onClose(): void },
) {
  const [name, setName] = useState("");
  const { busy, error, run } = useAction(onClose);
  const room = name.trim().toLowerCase();
  const problem = room === "" || isRoomName(room)
    ? isDmRoom(room) ? "names starting dm- are for direct messages" : null
    : ROOM_NAME_HELP;
  return (
    <Dialog title="New private room" onClose={onClose}>
      <form
        class="dialog-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (room !== "" && !problem) void run(() => onCreate(room));
        }}
      >
        <p class="muted small">Only the people you invite can find it, read it or join it.</p>
        <label class="sidebar-title" for="new-room-input">Room name</label>
        <input
          id="new-room-input"
          class="input"
          maxLength={64}
          autoComplete="off"
          spellcheck={false}
          placeholder="room-name"
          value={name}
          onInput={(event) => setName(event.currentTarget.value)}
        />
        <p class={problem || error ? "field-error" : "field-help"} role="alert">
          {problem ?? error ?? "a–z, 0–9, - and _, up to 64"}
        </p>
        <button
          type="submit"
          class="button button-primary"
          disabled={busy || room === "" || !!problem}
        >
          {busy ? "Creating…" : "Create private room"}
        </button>
      </form>
    </Dialog>
  );
}

/** Props of {@linkcode PeopleDialog}. */
export interface PeopleDialogProps {
  title: string;
  /** What the dialog is for, in a sentence. */
  intro: string;
  /** The button's words. */
  action: string;
  /** Most people to pick. */
  max: number;
  find(prefix: string): Promise<PeopleFound>;
  onSubmit(people: readonly PublicUser[]): Outcome;
  onClose(): void;
}

/** Pick people by name, then act on them: "Message someone", "Invite to #room". */
export function PeopleDialog(props: PeopleDialogProps) {
  const [picked, setPicked] = useState<readonly PublicUser[]>([]);
  const { busy, error, run } = useAction(props.onClose);
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <form
        class="dialog-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (picked.length > 0) void run(() => props.onSubmit(picked));
        }}
      >
        <p class="muted small">{props.intro}</p>
        <PeoplePicker find={props.find} max={props.max} picked={picked} onPick={setPicked} />
        {error && <p class="field-error" role="alert">{error}</p>}
        <button type="submit" class="button button-primary" disabled={busy || picked.length === 0}>
          {busy ? "Working…" : props.action}
        </button>
      </form>
    </Dialog>
  );
}
