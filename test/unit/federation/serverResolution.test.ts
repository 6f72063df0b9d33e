/** Server discovery in the spec's order, with a fake fetch standing in for .well-known and DNS-over-HTTPS. */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { DiscoveryCache, DiscoveryError, isPrivateHost, resolveServerWith, type DiscoveryDeps } from "../../../federation-client/serverResolution.js";

interface FakeNet {
  /** URL → response factory; anything else is a network error. */
  routes: Record<string, () => Response>;
  calls: string[];
}

function deps(net: FakeNet, opts: Partial<DiscoveryDeps> = {}): DiscoveryDeps {
  return {
    fetch: async (input: string) => {
      net.calls.push(input);
      const r = net.routes[input];
      if (!r) throw new TypeError("fetch failed");
      return r();
    },
    now: () => 1_000_000,
    allowPrivate: false,
    insecureHttp: false,
    cache: new DiscoveryCache(),
    ...opts,
  };
}

const wk = (host: string) => `https://${host}/.well-known/matrix/server`;
const srv = (name: string) => `https://cloudflare-dns.com/dns-query?name=${encodeURIComponent(name)}&type=SRV`;
const jsonRes = (body: unknown, headers: Record<string, string> = {}) => () => new Response(JSON.stringify(body), { status: 200, headers });
const srvRes = (...data: string[]) => jsonRes({ Status: 0, Answer: data.map((d) => ({ name: "x", type: 33, TTL: 300, data: d })) });

