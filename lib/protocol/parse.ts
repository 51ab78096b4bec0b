/**
 * Turning raw text into a typed frame without ever throwing: the socket loop
 * gets either a frame or a precise reason it was refused.
 *
 * @example
 * ```ts
 * const result = parseClientFrame('{"type":"ping","t":1}');
 * if (result.ok) console.log(result.frame.type); // "ping"
 * else console.log(result.error.message);
 * ```
 */
import type { z } from "zod";
import { ClientFrame } from "./frames.ts";

/** Why a frame was refused: which field (a dotted path, `""` for the whole frame) and what. */
export interface FrameError {
  field: string;
  message: string;
  /** The frame's `ref`, when it had a readable one, so the error can be matched. */
  ref?: string;
}

/** A parse outcome. */
export type ParseResult<T> = { ok: true; frame: T } | { ok: false; error: FrameError };

const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Finds a key that could be used for prototype pollution, anywhere in the value. */
function findForbiddenKey(value: unknown, path: string): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  for (const key of Object.keys(value)) {
    const here = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) return here;
    const inner = findForbiddenKey((value as Record<string, unknown>)[key], here);
    if (inner) return inner;
  }
  return undefined;
}

function describeIssue(issue: z.core.$ZodIssue): FrameError {
  const field = issue.path.map(String).join(".");
  return { field, message: field ? `${field}: ${issue.message}` : issue.message };
}

function parseWith<S extends z.ZodType>(
  schema: S,
  text: string,
): ParseResult<z.infer<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: { field: "", message: "frame is not valid JSON" } };
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, error: { field: "", message: "frame must be a JSON object" } };
  }
  const maybeRef = (raw as { ref?: unknown }).ref;
  const ref = typeof maybeRef === "string" && maybeRef.length <= 128 ? maybeRef : undefined;
  const forbidden = findForbiddenKey(raw, "");
  if (forbidden) {
    return {
      ok: false,
      error: { field: forbidden, message: `${forbidden}: this key is not allowed`, ref },
    };
  }
  if (typeof (raw as { type?: unknown }).type !== "string") {
    return { ok: false, error: { field: "type", message: "type: missing or not a string", ref } };
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, frame: result.data };
  return { ok: false, error: { ...describeIssue(result.error.issues[0]), ref } };
}

/** Parses one client frame (server side). */
export function parseClientFrame(text: string): ParseResult<ClientFrame> {
  return parseWith(ClientFrame, text);
}
