/**
 * Path patterns with `:name` parameters, the form file routes' `[name]`
 * folders compile to.
 *
 * @example
 * ```ts
 * const pattern = compilePattern("/rooms/:room/messages");
 * matchPattern(pattern, "/rooms/general/messages"); // { room: "general" }
 * matchPattern(pattern, "/rooms"); // null
 * matchSegments(pattern, pathSegments("/rooms/general/messages")); // { room: "general" }
 * ```
 */

/** A compiled path pattern. */
export interface PathPattern {
  readonly source: string;
  readonly segments: readonly Segment[];
  /** Literal segments before the first parameter: more specific routes sort first. */
  readonly literalCount: number;
}

type Segment = { kind: "literal"; value: string } | { kind: "param"; name: string };

/** The non-empty segments of a path: split once per request, then matched against every route. */
export function pathSegments(path: string): string[] {
  return path.split("/").filter((part) => part !== "");
}

/** Compiles `/a/:b/c` into a pattern. */
export function compilePattern(source: string): PathPattern {
  const segments: Segment[] = pathSegments(source).map((part) =>
    part.startsWith(":") ? { kind: "param", name: part.slice(1) } : { kind: "literal", value: part }
  );
  const literalCount = segments.filter((segment) => segment.kind === "literal").length;
  return { source, segments, literalCount };
}

/**
 * Matches a request path; returns the decoded params, or `null`. A param
 * segment that does not decode (bad percent-escape) does not match.
 */
export function matchPattern(
  pattern: PathPattern,
  pathname: string,
): Record<string, string> | null {
  return matchSegments(pattern, pathSegments(pathname));
}

/** {@linkcode matchPattern} for a path already split by {@linkcode pathSegments}. */
export function matchSegments(
  pattern: PathPattern,
  parts: readonly string[],
): Record<string, string> | null {
  if (parts.length !== pattern.segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const segment = pattern.segments[i];
    if (segment.kind === "literal") {
      if (segment.value !== parts[i]) return null;
      continue;
    }
    try {
      params[segment.name] = decodeURIComponent(parts[i]);
    } catch {
      return null;
    }
  }
  return params;
}

/**
 * Turns a file route path (relative to `routes/`, without extension) into a
 * URL pattern: `index` → `/`, `api/[room]/index` → `/api/:room`.
 */
export function patternFromRouteFile(relativePath: string): string {
  const parts = relativePath.split("/").filter((part) => part !== "index");
  const converted = parts.map((part) => part.replace(/^\[(\w+)\]$/, ":$1"));
  return "/" + converted.join("/");
}

/** Orders patterns so that literal segments win over parameters. */
export function compareSpecificity(a: PathPattern, b: PathPattern): number {
  for (let i = 0; i < Math.min(a.segments.length, b.segments.length); i++) {
    const aParam = a.segments[i].kind === "param";
    const bParam = b.segments[i].kind === "param";
    if (aParam !== bParam) return aParam ? 1 : -1;
  }
  return b.literalCount - a.literalCount;
}
