/**
 * Turning raw text into a typed frame without ever throwing: the socket loop
 * gets either a frame or a precise reason it was refused. Before the schema
 * sees it, a frame is refused for a key that could pollute a prototype, or
 * for nesting deeper than {@linkcode MAX_FRAME_DEPTH} levels (whatever its
 * depth, the check itself never recurses).
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

/**
 * The deepest nesting of objects and arrays a frame may have, the frame itself
 * being level 1. No frame of the contract needs more than a few levels.
 */
export const MAX_FRAME_DEPTH = 32;

/** An object or array met by the scan, and how it was reached (for the error's path). */
interface Visit {
  value: object;
  depth: number;
  key: string;
  parent: Visit | undefined;
}

function pathOf(visit: Visit | undefined, key: string): string {
  const keys = [key];
  for (let at = visit; at?.parent; at = at.parent) keys.push(at.key);
  return keys.reverse().join(".");
}

/**
 * Finds what makes a parsed frame unsafe to hand on: a key that could be used
 * for prototype pollution, or a nesting deeper than {@linkcode MAX_FRAME_DEPTH}.
 * The scan keeps its own stack rather than recursing, so that no frame, however
 * deep, can exhaust the call stack; siblings are visited in document order.
 */
function findUnsafeShape(root: object): FrameError | undefined {
  const pending: Visit[] = [{ value: root, depth: 1, key: "", parent: undefined }];
  while (pending.length > 0) {
    const visit = pending.pop()!;
    const children: Visit[] = [];
    for (const key of Object.keys(visit.value)) {
      if (FORBIDDEN_KEYS.has(key)) {
        const field = pathOf(visit, key);
        return { field, message: `${field}: this key is not allowed` };
      }
      const inner = (visit.value as Record<string, unknown>)[key];
      if (inner === null || typeof inner !== "object") continue;
      if (visit.depth === MAX_FRAME_DEPTH) {
        const field = pathOf(visit, key);
        return { field, message: `${field}: nested deeper than ${MAX_FRAME_DEPTH} levels` };
      }
      children.push({ value: inner, depth: visit.depth + 1, key, parent: visit });
    }
    for (let index = children.length - 1; index >= 0; index--) pending.push(children[index]);
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
  const unsafe = findUnsafeShape(raw);
  if (unsafe) return { ok: false, error: { ...unsafe, ref } };
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
