import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { promises as dnsPromises } from "node:dns";
import { tmpdir } from "node:os";
import { join } from "node:path";
// mailauth's own entry point, as a receiving MTA would call it: DKIM, SPF and DMARC in one pass.
import { authenticate, dkimSign } from "mailauth";
import { planRecords } from "../../../src/plan/records";
import { renderZoneFiles } from "../../../src/plan/render/zone";
import type { PlanMaterial } from "../../../src/spec/material";
import type { MailServerSpecInput } from "../../../src/spec/schema";
import { DnsClient } from "../../../src/net/dns";
import { bindAvailable, startBind, type BindServer } from "../../servers/bind";
import { assertGolden } from "../../helpers/golden";
import { exampleInput, NO_MATERIAL, specOf } from "../../records/fixtures";

/** A spec exercising every record type and a 4096-bit DKIM key (a TXT of three strings). */
const WIDE: MailServerSpecInput = {
  hostname: "mail.example.com",
  ipv4: "192.0.2.10",
  ipv6: "2001:db8::10",
  features: { pop3: true },
  domains: [
    {
      name: "example.com",
      dkim: { selector: "s1", keySize: 4096 },
      spf: { mechanisms: ["include:_spf.example.net"], all: "~all" },
      dmarc: {
        policy: "reject",
        subdomainPolicy: "quarantine",
        pct: 50,
        rua: ["mailto:dmarc@example.com", "mailto:dmarc@example.org"],
        adkim: "s",
        aspf: "s",
      },
      mtaSts: { mode: "enforce", maxAge: 86400 },
      tlsRpt: { rua: ["mailto:tls@example.com", "https://tlsrpt.example.com/v1"] },
      autoconfig: true,
      caa: { issuers: ["letsencrypt.org", "pki.goog"], iodef: "mailto:security@example.com" },
      ttl: 300,
      mxPriority: 5,
    },
    { name: "example.org", dkim: { enabled: false } },
    { name: "sub.example.org", dns: { provider: "zonefile", zone: "example.org" } },
  ],
};

function rsaKey(bits: number): { pem: string; p: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return {
    pem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    p: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
  };
}

const key4096 = rsaKey(4096);
const key2048 = rsaKey(2048);
const WIDE_MATERIAL: PlanMaterial = {
  passwordHashes: new Map(),
  dkimKeys: new Map([
    ["example.com", { publicKeyBase64: key4096.p, privateKeyPem: key4096.pem }],
    ["sub.example.org", { publicKeyBase64: key2048.p, privateKeyPem: key2048.pem }],
  ]),
};

test("the example spec's zone files match the golden files", () => {
  const zones = renderZoneFiles(planRecords(specOf(exampleInput()), NO_MATERIAL));
  assert.deepEqual(
    zones.map((z) => z.zone),
    ["example.com", "example.org"],
  );
  for (const z of zones) assertGolden(`plan/example.${z.zone}.zone`, z.text);
});

