import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { planRecords } from "../../src/plan/records";
import type { MailServerSpecInput } from "../../src/spec/schema";
import { assertGolden } from "../helpers/golden";
import { exampleInput, NO_MATERIAL, shuffled, specOf } from "../records/fixtures";

/** Records as `zone name type ttl values` lines, the shape tests compare. */
function lines(input: MailServerSpecInput, material = NO_MATERIAL): string[] {
  return planRecords(specOf(input), material).records.map(
    (r) =>
      `${r.zone} ${r.name} ${r.type} ${r.ttl} ${r.purpose} ${r.domain} | ${r.values.join(" | ")}`,
  );
}

test("the example spec plans the golden records, zones, PTR and findings", () => {
  const plan = planRecords(specOf(exampleInput()), NO_MATERIAL);
  assertGolden("records/example.json", JSON.stringify(plan, null, 2) + "\n");
  assert.deepEqual(
    plan.zones.map((z) => [z.zone, z.provider, z.records.length]),
    [
      ["example.com", "zonefile", 15],
      ["example.org", "zonefile", 4],
    ],
  );
});

test("a minimal spec: MX, SPF, DKIM placeholder, DMARC, host records", () => {
  assert.deepEqual(
    lines({ hostname: "mail.example.com", ipv4: "192.0.2.10", domains: [{ name: "example.com" }] }),
    [
      "example.com _dmarc.example.com TXT 3600 dmarc example.com | v=DMARC1; p=none",
      "example.com example.com MX 3600 mx example.com | 10 mail.example.com.",
      "example.com example.com TXT 3600 spf example.com | v=spf1 mx ip4:192.0.2.10 -all",
      "example.com mail._domainkey.example.com TXT 3600 dkim example.com | v=DKIM1; k=rsa; p=<generated-at-deploy>",
      "example.com mail.example.com A 3600 host-address mail.example.com | 192.0.2.10",
      "example.com mail.example.com TXT 3600 helo-spf mail.example.com | v=spf1 ip4:192.0.2.10 -all",
    ],
  );
});

test("a supplied DKIM key is published and no placeholder finding is raised", () => {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const p = publicKey.export({ type: "spki", format: "der" }).toString("base64");
  const spec = specOf({
    hostname: "mail.example.com",
    domains: [{ name: "example.com", dkim: { selector: "s2024" } }],
  });
  const plan = planRecords(spec, {
    passwordHashes: new Map(),
    dkimKeys: new Map([["example.com", { publicKeyBase64: p }]]),
  });
  const dkim = plan.records.find((r) => r.purpose === "dkim")!;
  assert.equal(dkim.name, "s2024._domainkey.example.com");
  assert.deepEqual(dkim.values, [`v=DKIM1; k=rsa; p=${p}`]);
  assert.deepEqual(
    plan.findings.map((f) => f.id),
    ["host-address-unknown"],
  );
});

test("a hostname outside every managed domain gets its own zone file and a warning", () => {
  const plan = planRecords(
    specOf({
      hostname: "mx1.mailhost.example.net",
      ipv6: "2001:DB8::25",
      domains: [{ name: "example.com", dkim: { enabled: false } }],
    }),
    NO_MATERIAL,
  );
  assert.deepEqual(
    plan.zones.map((z) => [z.zone, z.provider, z.records.map((r) => `${r.name} ${r.type}`)]),
    [
      ["example.com", "zonefile", ["_dmarc.example.com TXT", "example.com MX", "example.com TXT"]],
      [
        "mailhost.example.net",
        "zonefile",
        ["mx1.mailhost.example.net AAAA", "mx1.mailhost.example.net TXT"],
      ],
    ],
  );
  assert.deepEqual(plan.findings, [
    {
      id: "hostname-zone-unmanaged",
      level: "warn",
      path: "hostname",
      message:
        '"mx1.mailhost.example.net" is in no managed domain; its A/AAAA and HELO SPF records are planned in a zone file for mailhost.example.net',
      remediation:
        "Publish the records of zone mailhost.example.net at its DNS host, or add the domain that holds mx1.mailhost.example.net to domains[].",
    },
  ]);
  assert.deepEqual(plan.ptr, [
    {
      ip: "2001:db8::25",
      name: "5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
      hostname: "mx1.mailhost.example.net",
    },
  ]);
});

test("host records go to the zone of the longest managed domain holding the hostname", () => {
  const out = lines({
    hostname: "mail.eu.example.com",
    ipv4: "192.0.2.10",
    domains: [
      { name: "example.com", dkim: { enabled: false }, ttl: 600 },
      {
        name: "eu.example.com",
        dns: { provider: "cloudflare", zoneId: "z1", zone: "example.com" },
        dkim: { enabled: false },
        ttl: 300,
      },
    ],
  }).filter((l) => l.includes(" mail.eu.example.com "));
  assert.deepEqual(out, [
    "example.com mail.eu.example.com A 300 host-address mail.eu.example.com | 192.0.2.10",
    "example.com mail.eu.example.com TXT 300 helo-spf mail.eu.example.com | v=spf1 ip4:192.0.2.10 -all",
  ]);
});

