/**
 * One client per page. Every island that shows the connection (the chat, the
 * header's badge) asks for the same instance: island bundles share their
 * chunks, so this module and its client exist once per page.
 *
 * Two URL parameters tune the page's client, for tests and demos on a fast
 * network: `?backoff=aggressive` (or `immediate`) picks a backoff preset, and
 * `?probeMs=5000` probes the WebSocket that often while in fallback. Anything
 * else in them is ignored, so a hand-edited URL cannot break the page.
 *
 * @example
 * ```ts
 * const client = getPageClient(); // created and connecting on first call
 * client.join("general");
 * ```
 */
import type { BackoffPreset } from "./backoff.ts";
import { type ChatClient, type ChatClientOptions, createChatClient } from "./client.ts";

const PRESETS: readonly BackoffPreset[] = ["default", "aggressive", "immediate"];
const MIN_PROBE_MS = 1_000;

/**
 * The client options a page's URL asks for.
 *
 * @example
 * ```ts
 * pageClientOptions("?backoff=aggressive&probeMs=2000");
 * // { backoff: "aggressive", probeIntervalMs: 2000 }
 * ```
 */
export function pageClientOptions(
  search: string,
): Pick<ChatClientOptions, "backoff" | "probeIntervalMs"> {
  const params = new URLSearchParams(search);
  const options: Pick<ChatClientOptions, "backoff" | "probeIntervalMs"> = {};
  const backoff = params.get("backoff");
  if (PRESETS.includes(backoff as BackoffPreset)) options.backoff = backoff as BackoffPreset;
  const probeMs = Number(params.get("probeMs") ?? NaN);
  if (Number.isInteger(probeMs) && probeMs >= MIN_PROBE_MS) options.probeIntervalMs = probeMs;
  return options;
}

let pageClient: ChatClient | null = null;

/**
 * The page's client, created (with {@linkcode pageClientOptions} from the
 * page's URL) and connected on first call. Browser only.
 *
 * @example
 * ```ts
 * effect(() => console.log(getPageClient().state.value));
 * ```
 */
export function getPageClient(): ChatClient {
  if (!pageClient) {
    pageClient = createChatClient(pageClientOptions(location.search));
    pageClient.connect();
  }
  return pageClient;
}
