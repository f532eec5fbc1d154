/**
 * CNAMEs at names the plan publishes (`_dmarc`, a DKIM selector, the mail host): a CNAME takes the
 * whole name (RFC 1034 §3.6.2), so `dmsctl diff` reports it as a conflict naming the CNAME target
 * and the planned record, never a create beside it; and data where the plan wants a CNAME (a
 * delegated DMARC or DKIM selector) is the same conflict the other way round. From live DNS (a
 * real BIND, both as the authoritative server and as a resolver), from a preview document, and as
 * a property of the pure comparison.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { DnsClient } from "../../src/net/dns";
import { planRecords } from "../../src/plan/records";
import { computeDiff, liveQuestions } from "../../src/diff/compute";
import { diffLive } from "../../src/diff/live";
import { diffFromPreview } from "../../src/diff/preview";
import { renderMarkdown } from "../../src/diff/render/markdown";
import { renderJson } from "../../src/diff/render/json";
import type { Diff, LiveRecordSet } from "../../src/diff/types";
import type { DnsRecord, RecordType } from "../../src/records/types";
import { MailServerSpecSchema, type MailServerSpecInput } from "../../src/spec/schema";
import { bindAvailable, startBind, type BindServer } from "../servers/bind";
import { assertGolden } from "../helpers/golden";
import { KEY_A } from "./keys";
import { SEED } from "../readers/helpers";

function rows(diff: Diff): string[] {
  return diff.changes.map((c) => `${c.kind} ${c.name} ${c.type}: ${c.summary}`);
}

/** Two domains: example.com keeps local DMARC and DKIM, example.net delegates both. */
const INPUT = {
  hostname: "mail.example.com",
  ipv4: "192.0.2.10",
  domains: [
    { name: "example.com", dkim: { selector: "mail" }, dmarc: { policy: "reject" } },
    {
      name: "example.net",
      dkim: { selector: "s1", cname: "s1.example-net.dkim.sender.example." },
      dmarc: { cname: "example.net._dmarc.dmarc-provider.example." },
    },
  ],
} satisfies MailServerSpecInput;
const SPEC = MailServerSpecSchema.parse(INPUT);
const MATERIAL = {
  passwordHashes: new Map<string, string>(),
  dkimKeys: new Map([["example.com", { publicKeyBase64: KEY_A }]]),
};
const DESIRED = planRecords(SPEC, MATERIAL).records;

const soa = (zone: string) =>
  [
    `$ORIGIN ${zone}.`,
    "$TTL 300",
    `@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 300`,
    `@ IN NS ns1.${zone}.`,
    "ns1 IN A 127.0.0.1",
  ].join("\n");

/**
 * What DNS holds now: example.com's DMARC and DKIM were delegated by hand (CNAMEs where the plan
 * wants TXT), and its mail host is a CNAME; example.net still has the local DMARC TXT where the
 * plan now wants the delegation CNAME, and its DKIM selector is already delegated as planned.
 */
const ZONES: Record<string, string> = {
  "example.com": [
    soa("example.com"),
    "@ IN MX 10 mail.example.com.",
    '@ IN TXT "v=spf1 mx ip4:192.0.2.10 -all"',
    "_dmarc IN CNAME example.com._dmarc.dmarc-provider.example.",
    "mail._domainkey IN CNAME mail.example-com.dkim.sender.example.",
    "mail IN CNAME host.hosting.example.",
    "",
  ].join("\n"),
  "example.net": [
    soa("example.net"),
    "@ IN MX 10 mail.example.com.",
    '@ IN TXT "v=spf1 mx ip4:192.0.2.10 -all"',
    '_dmarc IN TXT "v=DMARC1; p=none"',
    "s1._domainkey IN CNAME s1.example-net.dkim.sender.example.",
    "",
  ].join("\n"),
  "dmarc-provider.example": [
    soa("dmarc-provider.example"),
    'example.com._dmarc IN TXT "v=DMARC1; p=quarantine; rua=mailto:r@dmarc-provider.example"',
    'example.net._dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:r@dmarc-provider.example"',
    "",
  ].join("\n"),
  "sender.example": [
    soa("sender.example"),
    `mail.example-com.dkim IN TXT "v=DKIM1; k=rsa; p=${KEY_A}"`,
    `s1.example-net.dkim IN TXT "v=DKIM1; k=rsa; p=${KEY_A}"`,
    "",
  ].join("\n"),
  "hosting.example": [soa("hosting.example"), "host IN A 198.51.100.7", ""].join("\n"),
};

