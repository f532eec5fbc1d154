import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { DnsClient } from "../../src/net/dns";
import { startBind, type BindServer } from "../servers/bind";

const LONG = "v=DKIM1; k=rsa; p=" + "A".repeat(300);
const ZONE = `$ORIGIN example.test.
$TTL 300
@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300
@ IN NS ns1.example.test.
ns1 IN A 127.0.0.1
@ IN MX 10 Mail.Example.Test.
@ IN TXT "v=spf1 mx -all"
mail._domainkey IN TXT "${LONG.slice(0, 255)}" "${LONG.slice(255)}"
mail IN A 192.0.2.10
mail IN AAAA 2001:db8::10
_submissions._tcp IN SRV 0 1 465 mail.example.test.
@ IN CAA 0 issue "letsencrypt.org"
`;

let bind: BindServer;
before(async () => {
  bind = await startBind({ zones: { "example.test": ZONE } });
});
after(async () => {
  await bind.stop();
});

test("answers are in the plan's canonical value form", async () => {
  const dns = new DnsClient({ server: bind.hostPort, timeoutMs: 1000 });
  const answers = await dns.queryAll([
    { name: "example.test", type: "MX" },
    { name: "example.test", type: "TXT" },
    { name: "mail._domainkey.example.test", type: "TXT" },
    { name: "mail.example.test", type: "A" },
    { name: "mail.example.test", type: "AAAA" },
    { name: "_submissions._tcp.example.test", type: "SRV" },
    { name: "example.test", type: "CAA" },
  ]);
  assert.deepEqual(
    answers.map((a) => [a.status, a.values]),
    [
      ["ok", ["10 mail.example.test."]],
      ["ok", ["v=spf1 mx -all"]],
      ["ok", [LONG]],
      ["ok", ["192.0.2.10"]],
      ["ok", ["2001:db8::10"]],
      ["ok", ["0 1 465 mail.example.test."]],
      ["ok", ['0 issue "letsencrypt.org"']],
    ],
  );
});

test("missing names and types are nxdomain and nodata, not errors", async () => {
  const dns = new DnsClient({ server: bind.hostPort, timeoutMs: 1000 });
  const [nx, nodata] = await dns.queryAll([
    { name: "nope.example.test", type: "A" },
    { name: "example.test", type: "AAAA" },
  ]);
  assert.equal(nx!.status, "nxdomain");
  assert.equal(nodata!.status, "nodata");
});

test("a server that never answers yields timeout within the bound", async () => {
  // A UDP socket that reads and never replies: a silent DNS server.
  const dgram = await import("node:dgram");
  const silent = dgram.createSocket("udp4");
  await new Promise<void>((r) => silent.bind(0, "127.0.0.1", () => r()));
  const port = silent.address().port;
  try {
    const dns = new DnsClient({ server: `127.0.0.1:${port}`, timeoutMs: 300, tries: 1 });
    const started = Date.now();
    const answer = await dns.query("example.test", "A");
    const elapsed = Date.now() - started;
    assert.equal(answer.status, "timeout");
    assert.ok(elapsed < 2000, `took ${elapsed} ms`);
  } finally {
    silent.close();
  }
});
