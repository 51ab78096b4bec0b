/**
 * What a page makes a browser download, found the way a browser finds it:
 * the page's `<script src>`, `modulepreload` and stylesheet links, the island
 * bundles it names, then every module those import, each fetched with a
 * browser's `Accept-Encoding` and weighed as it came over the wire. What is
 * only reached through a dynamic `import()` (a control fetched on first use)
 * is weighed apart, as `lazy`: the page does not load it until then.
 *
 * @example
 * ```ts
 * const weight = await measurePage(origin, "/login");
 * weight.js.sent; // compressed bytes of every script the page loads at load time
 * weight.lazy; // each chunk fetched later, on first use
 * ```
 */
import { init as initModuleLexer, parse as parseModule } from "es-module-lexer";
import { decodeBody, rawGet } from "./raw_http.ts";

/** What Chromium sends. */
export const BROWSER_ACCEPT_ENCODING = "gzip, deflate, br, zstd";

/** Bytes sent (compressed) and their size once decoded. */
export interface Bytes {
  sent: number;
  size: number;
}

/** One file the page loads. */
export interface LoadedFile extends Bytes {
  url: string;
  encoding: string | undefined;
  cacheControl: string | undefined;
}

/** What a page weighs. */
export interface PageWeight {
  page: string;
  /** Scripts loaded with the page (its scripts, preloads, islands and their static imports). */
  scripts: LoadedFile[];
  /** Scripts only reached through a dynamic `import()`, with what they import in turn. */
  lazy: LoadedFile[];
  stylesheets: LoadedFile[];
  /** What `scripts` weigh together. */
  js: Bytes;
  css: Bytes;
}

const decoder = new TextDecoder();

function attributeValues(html: string, pattern: RegExp): string[] {
  return [...html.matchAll(pattern)].map((match) => match[1]);
}

async function load(
  url: string,
  headers: Record<string, string>,
): Promise<LoadedFile & { text: string }> {
  const response = await rawGet(url, { "accept-encoding": BROWSER_ACCEPT_ENCODING, ...headers });
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  const encoding = response.headers["content-encoding"] as string | undefined;
  const decoded = decodeBody(response.body, encoding);
  return {
    url,
    encoding,
    cacheControl: response.headers["cache-control"] as string | undefined,
    sent: response.body.length,
    size: decoded.length,
    text: decoder.decode(decoded),
  };
}

function sum(files: LoadedFile[]): Bytes {
  return {
    sent: files.reduce((total, file) => total + file.sent, 0),
    size: files.reduce((total, file) => total + file.size, 0),
  };
}

type LoadedModule = LoadedFile & { dynamicImports: string[] };

/**
 * Fetches the modules at `urls` and, transitively, what they import
 * statically, skipping those in `known`; dynamic imports are listed, not followed.
 */
async function loadModules(
  urls: string[],
  headers: Record<string, string>,
  known: ReadonlyMap<string, LoadedModule> = new Map(),
): Promise<Map<string, LoadedModule>> {
  const pending = [...urls];
  const modules = new Map<string, LoadedModule>();
  while (pending.length > 0) {
    const url = pending.pop()!;
    if (modules.has(url) || known.has(url)) continue;
    const { text, ...file } = await load(url, headers);
    const dynamicImports: string[] = [];
    for (const imported of parseModule(text)[0]) {
      // A computed specifier (the runtime's island imports) is covered by `__sb_islands`.
      if (!imported.specifier) continue;
      const target = new URL(imported.specifier, url).href;
      if (imported.type === "dynamic") dynamicImports.push(target);
      else pending.push(target);
    }
    modules.set(url, { ...file, dynamicImports });
  }
  return modules;
}

function listed(modules: ReadonlyMap<string, LoadedModule>): LoadedFile[] {
  return [...modules.values()]
    .map(({ dynamicImports: _, ...file }) => file)
    .sort((a, b) => a.url.localeCompare(b.url));
}

/**
 * Weighs the page at `path`, with `headers` on every request (a session
 * cookie; an `accept-encoding` other than a browser's).
 */
export async function measurePage(
  origin: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<PageWeight> {
  await initModuleLexer;
  const page = await load(origin + path, headers);
  const html = page.text;
  const islands = html.match(
    /<script type="application\/json" id="__sb_islands">([^<]*)<\/script>/,
  );
  const pending = [
    ...attributeValues(html, /<script\b[^>]*\bsrc="([^"]+)"/g),
    ...attributeValues(html, /<link rel="modulepreload" href="([^"]+)"/g),
    ...(islands ? Object.values<string>(JSON.parse(islands[1])) : []),
  ].map((url) => new URL(url, origin + path).href);

  const scripts = await loadModules(pending, headers);
  const lazy = await loadModules(
    [...scripts.values()].flatMap((file) => file.dynamicImports),
    headers,
    scripts,
  );
  const stylesheets: LoadedFile[] = [];
  for (const href of attributeValues(html, /<link rel="stylesheet" href="([^"]+)"/g)) {
    const { text: _css, ...file } = await load(new URL(href, origin + path).href, headers);
    stylesheets.push(file);
  }
  const scriptList = listed(scripts);
  return {
    page: path,
    scripts: scriptList,
    lazy: listed(lazy),
    stylesheets,
    js: sum(scriptList),
    css: sum(stylesheets),
  };
}