const EXPECTED = [
  'conflict _dmarc.example.com TXT: _dmarc.example.com is a CNAME to example.com._dmarc.dmarc-provider.example: the planned TXT "v=DMARC1; p=reject" cannot be published beside it (a CNAME cannot share its name, RFC 1034 §3.6.2) and receivers read the target\'s records instead; remove the CNAME first, or declare the delegation in the spec (dmarc.cname)',
  'conflict mail._domainkey.example.com TXT: mail._domainkey.example.com is a CNAME to mail.example-com.dkim.sender.example: the planned TXT "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNAD...(174 chars)...FASTmwIDAQAB" cannot be published beside it (a CNAME cannot share its name, RFC 1034 §3.6.2) and receivers read the target\'s records instead; remove the CNAME first, or declare the delegation in the spec (dkim.cname)',
  "conflict mail.example.com A: mail.example.com is a CNAME to host.hosting.example: the planned A 192.0.2.10 cannot be published beside it (a CNAME cannot share its name, RFC 1034 §3.6.2) and receivers read the target's records instead; remove the CNAME first",
  'conflict mail.example.com TXT: mail.example.com is a CNAME to host.hosting.example: the planned TXT "v=spf1 ip4:192.0.2.10 -all" cannot be published beside it (a CNAME cannot share its name, RFC 1034 §3.6.2) and receivers read the target\'s records instead; remove the CNAME first',
  "unchanged example.com MX: MX: mail.example.com (priority 10)",
  'unchanged example.com TXT: SPF: "v=spf1 mx ip4:192.0.2.10 -all"',
  "create _dmarc.example.net CNAME: DMARC delegated (CNAME): example.net._dmarc.dmarc-provider.example",
  'conflict _dmarc.example.net CNAME: _dmarc.example.net holds TXT "v=DMARC1; p=none": the planned CNAME to example.net._dmarc.dmarc-provider.example cannot be created beside it (a CNAME cannot share its name, RFC 1034 §3.6.2); remove the TXT first',
  'unmanaged _dmarc.example.net TXT: TXT _dmarc.example.net: "v=DMARC1; p=none" (not in plan, left alone)',
  "unchanged example.net MX: MX: mail.example.com (priority 10)",
  'unchanged example.net TXT: SPF: "v=spf1 mx ip4:192.0.2.10 -all"',
  "unchanged s1._domainkey.example.net CNAME: DKIM selector s1 delegated (CNAME): s1.example-net.dkim.sender.example",
];

let authoritative: BindServer;
let resolver: BindServer;
before(async () => {
  if (!bindAvailable() && process.env.CI !== "true") {
    throw new Error("named is not installed: run scripts/ensure-system-deps.sh");
  }
  authoritative = await startBind({ zones: ZONES });
  // A resolver in front of it: it answers a TXT question at a CNAME with the target's TXT.
  resolver = await startBind({
    zones: {},
    forward: Object.fromEntries(Object.keys(ZONES).map((z) => [z, authoritative.hostPort])),
  });
});
after(async () => {
  await resolver?.stop();
  await authoritative?.stop();
});

for (const which of ["authoritative server", "resolver"] as const) {
  test(`GIVEN CNAMEs at planned names in BIND (asked of the ${which}) WHEN diffed THEN each is a conflict naming both values, never a create beside it`, async () => {
    const server = which === "resolver" ? resolver : authoritative;
    const diff = await diffLive(
      DESIRED,
      new DnsClient({ server: server.hostPort, timeoutMs: 3000 }),
      {
        resolverLabel: "127.0.0.1 (test BIND)",
      },
    );
    assert.deepEqual(rows(diff), EXPECTED);
    const dmarc = diff.changes.find((c) => c.name === "_dmarc.example.com")!;
    assert.equal(dmarc.conflict, "cname-conflict");
    assert.deepEqual(dmarc.before, ["CNAME example.com._dmarc.dmarc-provider.example."]);
    assert.deepEqual(dmarc.after, ["v=DMARC1; p=reject"]);
    // Nothing is written at a name that holds a CNAME.
    const cnamed = new Set([
      "_dmarc.example.com",
      "mail._domainkey.example.com",
      "mail.example.com",
    ]);
    assert.ok(!diff.changes.some((c) => cnamed.has(c.name) && c.kind !== "conflict"));
    if (which === "authoritative server") assertGolden("diff/cname-live.md", renderMarkdown(diff));
  });
}

