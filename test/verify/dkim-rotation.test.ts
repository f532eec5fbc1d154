/**
 * `dmsctl verify` during a DKIM rotation, against a real BIND: every published selector is
 * checked (record usable, private key matches), the signing selector at every authoritative
 * server, and a retiring selector past `dkim.retireAfterDays` from its `since` date is reported.
 * BIND serves both selectors, as during the overlap.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { bindAvailable, startBind } from "../servers/bind";
import { DnsClient } from "../../src/net/dns";
import { verifyMailServer } from "../../src/verify/verify";
import type { Check, VerifyReport } from "../../src/verify/checks";
import { planMailServer } from "../../src/plan/plan";
import { renderZoneFiles } from "../../src/plan/render/zone";
import { dkimPublicKeyBase64 } from "../../src/records/policies";
import { selectorKey } from "../../src/spec/material";
import { requireTool } from "./peers";
import { editZone, rsaKey, specInput, validSpec } from "./fixture";

const skipBind = requireTool(bindAvailable(), "named (BIND 9)");
const OLD = rsaKey();
const NEW = rsaKey();
const OTHER = rsaKey();

function fixture(retireAfterDays = 7) {
  const input = specInput(["example.com"]);
  const spec = validSpec({
    ...input,
    domains: [
      {
        ...input.domains[0]!,
        dkim: {
          selector: "s2026b",
          retiring: [{ selector: "s2026a", since: "2026-11-01" }],
          retireAfterDays,
        },
      },
    ],
  });
  const material = {
    passwordHashes: new Map(spec.accounts.map((a) => [a.address, "{SHA512-CRYPT}x"])),
    dkimKeys: new Map([
      ["example.com", { privateKeyPem: NEW.pem, publicKeyBase64: dkimPublicKeyBase64(NEW.pem) }],
    ]),
    retiringDkimKeys: new Map([
      [
        selectorKey("example.com", "s2026a"),
        { privateKeyPem: OLD.pem, publicKeyBase64: dkimPublicKeyBase64(OLD.pem) },
      ],
    ]),
  };
  const plan = planMailServer(spec, material);
  // The planned zone, with name servers that exist: ns1 at the BIND itself.
  let zone = renderZoneFiles(plan).find((z) => z.zone === "example.com")!.text;
  zone = editZone(zone, /IN NS +ns1\.invalid\./, "@ 3600 IN NS ns1.example.com.");
  zone = editZone(zone, /IN NS +ns2\.invalid\./, "ns1 3600 IN A 127.0.0.1");
  return { spec, plan, zone };
}

async function verify(zone: string, now: Date, retireAfterDays = 7): Promise<VerifyReport> {
  const fx = fixture(retireAfterDays);
  const bind = await startBind({ zones: { "example.com": zone } });
  try {
    return await verifyMailServer(fx.spec, fx.plan, {
      dns: new DnsClient({ server: bind.hostPort, timeoutMs: 3000 }),
      dkimPrivateKeys: new Map([["example.com", NEW.pem]]),
      retiringDkimPrivateKeys: new Map([[selectorKey("example.com", "s2026a"), OLD.pem]]),
      authoritative: { port: bind.port },
      network: false,
      now,
    });
  } finally {
    await bind.stop();
  }
}

const dkimChecks = (r: VerifyReport) =>
  r.checks
    .filter((c) => c.id.startsWith("dkim-"))
    .map((c: Check) => [c.id, c.subject, c.status, c.message]);

describe("verify during a DKIM rotation (BIND serves both selectors)", { skip: skipBind }, () => {
  const NOW = new Date("2026-11-05T12:00:00Z");

  test("both selectors pass, the signing one at every authoritative server, the retiring one within its days", async () => {
    const report = await verify(fixture().zone, NOW);
    assert.deepEqual(dkimChecks(report), [
      [
        "dkim-record-usable",
        "s2026a._domainkey.example.com",
        "pass",
        "rsa 2048-bit key (retiring selector s2026a)",
      ],
      [
        "dkim-record-usable",
        "s2026b._domainkey.example.com",
        "pass",
        "rsa 2048-bit key (signing selector s2026b)",
      ],
      [
        "dkim-key-matches",
        "s2026a._domainkey.example.com",
        "pass",
        "a test message signed with the private key verifies",
      ],
      [
        "dkim-key-matches",
        "s2026b._domainkey.example.com",
        "pass",
        "a test message signed with the private key verifies",
      ],
      [
        "dkim-signing-authoritative",
        "s2026b._domainkey.example.com",
        "pass",
        "answered by all 1 authoritative servers of example.com (ns1.example.com.)",
      ],
      [
        "dkim-retiring-overdue",
        "s2026a._domainkey.example.com",
        "pass",
        "retiring since 2026-11-01, 4 of 7 days",
      ],
    ]);
  });

  test("a retiring selector past retireAfterDays is reported (a warning)", async () => {
    const report = await verify(fixture(3).zone, NOW, 3);
    const c = report.checks.find((x) => x.id === "dkim-retiring-overdue")!;
    assert.equal(c.status, "fail");
    assert.equal(c.level, "warn");
    assert.equal(
      c.message,
      "retiring since 2026-11-01, 4 days ago, still published (dkim.retireAfterDays: 3)",
    );
    assert.match(c.remediation!, /remove s2026a from dkim\.retiring of example\.com/);
  });

  test("the signing selector missing from the zone fails its record and the authoritative check", async () => {
    const zone = editZone(fixture().zone, /^s2026b\._domainkey/, "; s2026b removed");
    const report = await verify(zone, NOW);
    const failed = report.checks
      .filter((c) => c.status === "fail" && c.id.startsWith("dkim-"))
      .map((c) => [c.id, c.subject]);
    assert.deepEqual(failed, [
      ["dkim-record-usable", "s2026b._domainkey.example.com"],
      ["dkim-signing-authoritative", "s2026b._domainkey.example.com"],
    ]);
    const a = report.checks.find((c) => c.id === "dkim-signing-authoritative")!;
    assert.match(
      a.message,
      /^not answered by ns1\.example\.com\. \(127\.0\.0\.1:\d+\): s2026b\._domainkey\.example\.com does not exist \(NXDOMAIN\)$/,
    );
  });

  test("a retiring record that is not the retiring key fails dkim-key-matches for that selector only", async () => {
    const zone = editZone(
      fixture().zone,
      /^s2026a\._domainkey/,
      `s2026a._domainkey 3600 IN TXT "v=DKIM1; k=rsa; p=${OTHER.p.slice(0, 200)}" "${OTHER.p.slice(200)}"`,
    );
    const report = await verify(zone, NOW);
    const failed = report.checks
      .filter((c) => c.status === "fail" && c.id.startsWith("dkim-"))
      .map((c) => [c.id, c.subject]);
    assert.deepEqual(failed, [["dkim-key-matches", "s2026a._domainkey.example.com"]]);
  });
});
