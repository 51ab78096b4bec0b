import { equal, throws } from "node:assert/strict";
import {
  createClientAddress,
  createIsTrustedProxy,
  isTrustProxyItem,
} from "../../lib/server/http/client_address.ts";
import { ConfigError, loadConfig } from "../../lib/server/config.ts";

function request(forwardedFor?: string): Request {
  const headers = forwardedFor === undefined ? undefined : { "x-forwarded-for": forwardedFor };
  return new Request("http://chat.example/api/login", { headers });
}

function from(hostname: string): Deno.ServeHandlerInfo {
  return {
    remoteAddr: { transport: "tcp", hostname, port: 50000 },
    completed: Promise.resolve(),
  };
}

Deno.test("without TRUST_PROXY the header is ignored and the peer is the client", () => {
  const clientAddress = createClientAddress([]);
  equal(clientAddress(request("203.0.113.7"), from("127.0.0.1")), "127.0.0.1");
});

Deno.test("a trusted proxy's X-Forwarded-For names the client", () => {
  const clientAddress = createClientAddress(["loopback"]);
  equal(clientAddress(request("203.0.113.7"), from("127.0.0.1")), "203.0.113.7");
  equal(clientAddress(request("203.0.113.7"), from("::1")), "203.0.113.7");
  equal(clientAddress(request("2001:db8::7"), from("::ffff:127.0.0.1")), "2001:db8::7");
  // A trusted proxy that sent no header is the client itself.
  equal(clientAddress(request(), from("127.0.0.1")), "127.0.0.1");
});

Deno.test("an untrusted peer cannot choose its address by the header", () => {
  const clientAddress = createClientAddress(["loopback", "10.0.0.0/8"]);
  equal(clientAddress(request("198.51.100.1"), from("203.0.113.7")), "203.0.113.7");
});

Deno.test("the list is read from the right, through trusted hops only", () => {
  const clientAddress = createClientAddress(["10.0.0.0/8", "fd00::/8"]);
  // The client wrote a fake first entry; the edge proxy appended the real one.
  equal(
    clientAddress(request("1.1.1.1, 198.51.100.9, 10.1.2.3"), from("10.0.0.5")),
    "198.51.100.9",
  );
  equal(clientAddress(request("198.51.100.9, fd00::2"), from("fd00::1")), "198.51.100.9");
  // Every hop trusted: the leftmost is the client.
  equal(clientAddress(request("10.9.9.9, 10.1.2.3"), from("10.0.0.5")), "10.9.9.9");
  // A hop that is no address stops the walk at the last proxy that spoke for it.
  equal(clientAddress(request("nonsense, 10.1.2.3"), from("10.0.0.5")), "10.1.2.3");
});

Deno.test("CIDR blocks match by prefix, exactly at their edges", () => {
  const clientAddress = createClientAddress(["192.168.4.0/22"]);
  equal(clientAddress(request("198.51.100.9"), from("192.168.7.255")), "198.51.100.9");
  equal(clientAddress(request("198.51.100.9"), from("192.168.8.0")), "192.168.8.0");
  equal(clientAddress(request("198.51.100.9"), from("192.168.3.255")), "192.168.3.255");
});

Deno.test("TRUST_PROXY accepts loopback, addresses and CIDR blocks, and refuses the rest", () => {
  for (const item of ["loopback", "10.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "::ffff:10.0.0.1"]) {
    equal(isTrustProxyItem(item), true, item);
  }
  for (const item of ["localhost", "10.0.0.0/33", "10.0.0", "1.2.3.256", "fd00::/129", "a::b::c"]) {
    equal(isTrustProxyItem(item), false, item);
  }
  equal(loadConfig({ TRUST_PROXY: "loopback, 10.0.0.0/8" }).trustProxy.length, 2);
  throws(() => loadConfig({ TRUST_PROXY: "loopback,proxy.internal" }), (error: unknown) => {
    return error instanceof ConfigError && error.message.includes("TRUST_PROXY");
  });
  throws(() => createClientAddress(["proxy.internal"]), TypeError);
});

Deno.test("hops in brackets, with zones or IPv4-mapped are read as the address they name", () => {
  const clientAddress = createClientAddress(["loopback", "10.0.0.0/8"]);
  equal(clientAddress(request("[2001:DB8::7]"), from("127.0.0.1")), "2001:db8::7");
  equal(clientAddress(request("fe80::7%eth0"), from("127.0.0.1")), "fe80::7");
  equal(clientAddress(request("::ffff:198.51.100.9"), from("127.0.0.1")), "198.51.100.9");
  // A mapped address is trusted by the IPv4 block that holds it, in either spelling.
  equal(
    clientAddress(request("198.51.100.9, ::ffff:10.1.2.3"), from("::ffff:a00:5")),
    "198.51.100.9",
  );
  equal(isTrustProxyItem("010.0.0.1"), false, "a leading zero is ambiguous (octal?)");
});

Deno.test("createIsTrustedProxy: a peer in TRUST_PROXY's blocks, IPv4-mapped included; none by default", () => {
  const isTrusted = createIsTrustedProxy(["loopback", "10.0.0.0/8"]);
  equal(isTrusted("127.0.0.1"), true);
  equal(isTrusted("::1"), true);
  equal(isTrusted("::ffff:10.1.2.3"), true);
  equal(isTrusted("203.0.113.7"), false);
  equal(isTrusted("not an address"), false);
  equal(createIsTrustedProxy([])("127.0.0.1"), false);
});