test("GIVEN a preview that leaves a CNAME and a TXT at one name THEN the conflict names both values and both resources", () => {
  const file = "cname-conflict.json";
  const text = readFileSync(join(__dirname, "..", "fixtures", "preview", file), "utf8");
  const diff = diffFromPreview(text, {
    file,
    zones: new Map([
      ["023e105f4ecef8ad9ca31a8372d0c353", "example.com"],
      ["Z0123456789ABCDEFGHIJ", "example.org"],
    ]),
  });
  const conflicts = diff.changes.filter((c) => c.kind === "conflict");
  assert.deepEqual(
    conflicts.map((c) => [c.name, c.type, c.conflict, c.before, c.after, c.urns?.length]),
    [
      [
        "_dmarc.example.com",
        "TXT",
        "cname-conflict",
        ["CNAME example.com._dmarc.dmarc-provider.net."],
        ["v=DMARC1; p=reject"],
        2,
      ],
      [
        "s1._domainkey.example.org",
        "TXT",
        "cname-conflict",
        ["CNAME s1.example-org.dkim.sender.example."],
        ["v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC1"],
        2,
      ],
    ],
  );
  // A delegation CNAME alone is a plain create, described in mail terms.
  assert.equal(
    diff.changes.find((c) => c.name === "_dmarc.example.org")?.summary,
    "DMARC delegated (CNAME): example.org._dmarc.dmarc-provider.net",
  );
  assertGolden("diff/preview-cname.md", renderMarkdown(diff));
  assertGolden("diff/preview-cname.json", renderJson(diff));
});

// ---------------------------------------------------------------------------------------------
// The comparison as a property
// ---------------------------------------------------------------------------------------------

const NAMES = ["_dmarc.example.com", "mail._domainkey.example.com", "mail.example.com"] as const;
const PLANNED: readonly DnsRecord[] = [...DESIRED.filter((r) => r.zone === "example.com")];

test("property: at a name holding a live CNAME, the diff writes nothing of another type and names the CNAME and the planned record in one conflict per record set", () => {
  const liveArb = fc.record({
    cnamed: fc.subarray([...NAMES], { minLength: 0 }),
    target: fc.constantFrom("x.provider.example.", "y.other.example."),
    // What a resolver answers for the other types there: the target's records.
    targetTxt: fc.array(fc.constantFrom("v=DMARC1; p=none", "v=spf1 -all", "hello"), {
      maxLength: 2,
    }),
    targetA: fc.array(fc.constantFrom("198.51.100.1", "192.0.2.10"), { maxLength: 2 }),
  });
  fc.assert(
    fc.property(liveArb, ({ cnamed, target, targetTxt, targetA }) => {
      const live: LiveRecordSet[] = [];
      for (const q of liveQuestions(PLANNED)) {
        const isCnamed = (cnamed as readonly string[]).includes(q.name);
        const values: readonly string[] =
          q.type === "CNAME"
            ? isCnamed
              ? [target]
              : []
            : isCnamed
              ? q.type === "TXT"
                ? targetTxt
                : q.type === "A"
                  ? targetA
                  : []
              : (PLANNED.find((r) => r.name === q.name && r.type === q.type)?.values ?? []);
        live.push({ name: q.name, type: q.type, values: [...values] });
      }
      const diff = computeDiff(PLANNED, live);
      for (const r of PLANNED) {
        const at = diff.changes.filter((c) => c.name === r.name && c.type === r.type);
        if ((cnamed as readonly string[]).includes(r.name)) {
          assert.equal(at.length, 1, `${r.name} ${r.type}: ${JSON.stringify(at)}`);
          assert.equal(at[0]!.kind, "conflict");
          assert.equal(at[0]!.conflict, "cname-conflict");
          assert.deepEqual(at[0]!.before, [`CNAME ${target}`]);
          assert.deepEqual(at[0]!.after, [...r.values].sort());
          assert.ok(at[0]!.summary.includes(target.replace(/\.$/, "")));
        } else {
          assert.ok(
            at.every((c) => c.kind === "unchanged"),
            `${r.name} ${r.type}: ${JSON.stringify(at)}`,
          );
        }
      }
      // The records a CNAME hides (the target's) are never reported as ours.
      for (const c of diff.changes) {
        if ((cnamed as readonly string[]).includes(c.name) && c.type !== ("CNAME" as RecordType)) {
          assert.equal(c.kind, "conflict", c.summary);
        }
      }
    }),
    { seed: SEED, numRuns: 200 },
  );
});
