import { linkify } from "../linkify.ts";

/** Message text as text, with http(s) links clickable; nothing is parsed as HTML. */
export function MessageText({ text }: { text: string }) {
  return (
    <p class="msg-text">
      {linkify(text).map((segment, i) =>
        segment.kind === "text"
          ? segment.text
          : (
            <a key={i} href={segment.href} target="_blank" rel="noopener noreferrer">
              {segment.text}
            </a>
          )
      )}
    </p>
  );
}
