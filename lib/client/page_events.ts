/**
 * The network and page signals the client reacts to: `offline` pauses
 * reconnect attempts, `online` and the page becoming `visible` again (a laptop
 * waking up) reconnect at once instead of waiting out a long backoff. They are
 * an injected source so tests can drive them.
 *
 * @example
 * ```ts
 * const events = createManualPageEvents();
 * const client = createChatClient({ pageEvents: events });
 * events.emit("offline");
 * ```
 */

/** What happened to the network or the page. */
export type PageEvent = "online" | "offline" | "visible" | "hidden";

/** A source of {@linkcode PageEvent}s. */
export interface PageEvents {
  /** Whether the network is up now. */
  isOnline(): boolean;
  /** Starts listening; returns the function that stops. */
  subscribe(listener: (event: PageEvent) => void): () => void;
}

/**
 * Listens to `online`/`offline` on `globalThis` and to `visibilitychange` on
 * `document` where there is one. Where `navigator.onLine` is unknown (Deno),
 * the network counts as up.
 */
export function createBrowserPageEvents(): PageEvents {
  return {
    isOnline: () => globalThis.navigator?.onLine ?? true,
    subscribe(listener) {
      const online = () => listener("online");
      const offline = () => listener("offline");
      const visibility = () =>
        listener(document.visibilityState === "visible" ? "visible" : "hidden");
      globalThis.addEventListener("online", online);
      globalThis.addEventListener("offline", offline);
      const hasDocument = typeof document !== "undefined";
      if (hasDocument) document.addEventListener("visibilitychange", visibility);
      return () => {
        globalThis.removeEventListener("online", online);
        globalThis.removeEventListener("offline", offline);
        if (hasDocument) document.removeEventListener("visibilitychange", visibility);
      };
    },
  };
}

/** Page events fired by hand (tests, or hosts that learn of the network otherwise). */
export interface ManualPageEvents extends PageEvents {
  emit(event: PageEvent): void;
}

/** Creates {@linkcode ManualPageEvents}, online unless told otherwise. */
export function createManualPageEvents(online = true): ManualPageEvents {
  const listeners = new Set<(event: PageEvent) => void>();
  return {
    isOnline: () => online,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      if (event === "online" || event === "offline") online = event === "online";
      for (const listener of listeners) listener(event);
    },
  };
}
