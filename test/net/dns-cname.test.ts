/**
 * How the DNS client reads a name that is a CNAME, from a real BIND as the authoritative server
 * (recursion off) and from a second BIND in front of it as a resolver:
 *
 * - A TXT question at a CNAME whose target is in another zone: the authoritative server answers
 *   with the CNAME alone, which c-ares reports as success with no TXT; the client calls that
 *   `nodata`. The resolver chases the chain and answers with the target's TXT.
 * - `queryFollowing` asks for the CNAME at each hop and gives the same chain and answer from both.
 * - `resolve` (mailauth's resolver) follows a CNAME for TXT when the server did not.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { DnsClient } from "../../src/net/dns";
import { bindAvailable, startBind, type BindServer } from "../servers/bind";

const soa = (zone: string, records: readonly string[]) =>
  [
    `$ORIGIN ${zone}.`,
    "$TTL 300",
    `@ IN SOA ns1.invalid. hostmaster.invalid. 1 3600 600 86400 300`,
    "@ IN NS ns1.invalid.",
    ...records,
    "",
  ].join("\n");

const ZONES = {
  "example.com": soa("example.com", [
    "_dmarc IN CNAME example.com._dmarc.provider.test.",
    "chain IN CNAME hop.example.com.",
    "hop IN CNAME example.com._dmarc.provider.test.",
    "dangling IN CNAME missing.provider.test.",
    "loop IN CNAME loop2.example.com.",
    "loop2 IN CNAME loop.example.com.",
    'plain IN TXT "v=DMARC1; p=none"',
  ]),
  "provider.test": soa("provider.test", ['example.com._dmarc IN TXT "v=DMARC1; p=reject"']),
};

let authoritative: BindServer;
let resolver: BindServer;
before(async () => {
  if (!bindAvailable() && process.env.CI !== "true") {
    throw new Error("named is not installed: run scripts/ensure-system-deps.sh");
  }
  authoritative = await startBind({ zones: ZONES });
  resolver = await startBind({
    zones: {},
    forward: Object.fromEntries(Object.keys(ZONES).map((z) => [z, authoritative.hostPort])),
  });
});
after(async () => {
  await resolver?.stop();
  await authoritative?.stop();
});

const client = (s: BindServer) => new DnsClient({ server: s.hostPort, timeoutMs: 3000 });

test("a TXT question at a CNAME: nodata from the authoritative server, the target's TXT from a resolver", async () => {
  const fromAuth = await client(authoritative).query("_dmarc.example.com", "TXT");
  assert.deepEqual([fromAuth.status, fromAuth.values], ["nodata", []]);
  const fromResolver = await client(resolver).query("_dmarc.example.com", "TXT");
  assert.deepEqual([fromResolver.status, fromResolver.values], ["ok", ["v=DMARC1; p=reject"]]);
});

test("queryFollowing gives the same chain and answer from both servers", async () => {
  for (const server of [authoritative, resolver]) {
    const c = client(server);
    const one = await c.queryFollowing("_dmarc.example.com", "TXT");
    assert.deepEqual(one.chain, ["example.com._dmarc.provider.test."]);
    assert.deepEqual(
      [one.answer.name, one.answer.status, one.answer.values],
      ["example.com._dmarc.provider.test", "ok", ["v=DMARC1; p=reject"]],
    );
    const two = await c.queryFollowing("chain.example.com", "TXT");
    assert.deepEqual(two.chain, ["hop.example.com.", "example.com._dmarc.provider.test."]);
    assert.equal(two.answer.status, "ok");
    const none = await c.queryFollowing("plain.example.com", "TXT");
    assert.deepEqual(none.chain, []);
    assert.deepEqual(none.answer.values, ["v=DMARC1; p=none"]);
    const dangling = await c.queryFollowing("dangling.example.com", "TXT");
    assert.deepEqual(dangling.chain, ["missing.provider.test."]);
    assert.equal(dangling.answer.status, "nxdomain");
    const loop = await c.queryFollowing("loop.example.com", "TXT");
    assert.deepEqual(loop.chain, ["loop2.example.com.", "loop.example.com."]);
    assert.deepEqual([loop.answer.status, loop.answer.detail], ["error", "CNAME loop"]);
  }
});

test("resolve (mailauth's resolver) follows a CNAME for TXT from both servers", async () => {
  for (const server of [authoritative, resolver]) {
    const c = client(server);
    assert.deepEqual(await c.resolve("_dmarc.example.com", "TXT"), [["v=DMARC1; p=reject"]]);
    await assert.rejects(c.resolve("dangling.example.com", "TXT"), { code: "ENOTFOUND" });
  }
});