test("a bare-domain host keeps one SPF record at the shared name", () => {
  const out = lines({
    hostname: "example.com",
    bareDomain: true,
    ipv4: "192.0.2.10",
    domains: [{ name: "example.com", dkim: { enabled: false } }],
  });
  assert.deepEqual(out, [
    "example.com _dmarc.example.com TXT 3600 dmarc example.com | v=DMARC1; p=none",
    "example.com example.com A 3600 host-address example.com | 192.0.2.10",
    "example.com example.com MX 3600 mx example.com | 10 example.com.",
    "example.com example.com TXT 3600 spf example.com | v=spf1 mx ip4:192.0.2.10 -all",
  ]);
});

test("DMARC reports to another managed domain are authorised there; to others, a finding", () => {
  const plan = planRecords(
    specOf({
      hostname: "mail.example.com",
      ipv4: "192.0.2.10",
      domains: [
        { name: "example.com", dkim: { enabled: false } },
        {
          name: "example.org",
          dkim: { enabled: false },
          dmarc: {
            policy: "reject",
            rua: ["mailto:agg@example.com", "mailto:agg@reports.example.net!10m"],
            ruf: ["mailto:forensic@example.com"],
          },
        },
      ],
    }),
    NO_MATERIAL,
  );
  const auth = plan.records.filter((r) => r.purpose === "dmarc-report-auth");
  assert.deepEqual(auth, [
    {
      zone: "example.com",
      name: "example.org._report._dmarc.example.com",
      type: "TXT",
      ttl: 3600,
      values: ["v=DMARC1"],
      purpose: "dmarc-report-auth",
      domain: "example.com",
    },
  ]);
  assert.deepEqual(plan.findings, [
    {
      id: "dmarc-report-external",
      level: "info",
      path: "domains",
      message:
        'example.org: DMARC reports go to reports.example.net, which this spec does not manage; it must publish TXT "v=DMARC1" at example.org._report._dmarc.reports.example.net or receivers drop the reports',
    },
  ]);
});

test("autoconfig SRV: unavailable services say `0 0 0 .`, POP3 only with the feature", () => {
  const srv = (input: MailServerSpecInput) =>
    lines(input)
      .filter((l) => l.includes(" SRV "))
      .map((l) => l.replace(/^example\.com /, "").replace(/ 3600 autoconfig example\.com/, ""));
  const base: MailServerSpecInput = {
    hostname: "mail.example.com",
    domains: [{ name: "example.com", autoconfig: true }],
  };
  assert.deepEqual(srv(base), [
    "_imap._tcp.example.com SRV | 0 0 0 .",
    "_imaps._tcp.example.com SRV | 0 1 993 mail.example.com.",
    "_submission._tcp.example.com SRV | 0 1 587 mail.example.com.",
    "_submissions._tcp.example.com SRV | 0 1 465 mail.example.com.",
  ]);
  assert.deepEqual(
    srv({
      ...base,
      features: { pop3: true },
      services: { imap: { expose: "public" }, submission: { expose: "off" } },
    }),
    [
      "_imap._tcp.example.com SRV | 0 1 143 mail.example.com.",
      "_imaps._tcp.example.com SRV | 0 1 993 mail.example.com.",
      "_pop3._tcp.example.com SRV | 0 0 0 .",
      "_pop3s._tcp.example.com SRV | 0 1 995 mail.example.com.",
      "_submission._tcp.example.com SRV | 0 0 0 .",
      "_submissions._tcp.example.com SRV | 0 1 465 mail.example.com.",
    ],
  );
});

test("reordering domains, mechanisms of other domains and CAA issuers changes nothing", () => {
  const input = exampleInput();
  const reference = JSON.stringify(planRecords(specOf(input), NO_MATERIAL));
  for (const seed of [1, 2, 3, 4, 5]) {
    const domains = shuffled(input.domains, seed).map((d) =>
      d.caa
        ? { ...d, caa: { ...d.caa, issuers: shuffled([...d.caa.issuers, "pki.goog"], seed) } }
        : d,
    );
    const withIssuer = JSON.stringify(
      planRecords(specOf({ ...input, domains: shuffled(domains, seed + 7) }), NO_MATERIAL),
    );
    const sortedIssuers = JSON.stringify(
      planRecords(
        specOf({
          ...input,
          domains: input.domains.map((d) =>
            d.caa ? { ...d, caa: { ...d.caa, issuers: [...d.caa.issuers, "pki.goog"] } } : d,
          ),
        }),
        NO_MATERIAL,
      ),
    );
    assert.equal(withIssuer, sortedIssuers, `seed ${seed}`);
    assert.equal(
      JSON.stringify(
        planRecords(specOf({ ...input, domains: shuffled(input.domains, seed) }), NO_MATERIAL),
      ),
      reference,
      `seed ${seed}`,
    );
  }
});
