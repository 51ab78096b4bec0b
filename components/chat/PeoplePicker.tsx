import { useEffect, useState } from "preact/hooks";
import type { PeopleFound } from "../../lib/client/people.ts";
import type { PublicUser } from "../../lib/protocol/frames.ts";
import { Avatar } from "./Avatar.tsx";
import { isGuest, UserName } from "./UserName.tsx";

/** Props of {@linkcode PeoplePicker}. */
export interface PeoplePickerProps {
  /** Looks people up by the start of their name. */
  find(prefix: string): Promise<PeopleFound>;
  /** Most people that can be picked. */
  max: number;
  picked: readonly PublicUser[];
  onPick(picked: readonly PublicUser[]): void;
}

/** Waits this long after the last keystroke before looking up. */
const TYPING_PAUSE_MS = 200;

/** Pick people by name: type the start of a name, choose from who matches. */
export function PeoplePicker({ find, max, picked, onPick }: PeoplePickerProps) {
  const [prefix, setPrefix] = useState("");
  const [found, setFound] = useState<PeopleFound>({ ok: true, users: [] });

  useEffect(() => {
    const typed = prefix.trim();
    if (typed === "") return setFound({ ok: true, users: [] });
    let current = true;
    const timer = setTimeout(async () => {
      const result = await find(typed);
      if (current) setFound(result);
    }, TYPING_PAUSE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [prefix]);

  const choices = found.ok
    ? found.users.filter((user) => !picked.some((other) => other.id === user.id))
    : [];
  const full = picked.length >= max;
  return (
    <div class="picker">
      {picked.length > 0 && (
        <ul class="picked" aria-label="Picked">
          {picked.map((user) => (
            <li key={user.id} class="chip">
              <UserName user={user} />
              <button
                type="button"
                class="link-button"
                onClick={() => onPick(picked.filter((other) => other.id !== user.id))}
              >
                ×<span class="sr-only">Remove {user.name}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <label class="sidebar-title" for="picker-input">Name</label>
      <input
        id="picker-input"
        class="input"
        autoComplete="off"
        spellcheck={false}
        maxLength={32}
        placeholder={full ? `at most ${max}` : "Start typing a name"}
        disabled={full}
        value={prefix}
        onInput={(event) => setPrefix(event.currentTarget.value)}
      />
      {!found.ok && <p class="field-error" role="alert">{found.message}</p>}
      <ul class="picker-results" aria-label="People found">
        {choices.map((user) => (
          <li key={user.id}>
            <button
              type="button"
              class="picker-person"
              onClick={() => {
                onPick([...picked, user]);
                setPrefix("");
              }}
            >
              <Avatar name={user.name} guest={isGuest(user)} size="sm" />
              <UserName user={user} />
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
