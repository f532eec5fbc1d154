/**
 * `verifyMailServer` follows CNAMEs at `_dmarc` and the DKIM selector, as receivers do: against a
 * real BIND serving the planned zones plus a DMARC provider's and a DKIM sender's zones. A spec
 * that declares the delegation (`dmarc.cname`, `dkim.cname`) passes when the CNAME leads to a valid
 * record and says it was reached through the CNAME; a CNAME to nothing, to a name without a valid
 * record, or to another target than declared fails, naming it. A spec that does not declare it
 * still passes when DNS delegates to a valid record (the message says so). The same verdicts come
 * from the authoritative server (which answers a TXT question at a CNAME with the CNAME alone) and
 * from a resolver in front of it (which answers with the target's TXT).
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { bindAvailable, startBind, type BindServer } from "../servers/bind";
import { DnsClient } from "../../src/net/dns";
import { verifyMailServer } from "../../src/verify/verify";
import type { Check, VerifyReport } from "../../src/verify/checks";
import { renderVerifyTable } from "../../src/verify/render";
import { dkimPublicKeyBase64 } from "../../src/records/policies";
import { assertGolden } from "../helpers/golden";
import { requireTool } from "./peers";
import { editZone, makeFixture, reverseZone, rsaKey, specInput, type Fixture } from "./fixture";

const skipBind = requireTool(bindAvailable(), "named (BIND 9)");
const DNSBL = "bl.test";
const DMARC_TARGET = "example.net._dmarc.dmarc-provider.test";
const DKIM_TARGET = "s1.example-net.dkim.sender.test";

/** The verify fixture's spec with example.net's DMARC and DKIM delegated to providers. */
function delegatedFixture(): Fixture {
  const input = specInput();
  input.domains[1] = {
    name: "example.net",
    dmarc: { cname: `${DMARC_TARGET}.` },
    dkim: { selector: "s1", cname: DKIM_TARGET },
  };
  return makeFixture(input);
}

const soa = (zone: string, records: readonly string[]) =>
  [
    `$ORIGIN ${zone}.`,
    "$TTL 300",
    `@ IN SOA ns1.invalid. hostmaster.invalid. 1 3600 600 86400 300`,
    "@ IN NS ns1.invalid.",
    ...records,
    "",
  ].join("\n");

/** A TXT rdata in character-strings of at most 200 characters (the limit is 255). */
function txt(value: string): string {
  return (value.match(/.{1,200}/g) ?? [""]).map((c) => `"${c}"`).join(" ");
}

function failing(report: VerifyReport): string[][] {
  return report.checks.filter((c) => c.status === "fail").map((c) => [c.id, c.subject]);
}

function check(report: VerifyReport, id: string, subject: string): Check {
  const c = report.checks.find((x) => x.id === id && x.subject === subject);
  assert.ok(c, `no ${id} ${subject}`);
  return c;
}