describe("resolveServerWith", () => {
  test("1. IPv4 literal: that address and port, or 8448; no lookups", async () => {
    const net: FakeNet = { routes: {}, calls: [] };
    assert.deepEqual(await resolveServerWith(deps(net), "1.2.3.4"), { baseUrl: "https://1.2.3.4:8448", hostHeader: "1.2.3.4" });
    assert.deepEqual(await resolveServerWith(deps(net), "1.2.3.4:99"), { baseUrl: "https://1.2.3.4:99", hostHeader: "1.2.3.4:99" });
    assert.deepEqual(await resolveServerWith(deps(net), "[2001:db8::1]"), { baseUrl: "https://[2001:db8::1]:8448", hostHeader: "[2001:db8::1]" });
    assert.deepEqual(net.calls, []);
  });

  test("2. explicit port: that host and port, no .well-known or SRV", async () => {
    const net: FakeNet = { routes: {}, calls: [] };
    assert.deepEqual(await resolveServerWith(deps(net), "example.org:1234"), { baseUrl: "https://example.org:1234", hostHeader: "example.org:1234" });
    assert.deepEqual(net.calls, []);
  });

  test("3. .well-known delegation to host:port", async () => {
    const net: FakeNet = { routes: { [wk("example.org")]: jsonRes({ "m.server": "matrix.example.org:443" }) }, calls: [] };
    assert.deepEqual(await resolveServerWith(deps(net), "example.org"), { baseUrl: "https://matrix.example.org:443", hostHeader: "matrix.example.org:443" });
  });

  test("3.3 delegated name without port uses its _matrix-fed._tcp SRV record", async () => {
    const net: FakeNet = {
      routes: {
        [wk("example.org")]: jsonRes({ "m.server": "matrix.example.org" }),
        [srv("_matrix-fed._tcp.matrix.example.org")]: srvRes("10 0 8449 fed.example.net."),
      },
      calls: [],
    };
    assert.deepEqual(await resolveServerWith(deps(net), "example.org"), { baseUrl: "https://fed.example.net:8449", hostHeader: "matrix.example.org" });
  });

  test("3.5 delegated name without port or SRV: port 8448", async () => {
    const net: FakeNet = { routes: { [wk("example.org")]: jsonRes({ "m.server": "matrix.example.org" }) }, calls: [] };
    assert.deepEqual(await resolveServerWith(deps(net), "example.org"), { baseUrl: "https://matrix.example.org:8448", hostHeader: "matrix.example.org" });
    assert.ok(net.calls.includes(srv("_matrix._tcp.matrix.example.org")), "the deprecated SRV name is tried too");
  });

  test("redirects are followed; loops end in the SRV steps", async () => {
    const redirect = (to: string) => () => new Response(null, { status: 302, headers: { Location: to } });
    const net: FakeNet = {
      routes: { [wk("a.example")]: redirect("https://b.example/wk"), "https://b.example/wk": jsonRes({ "m.server": "c.example:8000" }) },
      calls: [],
    };
    assert.equal((await resolveServerWith(deps(net), "a.example")).baseUrl, "https://c.example:8000");
    const loop: FakeNet = { routes: { [wk("l.example")]: redirect("https://m.example/x"), "https://m.example/x": redirect(wk("l.example")) }, calls: [] };
    assert.equal((await resolveServerWith(deps(loop), "l.example")).baseUrl, "https://l.example:8448");
  });

  test("4. no .well-known: _matrix-fed._tcp SRV on the server name, Host is the server name", async () => {
    const net: FakeNet = { routes: { [srv("_matrix-fed._tcp.example.org")]: srvRes("20 0 9000 slow.example.org.", "10 5 8443 fast.example.org.") }, calls: [] };
    assert.deepEqual(await resolveServerWith(deps(net), "example.org"), { baseUrl: "https://fast.example.org:8443", hostHeader: "example.org" });
    assert.deepEqual(net.calls, [wk("example.org"), srv("_matrix-fed._tcp.example.org")]);
  });

  test("5. then the deprecated _matrix._tcp SRV", async () => {
    const net: FakeNet = { routes: { [wk("example.org")]: () => new Response("nope", { status: 404 }), [srv("_matrix._tcp.example.org")]: srvRes("10 0 8500 old.example.org.") }, calls: [] };
    assert.equal((await resolveServerWith(deps(net), "example.org")).baseUrl, "https://old.example.org:8500");
    assert.deepEqual(net.calls, [wk("example.org"), srv("_matrix-fed._tcp.example.org"), srv("_matrix._tcp.example.org")]);
  });

  test("6. nothing found: hostname:8448; invalid .well-known bodies count as none", async () => {
    for (const body of [() => new Response("not json"), jsonRes({}), jsonRes({ "m.server": 5 }), jsonRes({ "m.server": "bad name!" })]) {
      const net: FakeNet = { routes: { [wk("example.org")]: body }, calls: [] };
      assert.deepEqual(await resolveServerWith(deps(net), "example.org"), { baseUrl: "https://example.org:8448", hostHeader: "example.org" });
    }
  });

  test(".well-known answers and failures are cached", async () => {
    const net: FakeNet = { routes: { [wk("example.org")]: jsonRes({ "m.server": "m.example.org:443" }, { "Cache-Control": "max-age=600" }) }, calls: [] };
    const d = deps(net);
    await resolveServerWith(d, "example.org");
    await resolveServerWith(d, "example.org");
    assert.equal(net.calls.filter((c) => c === wk("example.org")).length, 1);
    const down: FakeNet = { routes: {}, calls: [] };
    const d2 = deps(down);
    await resolveServerWith(d2, "down.example");
    await resolveServerWith(d2, "down.example");
    assert.equal(down.calls.filter((c) => c === wk("down.example")).length, 1);
  });

  test("private and loopback targets are refused by default, allowed by the switch", async () => {
    const net: FakeNet = { routes: { [wk("evil.example")]: jsonRes({ "m.server": "10.0.0.5:8448" }) }, calls: [] };
    for (const name of ["127.0.0.1:8448", "10.1.2.3", "192.168.0.1:80", "169.254.169.254", "[::1]:8448", "[fe80::1]", "[::ffff:127.0.0.1]", "localhost:8448", "localhost"]) {
      await assert.rejects(resolveServerWith(deps(net), name), DiscoveryError, name);
    }
    await assert.rejects(resolveServerWith(deps(net), "evil.example"), DiscoveryError, "delegation to a private address");
    assert.equal((await resolveServerWith(deps(net, { allowPrivate: true }), "10.1.2.3")).baseUrl, "https://10.1.2.3:8448");
  });

  test("plain HTTP to loopback names with a port only with both switches", async () => {
    const net: FakeNet = { routes: {}, calls: [] };
    const both = deps(net, { allowPrivate: true, insecureHttp: true });
    assert.deepEqual(await resolveServerWith(both, "127.0.0.1:18001"), { baseUrl: "http://127.0.0.1:18001", hostHeader: "127.0.0.1:18001" });
    assert.deepEqual(await resolveServerWith(both, "localhost:18002"), { baseUrl: "http://127.0.0.1:18002", hostHeader: "localhost:18002" });
    assert.equal((await resolveServerWith(both, "example.org:18003")).baseUrl, "https://example.org:18003");
    assert.equal((await resolveServerWith(deps(net, { allowPrivate: true }), "127.0.0.1:18001")).baseUrl, "https://127.0.0.1:18001");
    await assert.rejects(resolveServerWith(deps(net, { insecureHttp: true }), "127.0.0.1:18001"), DiscoveryError);
  });

  test("invalid server names are refused", async () => {
    const net: FakeNet = { routes: {}, calls: [] };
    for (const name of ["", "a b", "host:99999", "[::1", "exa_mple.org"]) await assert.rejects(resolveServerWith(deps(net), name), DiscoveryError, name);
  });
});

describe("isPrivateHost", () => {
  test("classifies addresses", () => {
    for (const h of ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.1.1", "100.64.0.1", "0.0.0.0", "::1", "[::1]", "fc00::1", "fe80::1", "::ffff:10.0.0.1", "localhost", "a.localhost"]) {
      assert.equal(isPrivateHost(h), true, h);
    }
    for (const h of ["8.8.8.8", "172.32.0.1", "2001:db8::1", "[2606:4700::1111]", "example.org", "::ffff:8.8.8.8"]) assert.equal(isPrivateHost(h), false, h);
  });
});
