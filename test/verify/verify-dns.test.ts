/**
 * `verifyMailServer` against a real BIND serving the zones `dmsctl plan --format zone` renders for
 * the spec (plus reverse zones and a DNSBL zone): it passes on the correct zones and names exactly
 * the broken check on each broken variant. Also: a DNS server that never answers and one that
 * answers SERVFAIL give clear results within the bound.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createSocket, type Socket } from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { bindAvailable, startBind } from "../servers/bind";
import { DnsClient } from "../../src/net/dns";
import { verifyMailServer } from "../../src/verify/verify";
import type { VerifyReport } from "../../src/verify/checks";
import { renderVerifyJson, renderVerifyMarkdown, renderVerifyTable } from "../../src/verify/render";
import { runDmsctl } from "../helpers/cli";
import { assertGolden } from "../helpers/golden";
import { requireTool } from "./peers";
import {
  HOSTNAME,
  REVERSE_V4,
  editZone,
  makeFixture,
  reverseZone,
  rsaKey,
  specInput,
  type Fixture,
} from "./fixture";

const skipBind = requireTool(bindAvailable(), "named (BIND 9)");
const DNSBL = "bl.test";

function failing(report: VerifyReport): string[][] {
  return report.checks.filter((c) => c.status === "fail").map((c) => [c.id, c.subject]);
}

async function verifyAgainst(
  fx: Fixture,
  zones: Record<string, string>,
  extra: { dnsbls?: string[] } = {},
): Promise<VerifyReport> {
  const bind = await startBind({ zones });
  try {
    return await verifyMailServer(fx.spec, fx.plan, {
      // A loopback BIND answers in milliseconds; the generous bound is for a loaded CI machine
      // (a 1 s bound once lost a DKIM lookup while two test files ran at once).
      dns: new DnsClient({ server: bind.hostPort, timeoutMs: 3000 }),
      dkimPrivateKeys: fx.keys,
      network: false,
      dnsbls: extra.dnsbls ?? [DNSBL],
    });
  } finally {
    await bind.stop();
  }
}

describe("verify against BIND serving the planned zones", { skip: skipBind }, () => {
  const fx = makeFixture();
  const good: Record<string, string> = { ...fx.zones, [DNSBL]: reverseZone(DNSBL, []) };

  test("the correct zones pass every DNS check", async () => {
    const report = await verifyAgainst(fx, good);
    assert.deepEqual(failing(report), []);
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.checks.filter((c) => c.status === "skip").map((c) => [c.id, c.subject]),
      [
        ["dmarc-report-authorized", "example.net"],
        ["mta-sts-record", "example.net"],
        ["mta-sts-policy-certificate", "example.com"],
        ["mta-sts-policy-http", "example.com"],
        ["mta-sts-policy-content-type", "example.com"],
        ["mta-sts-policy-fields", "example.com"],
        ["mta-sts-policy-mx", "example.com"],
        ["mta-sts-policy-max-age", "example.com"],
        ["mta-sts-policy-id", "example.com"],
        ["tls-rpt-record", "example.net"],
        ["smtp-banner", HOSTNAME],
        ["smtp-starttls", HOSTNAME],
        ["tls-465", HOSTNAME],
        ["tls-993", HOSTNAME],
        ["port25-outbound", "outbound TCP 25"],
      ],
    );
    // The golden files pin every message and the three renderings.
    assertGolden("verify/correct.txt", renderVerifyTable(report));
    assertGolden("verify/correct.json", renderVerifyJson(report));
    assertGolden("verify/correct.md", renderVerifyMarkdown(report));
  });

  test("a zone the server does not serve is one root cause; the other zone's checks still run", async () => {
    // BIND without example.net refuses every question about it (no recursion).
    const zones = { ...good };
    delete zones["example.net"];
    const report = await verifyAgainst(fx, zones);
    assert.deepEqual(failing(report), [["dns-zone-answers", "example.net"]]);
    const cause = report.checks.find((c) => c.id === "dns-zone-answers")!;
    assert.match(
      cause.message,
      /^no answer about example\.net from the system's resolver: \d+ lookups, \d+ refused$/,
    );
    const skipped = report.checks.filter((c) => c.message.includes("(see dns-zone-answers)"));
    assert.ok(skipped.length >= 3, `${skipped.length} checks skipped because of it`);
    for (const c of skipped) assert.equal(c.subject.endsWith("example.net"), true, c.subject);
    // example.com is served and passes on its own.
    assert.equal(
      report.checks.find((c) => c.id === "mx-points-to-host" && c.subject === "example.com")!
        .status,
      "pass",
    );
  });

  test("a wrong MX fails mx-points-to-host only", async () => {
    const zones = {
      ...good,
      "example.com": editZone(good["example.com"]!, /\sIN MX\s/, "@ 3600 IN MX 10 mx.example.net."),
    };
    const report = await verifyAgainst(fx, zones);
    assert.deepEqual(failing(report), [["mx-points-to-host", "example.com"]]);
    const mx = report.checks.find((c) => c.id === "mx-points-to-host" && c.status === "fail")!;
    assert.equal(mx.message, "MX 10 mx.example.net. does not name mail.example.com.");
    assert.equal(
      mx.remediation,
      "Publish MX 10 mail.example.com. for example.com (dmsctl plan shows every record).",
    );
    assert.equal(report.ok, false);
  });

  test("a second SPF record fails spf-single-record only; the SPF evaluation is skipped", async () => {
    const zones = {
      ...good,
      "example.com": `${good["example.com"]}@ 3600 IN TXT "v=spf1 include:_spf.example.net -all"\n`,
    };
    const report = await verifyAgainst(fx, zones);
    assert.deepEqual(failing(report), [["spf-single-record", "example.com"]]);
    const c = report.checks.find((x) => x.id === "spf-single-record" && x.status === "fail")!;
    assert.equal(
      c.message,
      '2 SPF records: "v=spf1 include:_spf.example.net -all", "v=spf1 mx ip4:192.0.2.10 ip6:2001:db8::10 -all"',
    );
    assert.deepEqual(
      report.checks
        .filter(
          (x) => x.subject === "example.com" && x.id.startsWith("spf-") && x.status === "skip",
        )
        .map((x) => [x.id, x.message]),
      [
        ["spf-pass", "skipped: the domain does not have exactly one SPF record"],
        ["spf-lookup-limit", "skipped: the domain does not have exactly one SPF record"],
      ],
    );
  });

  test("a DKIM key that does not match the private key fails dkim-key-matches only", async () => {
    const other = rsaKey();
    const zones = {
      ...good,
      "example.com": editZone(
        good["example.com"]!,
        /^mail\._domainkey\s/,
        `mail._domainkey 3600 IN TXT "v=DKIM1; k=rsa; p=${other.p.slice(0, 200)}" "${other.p.slice(200)}"`,
      ),
    };
    const report = await verifyAgainst(fx, zones);
    assert.deepEqual(failing(report), [["dkim-key-matches", "mail._domainkey.example.com"]]);
    const c = report.checks.find((x) => x.id === "dkim-key-matches" && x.status === "fail")!;
    assert.match(c.message, /^a test message signed with the private key does not verify: fail/);
  });

  test("a missing PTR fails ptr-matches-hostname only; forward confirmation is skipped", async () => {
    const zones = { ...good, [REVERSE_V4]: reverseZone(REVERSE_V4, []) };
    const report = await verifyAgainst(fx, zones);
    assert.deepEqual(failing(report), [["ptr-matches-hostname", "192.0.2.10"]]);
    const c = report.checks.find((x) => x.id === "ptr-matches-hostname" && x.status === "fail")!;
    assert.equal(c.message, "no PTR: 10.2.0.192.in-addr.arpa does not exist (NXDOMAIN)");
    assert.deepEqual(
      report.checks
        .filter((x) => x.id === "ptr-forward-confirmed" && x.subject === "192.0.2.10")
        .map((x) => x.status),
      ["skip"],
    );
  });

  test("a listing on a DNSBL fails dnsbl-listed only", async () => {
    const zones = { ...good, [DNSBL]: reverseZone(DNSBL, ["10.2.0.192 IN A 127.0.0.2"]) };
    const report = await verifyAgainst(fx, zones);
    assert.deepEqual(failing(report), [["dnsbl-listed", "192.0.2.10 on bl.test"]]);
  });

  test("dmsctl verify: exit 0 on the correct zones, 1 on a broken one, JSON on stdout", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dms-verify-cli-"));
    try {
      const input = specInput();
      for (const d of input.domains) {
        const file = join(dir, `${d.name}.key`);
        writeFileSync(file, fx.keys.get(d.name)!);
        d.dkim = { privateKeyFile: `${d.name}.key` };
      }
      writeFileSync(join(dir, "mailserver.yaml"), stringify(input));
      const run = async (zones: Record<string, string>) => {
        const bind = await startBind({ zones });
        try {
          return await runDmsctl([
            "verify",
            join(dir, "mailserver.yaml"),
            "--resolver",
            bind.hostPort,
            "--no-connect",
            "--format",
            "json",
          ]);
        } finally {
          await bind.stop();
        }
      };
      const ok = await run(good);
      assert.equal(ok.code, 0, ok.stderr);
      const json = JSON.parse(ok.stdout);
      assert.equal(json.ok, true);
      assert.equal(json.summary.fail, 0);
      const bad = await run({ ...good, [REVERSE_V4]: reverseZone(REVERSE_V4, []) });
      assert.equal(bad.code, 1);
      assert.deepEqual(
        JSON.parse(bad.stdout)
          .checks.filter((c: { status: string }) => c.status === "fail")
          .map((c: { id: string }) => c.id),
        ["ptr-matches-hostname"],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("dmsctl verify usage errors", () => {
  test("bad options exit 2 with every problem named", async () => {
    const r = await runDmsctl([
      "verify",
      "/nonexistent/spec.yaml",
      "--timeout",
      "0",
      "--smtp-port",
      "70000",
      "--dnsbl",
      "not a zone",
    ]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      [
        'dmsctl verify: --timeout: must be more than 0 and at most 300 seconds, got "0"',
        'dmsctl verify: --smtp-port: must be a port number 1-65535, got "70000"',
        'dmsctl verify: --dnsbl: must be a DNS zone, got "not a zone"',
        'dmsctl verify: cannot read spec file "/nonexistent/spec.yaml" (ENOENT)',
        "",
      ].join("\n"),
    );
  });
  test("an invalid spec exits 1 with its findings", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dms-verify-bad-"));
    try {
      writeFileSync(join(dir, "bad.yaml"), "hostname: mail\ndomains: []\n");
      const r = await runDmsctl(["verify", join(dir, "bad.yaml")]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /error \S+ hostname: must be a lowercase fully qualified domain name/);
      assert.match(r.stderr, /dmsctl verify: .* is invalid: \d+ errors?\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A UDP DNS server that answers every query with SERVFAIL (RCODE 2). */