describe("verify follows delegated DMARC and DKIM (CNAME) against BIND", { skip: skipBind }, () => {
  const fx = delegatedFixture();
  const senderKey = rsaKey();
  const providerZones = (dmarc: string[], dkim: string[]) => ({
    "dmarc-provider.test": soa("dmarc-provider.test", dmarc),
    "sender.test": soa("sender.test", dkim),
  });
  const goodProviders = providerZones(
    [
      'example.net._dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:reports@dmarc-provider.test"',
      // The provider authorizes the reports it asks for (RFC 7489 §7.1).
      'example.net._report._dmarc IN TXT "v=DMARC1"',
    ],
    [`s1.example-net.dkim IN TXT ${txt(`v=DKIM1; k=rsa; p=${senderKey.p}`)}`],
  );
  const good: Record<string, string> = {
    ...fx.zones,
    [DNSBL]: reverseZone(DNSBL, []),
    ...goodProviders,
  };

  let servers: BindServer[] = [];
  const serve = async (zones: Record<string, string>, via: "authoritative" | "resolver") => {
    const auth = await startBind({ zones });
    servers.push(auth);
    if (via === "authoritative") return auth;
    const resolver = await startBind({
      zones: {},
      forward: Object.fromEntries(Object.keys(zones).map((z) => [z, auth.hostPort])),
    });
    servers.push(resolver);
    return resolver;
  };
  after(async () => {
    for (const s of servers.reverse()) await s.stop();
    servers = [];
  });
  const verify = async (
    zones: Record<string, string>,
    via: "authoritative" | "resolver" = "authoritative",
    f: Fixture = fx,
  ): Promise<VerifyReport> => {
    const server = await serve(zones, via);
    return verifyMailServer(f.spec, f.plan, {
      dns: new DnsClient({ server: server.hostPort, timeoutMs: 3000 }),
      dkimPrivateKeys: f.keys,
      network: false,
      dnsbls: [DNSBL],
    });
  };

  before(() => {
    // The plan publishes the CNAMEs, not the TXT records, for the delegated domain.
    const net = fx.zones["example.net"]!;
    assert.match(net, /^_dmarc\s+\d+ IN CNAME example\.net\._dmarc\.dmarc-provider\.test\.$/m);
    assert.match(net, /^s1\._domainkey\s+\d+ IN CNAME s1\.example-net\.dkim\.sender\.test\.$/m);
  });

  for (const via of ["authoritative", "resolver"] as const) {
    test(`delegated records that hold valid DMARC and DKIM records pass, through the CNAME (${via})`, async () => {
      const report = await verify(good, via);
      assert.deepEqual(failing(report), []);
      assert.equal(report.ok, true);
      assert.equal(
        check(report, "dmarc-policy", "example.net").message,
        `v=DMARC1; p=reject; rua=mailto:reports@dmarc-provider.test (reached through the CNAME _dmarc.example.net -> ${DMARC_TARGET})`,
      );
      assert.equal(
        check(report, "dmarc-report-authorized", "example.net -> dmarc-provider.test").status,
        "pass",
      );
      const dkim = check(report, "dkim-record-usable", "s1._domainkey.example.net");
      assert.equal(
        dkim.message,
        `rsa 2048-bit key (selector s1), reached through the CNAME s1._domainkey.example.net -> ${DKIM_TARGET}`,
      );
      const matches = check(report, "dkim-key-matches", "s1._domainkey.example.net");
      assert.equal(matches.status, "skip");
      assert.equal(
        matches.message,
        `selector s1 is delegated to ${DKIM_TARGET}: the provider holding the key signs, DMS does not`,
      );
      if (via === "authoritative")
        assertGolden("verify/cname-delegated.txt", renderVerifyTable(report));
    });
  }

  test("a CNAME to nothing fails dmarc-policy, saying the target does not exist", async () => {
    const zones = {
      ...good,
      ...providerZones(
        [],
        [`s1.example-net.dkim IN TXT ${txt(`v=DKIM1; k=rsa; p=${senderKey.p}`)}`],
      ),
    };
    for (const via of ["authoritative", "resolver"] as const) {
      const report = await verify(zones, via);
      assert.deepEqual(failing(report), [["dmarc-policy", "example.net"]], via);
      const c = check(report, "dmarc-policy", "example.net");
      assert.equal(
        c.message,
        `_dmarc.example.net is a CNAME to ${DMARC_TARGET}, which does not exist (NXDOMAIN)`,
        via,
      );
      assert.equal(
        c.remediation,
        `Publish _dmarc.example.net CNAME ${DMARC_TARGET}., and have the provider publish one DMARC record there.`,
      );
    }
  });

  test("a CNAME to a name without a valid record fails, naming the target", async () => {
    const zones = {
      ...good,
      ...providerZones(
        ['example.net._dmarc IN TXT "not a dmarc record"'],
        ['s1.example-net.dkim IN TXT "hello"'],
      ),
    };
    const report = await verify(zones);
    assert.deepEqual(failing(report), [
      ["dkim-record-usable", "s1._domainkey.example.net"],
      ["dmarc-policy", "example.net"],
    ]);
    assert.equal(
      check(report, "dmarc-policy", "example.net").message,
      `_dmarc.example.net is a CNAME to ${DMARC_TARGET}, which holds no DMARC record`,
    );
    assert.equal(
      check(report, "dkim-record-usable", "s1._domainkey.example.net").message,
      `s1._domainkey.example.net is a CNAME to ${DKIM_TARGET}, which holds no DKIM key record`,
    );
  });

  test("a CNAME to another target than the spec declares fails; a TXT where a CNAME is declared fails", async () => {
    const zones = {
      ...good,
      "example.net": editZone(
        editZone(
          good["example.net"]!,
          /^_dmarc\s/,
          "_dmarc 3600 IN CNAME elsewhere.dmarc-provider.test.",
        ),
        /^s1\._domainkey\s/,
        `s1._domainkey 3600 IN TXT ${txt(`v=DKIM1; k=rsa; p=${senderKey.p}`)}`,
      ),
    };
    const report = await verify(zones);
    assert.deepEqual(failing(report), [
      ["dkim-record-usable", "s1._domainkey.example.net"],
      ["dmarc-policy", "example.net"],
    ]);
    assert.equal(
      check(report, "dmarc-policy", "example.net").message,
      `_dmarc.example.net is a CNAME to elsewhere.dmarc-provider.test; the spec delegates DMARC to ${DMARC_TARGET}`,
    );
    assert.equal(
      check(report, "dkim-record-usable", "s1._domainkey.example.net").message,
      `s1._domainkey.example.net is not a CNAME; the spec delegates selector s1 to ${DKIM_TARGET}`,
    );
  });

  test("a CNAME loop fails with what the server said", async () => {
    const zones = {
      ...good,
      ...providerZones(
        [
          "example.net._dmarc IN CNAME loop.dmarc-provider.test.",
          "loop IN CNAME example.net._dmarc.dmarc-provider.test.",
        ],
        [`s1.example-net.dkim IN TXT ${txt(`v=DKIM1; k=rsa; p=${senderKey.p}`)}`],
      ),
    };
    const report = await verify(zones);
    assert.deepEqual(failing(report), [["dmarc-policy", "example.net"]]);
    assert.match(
      check(report, "dmarc-policy", "example.net").message,
      /^_dmarc\.example\.net is a CNAME to example\.net\._dmarc\.dmarc-provider\.test -> loop\.dmarc-provider\.test -> example\.net\._dmarc\.dmarc-provider\.test: lookup of \S+ TXT failed: CNAME loop$/,
    );
  });

  test("without a declared delegation, a CNAME to valid records passes and the message says so; the DMS key still verifies through it", async () => {
    // example.com keeps its own DMARC policy and DKIM key in the spec, but DNS points both at a
    // provider that publishes the same policy and the DMS key.
    const comKey = dkimPublicKeyBase64(fx.keys.get("example.com")!);
    const zones = {
      ...good,
      "example.com": editZone(
        editZone(
          good["example.com"]!,
          /^_dmarc\s/,
          "_dmarc 3600 IN CNAME example.com._dmarc.dmarc-provider.test.",
        ),
        /^mail\._domainkey\s/,
        "mail._domainkey 3600 IN CNAME mail.example-com.dkim.sender.test.",
      ),
      ...providerZones(
        [
          'example.net._dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:reports@dmarc-provider.test"',
          'example.net._report._dmarc IN TXT "v=DMARC1"',
          'example.com._dmarc IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.net"',
        ],
        [
          `s1.example-net.dkim IN TXT ${txt(`v=DKIM1; k=rsa; p=${senderKey.p}`)}`,
          `mail.example-com.dkim IN TXT ${txt(`v=DKIM1; k=rsa; p=${comKey}`)}`,
        ],
      ),
    };
    const report = await verify(zones);
    assert.deepEqual(failing(report), []);
    assert.equal(
      check(report, "dmarc-policy", "example.com").message,
      "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.net (reached through the CNAME _dmarc.example.com -> example.com._dmarc.dmarc-provider.test)",
    );
    assert.equal(
      check(report, "dkim-record-usable", "mail._domainkey.example.com").message,
      "rsa 2048-bit key (selector mail), reached through the CNAME mail._domainkey.example.com -> mail.example-com.dkim.sender.test",
    );
    assert.equal(
      check(report, "dkim-key-matches", "mail._domainkey.example.com").message,
      "a test message signed with the private key verifies",
    );
  });
});
