import { equal, match, ok, rejects } from "node:assert/strict";

// Keeps bench/profile_server.ts from rotting: a 20-connection run must profile
// the server and charge its time to the project's functions.
async function profile(out: string, ...options: string[]): Promise<string> {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL("../../bench/profile_server.ts", import.meta.url).pathname,
      "--smoke",
      `--out=${out}`,
      ...options,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  equal(success, true, new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout);
}

Deno.test("bench/profile_server.ts profiles 20 connects and joins", async () => {
  const out = await Deno.makeTempDir({ prefix: "profile_test_" });
  try {
    const printed = await profile(out);
    match(printed, /^20 connections joined to rooms of 10/m);
    match(printed, /^cpu: \d+ busy samples/m);
    match(printed, /^ +\d+\.\d % +\S+ lib\/\S+\.ts:\d+$/m, "a row charged to one of our functions");
    match(printed, /^live heap after GC: \d+ B per connection$/m);
    for (const file of ["server.cpuprofile", "server.heapprofile"]) {
      ok((await Deno.stat(`${out}/${file}`)).size > 0, file);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("bench/profile_server.ts --heap=no --join=no profiles the CPU of connects alone", async () => {
  const out = await Deno.makeTempDir({ prefix: "profile_test_" });
  try {
    const printed = await profile(out, "--heap=no", "--join=no");
    match(printed, /^20 connections; profiles in /m);
    match(printed, /^cpu: \d+ busy samples/m);
    ok(!printed.includes("allocated:"), "no allocation summary without heap sampling");
    ok((await Deno.stat(`${out}/server.cpuprofile`)).size > 0);
    await rejects(Deno.stat(`${out}/server.heapprofile`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
