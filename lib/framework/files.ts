/**
 * The two file helpers the build, the manifest and static files share:
 * listing a folder's files and hashing bytes.
 *
 * @example
 * ```ts
 * const files = await listFiles(new URL("./", import.meta.url), "./islands");
 * const hash = await sha256Hex("hello"); // "2cf24dba5fb0a30e…"
 * ```
 */

/**
 * Paths (`./folder/sub/file.ts`, sorted) of every file below `folder`,
 * relative to `root`; a missing folder has none.
 */
export async function listFiles(root: URL, folder: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (relative: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(new URL(relative, root)));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory) await visit(child);
      else if (entry.isFile) found.push(child);
    }
  };
  await visit(folder.replace(/\/$/, ""));
  return found.sort();
}

/** The SHA-256 of bytes or UTF-8 text, as lowercase hex. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