async function servfailServer(): Promise<Socket> {
  const sock = createSocket("udp4");
  sock.on("message", (msg, rinfo) => {
    if (msg.length < 12) return;
    // Header + question only: skip the QNAME labels, then QTYPE and QCLASS.
    let i = 12;
    while (i < msg.length && msg[i] !== 0) i += msg[i]! + 1;
    const end = Math.min(i + 5, msg.length);
    const out = Buffer.from(msg.subarray(0, end));
    out[2] = 0x80 | (msg[2]! & 0x01); // QR, opcode 0, RD copied
    out[3] = 0x82; // RA, RCODE 2 (SERVFAIL)
    out.writeUInt16BE(1, 4);
    out.writeUInt16BE(0, 6);
    out.writeUInt16BE(0, 8);
    out.writeUInt16BE(0, 10);
    sock.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  return sock;
}

describe("verify when DNS misbehaves", () => {
  const fx = makeFixture(specInput(["example.com"]));
  for (const kind of ["silent", "servfail"] as const) {
    test(`a ${kind} DNS server gives failed checks, not a hang`, async () => {
      const sock = kind === "servfail" ? await servfailServer() : createSocket("udp4");
      if (kind === "silent") await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
      try {
        const started = Date.now();
        const report = await verifyMailServer(fx.spec, fx.plan, {
          dns: new DnsClient({
            server: `127.0.0.1:${sock.address().port}`,
            timeoutMs: 300,
            tries: 1,
          }),
          dkimPrivateKeys: fx.keys,
          network: false,
          resolverLabel: `127.0.0.1:${sock.address().port}`,
        });
        const elapsed = Date.now() - started;
        assert.ok(elapsed < 5000, `took ${elapsed} ms`);
        // One root cause, not one failure per record: every check that needed DNS is skipped
        // and points at it; nothing tells the user to publish records.
        const server = `127.0.0.1:${sock.address().port}`;
        const failed = report.checks.filter((c) => c.status === "fail");
        assert.deepEqual(
          failed.map((c) => [c.id, c.subject]),
          [["dns-server-answers", server]],
        );
        const word = kind === "silent" ? "timeout" : "servfail";
        assert.match(
          failed[0]!.message,
          new RegExp(
            `^the DNS server ${server.replace(/\./g, "\\.")} (does not answer|answers no question): \\d+ lookups, \\d+ ${word}$`,
          ),
        );
        const because = report.checks.filter((c) => c.message.includes("(see dns-server-answers)"));
        assert.deepEqual(
          [...new Set(because.map((c) => c.id))],
          [
            "mx-points-to-host",
            "host-a-matches",
            "ptr-matches-hostname",
            "spf-single-record",
            "helo-spf",
            "dkim-record-usable",
            "dmarc-policy",
            "mta-sts-record",
            "tls-rpt-record",
          ],
        );
        for (const c of because) assert.equal(c.status, "skip", c.id);
        assert.equal(report.summary.fail, 1);
        assert.equal(report.summary.pass + report.summary.skip + 1, report.checks.length);
        assert.equal(report.ok, false);
      } finally {
        sock.close();
      }
    });
  }
});
