import { deepEqual, equal } from "node:assert/strict";
import {
  compareSpecificity,
  compilePattern,
  matchPattern,
  matchSegments,
  pathSegments,
  patternFromRouteFile,
} from "../../lib/framework/router.ts";

Deno.test("file paths become URL patterns", () => {
  equal(patternFromRouteFile("index"), "/");
  equal(patternFromRouteFile("api/config"), "/api/config");
  equal(patternFromRouteFile("rooms/[room]/index"), "/rooms/:room");
  equal(patternFromRouteFile("rooms/[room]/messages"), "/rooms/:room/messages");
});

Deno.test("literal segments match exactly and params capture decoded values", () => {
  const pattern = compilePattern("/rooms/:room/messages");
  deepEqual(matchPattern(pattern, "/rooms/general/messages"), { room: "general" });
  deepEqual(matchPattern(pattern, "/rooms/caf%C3%A9/messages"), { room: "café" });
  equal(matchPattern(pattern, "/rooms/general"), null);
  equal(matchPattern(pattern, "/rooms/general/messages/extra"), null);
  equal(matchPattern(pattern, "/room/general/messages"), null);
});

Deno.test("a param that does not decode does not match", () => {
  equal(matchPattern(compilePattern("/rooms/:room"), "/rooms/%E0%A4%A"), null);
});

Deno.test("the root pattern matches only the root", () => {
  const root = compilePattern("/");
  deepEqual(matchPattern(root, "/"), {});
  equal(matchPattern(root, "/x"), null);
});

Deno.test("literal routes sort before parameter routes", () => {
  const patterns = ["/rooms/:room", "/rooms/new", "/:page"].map(compilePattern);
  patterns.sort(compareSpecificity);
  deepEqual(patterns.map((pattern) => pattern.source), ["/rooms/new", "/rooms/:room", "/:page"]);
});

Deno.test("a path split once matches every pattern as the path itself does", () => {
  const parts = pathSegments("//rooms/general/messages/");
  deepEqual(parts, ["rooms", "general", "messages"]);
  for (const source of ["/rooms/:room/messages", "/rooms/:room", "/", "/:a/:b/:c"]) {
    const pattern = compilePattern(source);
    deepEqual(matchSegments(pattern, parts), matchPattern(pattern, "/rooms/general/messages"));
  }
});