test("zone files: $ORIGIN first, SOA serial follows the records, TXT split at 255", () => {
  const [com] = renderZoneFiles(planRecords(specOf(WIDE), WIDE_MATERIAL));
  const lines = com!.text.split("\n");
  assert.equal(lines[0], "$ORIGIN example.com.");
  assert.equal(lines[1], "$TTL 300");
  const dkim = lines.find((l) => l.startsWith("s1._domainkey "))!;
  const strings = [...dkim.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  assert.ok(strings.length >= 3, dkim);
  assert.ok(strings.every((s) => s.length <= 255));
  assert.equal(strings.join(""), `v=DKIM1; k=rsa; p=${key4096.p}`);
  // Same records, same serial; a changed record, a new serial.
  const again = renderZoneFiles(planRecords(specOf(WIDE), WIDE_MATERIAL))[0]!.text;
  assert.equal(again, com!.text);
  const changed = renderZoneFiles(
    planRecords(specOf({ ...WIDE, ipv4: "192.0.2.11" }), WIDE_MATERIAL),
  )[0]!.text;
  const serial = (t: string) => / SOA +\S+ \S+ (\d+) /.exec(t)![1];
  assert.notEqual(serial(changed), serial(com!.text));
});

const checkzone = spawnSync("named-checkzone", ["-v"], { stdio: "ignore" }).status === 0;

test(
  "named-checkzone accepts every rendered zone",
  { skip: !checkzone && process.env.CI !== "true" },
  () => {
    const dir = mkdtempSync(join(tmpdir(), "dms-zone-"));
    try {
      const zones = [
        ...renderZoneFiles(planRecords(specOf(exampleInput()), NO_MATERIAL)),
        ...renderZoneFiles(planRecords(specOf(WIDE), WIDE_MATERIAL)),
      ];
      assert.equal(zones.length, 4);
      for (const [i, z] of zones.entries()) {
        const file = join(dir, `z${i}.db`);
        writeFileSync(file, z.text);
        const run = spawnSync("named-checkzone", ["-k", "fail", "-i", "local", z.zone, file], {
          encoding: "utf8",
        });
        assert.equal(run.status, 0, `${z.zone}:\n${run.stdout}${run.stderr}`);
        assert.match(
          run.stdout,
          new RegExp(`zone ${z.zone.replace(/\./g, "\\.")}/IN: loaded serial \\d+\\nOK\\n`),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

let bind: BindServer | undefined;
const haveBind = bindAvailable();
before(async () => {
  if (!haveBind) {
    if (process.env.CI === "true") throw new Error("named (BIND 9) is not installed");
    return;
  }
  const zones = renderZoneFiles(planRecords(specOf(WIDE), WIDE_MATERIAL));
  bind = await startBind({ zones: Object.fromEntries(zones.map((z) => [z.zone, z.text])) });
});
after(async () => {
  await bind?.stop();
});

test(
  "BIND serving the zones answers exactly the planned values for every record",
  { skip: !haveBind },
  async () => {
    const plan = planRecords(specOf(WIDE), WIDE_MATERIAL);
    assert.equal(plan.records.length, 24);
    const client = new DnsClient({ server: bind!.hostPort, timeoutMs: 1000 });
    const answers = await client.queryAll(
      plan.records.map((r) => ({ name: r.name, type: r.type })),
    );
    assert.deepEqual(
      answers.map((a) => [a.name, a.type, a.status, a.values]),
      plan.records.map((r) => [r.name, r.type, "ok", r.values]),
    );
  },
);

test(
  "a message signed with the planned DKIM key verifies against BIND, with SPF and DMARC passing",
  { skip: !haveBind },
  async () => {
    const resolver = new dnsPromises.Resolver({ timeout: 1000, tries: 1 });
    resolver.setServers([bind!.hostPort]);
    const resolve = (name: string, rr: string) =>
      resolver.resolve(name, rr) as Promise<string[] | string[][]>;
    const message = [
      "From: Alice <alice@example.com>",
      "To: bob@example.net",
      "Subject: planned DKIM",
      "Date: Mon, 01 Jan 2024 00:00:00 +0000",
      "Message-ID: <plan-test@example.com>",
      "",
      "Signed with the key whose public half the plan published.",
      "",
    ].join("\r\n");
    const check = async (privateKey: string) => {
      // mailauth's typings want top-level fields, but it signs from signatureData (README).
      const signed = await dkimSign(message, {
        signatureData: [{ signingDomain: "example.com", selector: "s1", privateKey }],
      } as unknown as Parameters<typeof dkimSign>[1]);
      assert.deepEqual(signed.errors, []);
      const result = await authenticate(signed.signatures + message, {
        ip: "192.0.2.10",
        helo: "mail.example.com",
        sender: "alice@example.com",
        mta: "mx.example.net",
        resolver: resolve,
        disableArc: true,
        disableBimi: true,
      });
      const dmarc = result.dmarc;
      return {
        dkim: result.dkim.results.map((r) => [r.signingDomain, r.selector, r.status.result]),
        spf: result.spf === false ? "none" : result.spf.status.result,
        dmarc: dmarc === false ? "none" : dmarc.status.result,
        policy: dmarc === false ? "none" : dmarc.policy,
      };
    };
    assert.deepEqual(await check(key4096.pem), {
      dkim: [["example.com", "s1", "pass"]],
      spf: "pass",
      dmarc: "pass",
      policy: "reject",
    });
    // A key the plan did not publish fails: the record really is this key's.
    const other = rsaKey(2048);
    assert.deepEqual((await check(other.pem)).dkim, [["example.com", "s1", "fail"]]);
  },
);
