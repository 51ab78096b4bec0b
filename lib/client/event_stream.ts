/**
 * A parser of `text/event-stream` (the Server-Sent Events wire format) fed with
 * decoded text chunks, so the fallback transport can read the stream with
 * `fetch` and send an `Authorization` header (`EventSource` cannot).
 *
 * Only `data` matters to Switchboard: each event's data lines, joined with
 * `\n`, are handed over when a blank line ends the event. Comments (`:` lines,
 * used as keep-alives) and the other fields are skipped.
 *
 * @example
 * ```ts
 * const parser = createEventStreamParser((data) => console.log(data));
 * parser.push('data: {"type":"ping"');
 * parser.push(',"t":1}\n\n'); // logs {"type":"ping","t":1}
 * ```
 */

/** Receives decoded chunks in order. */
export interface EventStreamParser {
  push(chunk: string): void;
}

/** Creates an {@linkcode EventStreamParser} calling `onData` once per event. */
export function createEventStreamParser(onData: (data: string) => void): EventStreamParser {
  let buffer = "";
  let dataLines: string[] = [];

  const takeLine = (line: string) => {
    if (line === "") {
      if (dataLines.length > 0) onData(dataLines.join("\n"));
      dataLines = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== "data") return;
    const value = colon === -1 ? "" : line.slice(colon + 1);
    dataLines.push(value.startsWith(" ") ? value.slice(1) : value);
  };

  return {
    push(chunk) {
      buffer += chunk;
      // A trailing "\r" may be the first half of "\r\n": wait for the next chunk.
      const lines = buffer.split(/\r\n|\r(?!$)|\n/);
      buffer = lines.pop() ?? "";
      for (const line of lines) takeLine(line);
    },
  };
}
