/**
 * Who an isolate is, for the status page's table of isolates and for telling
 * snapshots apart: a random id, where it runs, what it runs, since when.
 *
 * @example
 * ```ts
 * const identity = createIsolateIdentity({ clock, version: "1.4.0", buildId: "3f2c9e1" });
 * identity.id; // "5b0d…" (random per isolate)
 * ```
 */
import type { Clock } from "../../time/clock.ts";

/** One isolate's identity. */
export interface IsolateIdentity {
  id: string;
  /** The host name, or `"unknown"` where it cannot be read. */
  host: string;
  /** The Deno Deploy region, `null` elsewhere. */
  region: string | null;
  /** The application's version. */
  version: string;
  /** The build (commit or deployment) that runs. */
  build_id: string;
  deno_version: string;
  /** When the isolate's metrics started counting (ms). */
  started_at: number;
}

/** Options of {@linkcode createIsolateIdentity}. */
export interface IsolateIdentityOptions {
  clock: Clock;
  version: string;
  buildId: string;
  /** Defaults to a random UUID. */
  id?: string;
  /** Defaults to `Deno.hostname()`. */
  host?: string;
  /** Defaults to the `DENO_REGION` variable Deno Deploy sets. */
  region?: string | null;
}

function readHost(): string {
  try {
    return Deno.hostname();
  } catch {
    // Without --allow-sys the host name is not readable; the id still tells isolates apart.
    return "unknown";
  }
}

function readRegion(): string | null {
  try {
    return Deno.env.get("DENO_REGION") ?? null;
  } catch {
    return null;
  }
}

/** Describes the running isolate, starting now. */
export function createIsolateIdentity(options: IsolateIdentityOptions): IsolateIdentity {
  return {
    id: options.id ?? crypto.randomUUID(),
    host: options.host ?? readHost(),
    region: options.region === undefined ? readRegion() : options.region,
    version: options.version,
    build_id: options.buildId,
    deno_version: Deno.version.deno,
    started_at: options.clock.now(),
  };
}
