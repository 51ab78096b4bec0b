import { useState } from "preact/hooks";
import type { Incident } from "../../lib/protocol/status.ts";
import { INCIDENT_NOTE_CHARS, INCIDENT_NOTES_MAX } from "../../lib/protocol/status_range.ts";
import { formatDateTime, formatDuration, HEALTH_WORDS } from "./format.ts";

/** Adds a note; resolves with why it could not, or null. */
export type AddNote = (incident: number, text: string) => Promise<string | null>;

/** Props of {@linkcode IncidentsPanel}. */
export interface IncidentsPanelProps {
  incidents: readonly Incident[];
  /** The status's `server_time`, for how long an open incident lasts so far. */
  now: number;
  /** Admins only: a form under each incident adds a note. */
  onAddNote?: AddNote;
}

function When({ ms }: { ms: number }) {
  return <time dateTime={new Date(ms).toISOString()}>{formatDateTime(ms)}</time>;
}

function NoteForm({ incident, onAddNote }: { incident: Incident; onAddNote: AddNote }) {
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const id = `note-${incident.id}`;
  if (incident.notes.length >= INCIDENT_NOTES_MAX) {
    return <p class="panel-note">This incident has its {INCIDENT_NOTES_MAX} notes.</p>;
  }
  return (
    <form
      class="note-form"
      onSubmit={async (event) => {
        event.preventDefault();
        if (text.trim() === "" || sending) return;
        setSending(true);
        const failed = await onAddNote(incident.id, text.trim());
        setSending(false);
        setProblem(failed);
        if (!failed) setText("");
      }}
    >
      <label for={id} class="visually-hidden">Note on this incident</label>
      <textarea
        id={id}
        class="input note-input"
        rows={2}
        maxLength={INCIDENT_NOTE_CHARS}
        placeholder="Add a note for everyone watching (what happened, what is being done)"
        value={text}
        onInput={(event) => {
          setText(event.currentTarget.value);
          setProblem(null);
        }}
      />
      <button type="submit" class="button" disabled={sending || text.trim() === ""}>
        Add note
      </button>
      {problem && <p class="field-error" role="alert">{problem}</p>}
    </form>
  );
}

/**
 * The periods the status was degraded or down in the last 90 days, newest
 * first: when each started and ended (UTC), how long it lasted, why, and
 * the notes admins added. Admins get a form to add one.
 *
 * @example
 * ```tsx
 * <IncidentsPanel incidents={data.incidents} now={status.server_time} />
 * ```
 */
export function IncidentsPanel({ incidents, now, onAddNote }: IncidentsPanelProps) {
  return (
    <section class="panel" aria-labelledby="incidents-title">
      <header class="panel-head">
        <h2 id="incidents-title">Incidents, last 90 days</h2>
        <p class="panel-sub">times in UTC</p>
      </header>
      {incidents.length === 0
        ? (
          <p class="panel-note">
            No incidents: whenever the status was recorded in the last 90 days, it was ok.
          </p>
        )
        : (
          <ol class="incidents">
            {incidents.map((incident) => {
              const lasted = ((incident.end ?? now) - incident.start) / 1_000;
              return (
                <li key={incident.id} class="incident" data-incident={incident.id}>
                  <p class="incident-head">
                    <span class={`tag tag-${incident.status === "down" ? "bad" : "warn"}`}>
                      {HEALTH_WORDS[incident.status].label}
                    </span>{" "}
                    <When ms={incident.start} /> to {incident.end === null
                      ? <strong>now, ongoing</strong>
                      : <When ms={incident.end} />}
                    <span class="incident-duration">
                      {incident.end === null ? " · for " : " · lasted "}
                      {formatDuration(lasted)}
                    </span>
                  </p>
                  {incident.reasons.length > 0 && (
                    <ul class="incident-reasons">
                      {incident.reasons.map((reason) => <li key={reason}>{reason}</li>)}
                    </ul>
                  )}
                  {incident.notes.length > 0 && (
                    <ol class="incident-notes" aria-label="Notes">
                      {incident.notes.map((note) => (
                        <li key={note.at}>
                          <p class="note-meta">
                            <When ms={note.at} /> · {note.by}
                          </p>
                          <p class="note-text">{note.text}</p>
                        </li>
                      ))}
                    </ol>
                  )}
                  {onAddNote && <NoteForm incident={incident} onAddNote={onAddNote} />}
                </li>
              );
            })}
          </ol>
        )}
    </section>
  );
}
