import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";

/** How a lazily loaded component is found: a dynamic `import()` of its module. */
export type ComponentLoader<Props> = () => Promise<ComponentType<Props>>;

/**
 * A component whose code is fetched on its first render rather than with the
 * page: `deno task build` puts the module behind a dynamic `import()` in a
 * chunk of its own, so controls only needed after a click (dialogs, the
 * reaction picker, the editor) do not weigh on the page's load. It renders
 * nothing until the chunk arrives; a chunk that cannot be fetched is said in
 * words and tried again on the next render that mounts it.
 *
 * @example
 * ```tsx
 * const Panel = lazyComponent(() =>
 *   import("./DiagnosticsPanel.tsx").then((module) => module.DiagnosticsPanel)
 * );
 * <Panel client={client} now={now} onClose={close} />;
 * ```
 */
export function lazyComponent<Props extends object>(
  load: ComponentLoader<Props>,
): ComponentType<Props> {
  let loaded: ComponentType<Props> | null = null;
  let loading: Promise<ComponentType<Props>> | null = null;
  return function LazyComponent(props: Props) {
    const [component, setComponent] = useState(() => loaded);
    const [failed, setFailed] = useState(false);
    useEffect(() => {
      if (component) return;
      let mounted = true;
      loading ??= load().then((found) => loaded = found);
      loading.then(
        (found) => mounted && setComponent(() => found),
        () => {
          // Forget the failure so the next mount fetches again (the connection may be back).
          loading = null;
          if (mounted) setFailed(true);
        },
      );
      return () => {
        mounted = false;
      };
    }, []);
    if (component) {
      const Loaded = component;
      return <Loaded {...props} />;
    }
    return failed
      ? (
        <span class="msg-state msg-state-failed" role="alert">
          Could not load this control; check the connection and try again.
        </span>
      )
      : null;
  };
}
