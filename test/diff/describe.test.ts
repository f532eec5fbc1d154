import { test } from "node:test";
import assert from "node:assert/strict";
import {
  describeChange,
  dkimKeyInfo,
  parseSpf,
  parseTags,
  shorten,
  txtFamily,
} from "../../src/diff/describe";
import type { RecordPurpose, RecordType } from "../../src/records/types";
import { KEY_A, KEY_B } from "./keys";

type Case = [
  RecordPurpose | undefined,
  string,
  RecordType,
  string[],
  string[],
  string,
  string[],
  string[],
];

// GIVEN purpose, name, type, before, after THEN summary, details, risks.
const CASES: Case[] = [
  [
    "dmarc",
    "_dmarc.example.com",
    "TXT",
    ["v=DMARC1; p=quarantine; rua=mailto:a@example.com"],
    ["v=DMARC1; p=reject; rua=mailto:a@example.com,mailto:b@example.com; adkim=s"],
    "DMARC policy quarantine -> reject",
    [
      "DMARC aggregate reports (rua): adds mailto:b@example.com",
      "DMARC DKIM alignment (adkim) relaxed (default) -> strict",
    ],
    ["dmarc-policy"],
  ],
  [
    "dmarc",
    "_dmarc.example.com",
    "TXT",
    [],
    ["v=DMARC1; p=reject; rua=mailto:a@example.com"],
    "DMARC published: policy reject",
    ["DMARC aggregate reports (rua): mailto:a@example.com"],
    ["dmarc-policy"],
  ],
  [
    "dmarc",
    "_dmarc.example.com",
    "TXT",
    [],
    ["v=DMARC1; p=none"],
    "DMARC published: policy none",
    [],
    [],
  ],
  [
    "dmarc",
    "_dmarc.example.com",
    "TXT",
    ["v=DMARC1; p=reject"],
    [],
    "DMARC removed (was policy reject)",
    [],
    ["dmarc-policy", "delete"],
  ],
  [
    "dmarc",
    "_dmarc.example.com",
    "TXT",
    ["v=DMARC1; p=reject; pct=50"],
    ["v=DMARC1; p=reject; sp=none"],
    "DMARC subdomain policy (sp) (inherits p) -> none",
    ["DMARC pct 50 -> (100)"],
    ["dmarc-policy"],
  ],
  [
    "dmarc",
    "_dmarc.example.com",
    "TXT",
    ["v=DMARC1; p=none; rua=mailto:a@example.com"],
    ["v=DMARC1; p=none; rua=mailto:b@example.com"],
    "DMARC aggregate reports (rua): adds mailto:b@example.com; removes mailto:a@example.com",
    [],
    [],
  ],
  [
    "spf",
    "example.com",
    "TXT",
    ["v=spf1 mx ip4:192.0.2.1 ~all"],
    ["v=spf1 mx ip6:2001:db8::10 -all"],
    "SPF: adds ip6:2001:db8::10; removes ip4:192.0.2.1",
    ["SPF: ~all -> -all"],
    ["spf"],
  ],
  [
    "spf",
    "example.com",
    "TXT",
    ["v=spf1 mx -all", "v=spf1 include:_spf.example.net -all"],
    ["v=spf1 mx -all"],
    "SPF: 2 records -> 1",
    ['SPF: removes record "v=spf1 include:_spf.example.net -all"'],
    ["spf"],
  ],
  [
    "spf",
    "example.com",
    "TXT",
    [],
    ["v=spf1 mx -all"],
    'SPF published: "v=spf1 mx -all"',
    [],
    ["spf"],
  ],
  [
    "spf",
    "example.com",
    "TXT",
    ["v=spf1 MX -all"],
    ["v=spf1 mx -all"],
    "SPF: terms reordered",
    [],
    ["spf"],
  ],
  [
    "helo-spf",
    "mail.example.com",
    "TXT",
    ["v=spf1 a ~all"],
    ["v=spf1 a -all"],
    "SPF for HELO mail.example.com: ~all -> -all",
    [],
    ["spf"],
  ],
  [
    "mx",
    "example.com",
    "MX",
    ["10 mail.old.example."],
    ["10 mail.example.com."],
    "MX: mail.old.example -> mail.example.com",
    [],
    ["mx"],
  ],
  [
    "mx",
    "example.com",
    "MX",
    ["20 mail.example.com."],
    ["10 mail.example.com."],
    "MX mail.example.com: priority 20 -> 10",
    [],
    ["mx"],
  ],
  [
    "mx",
    "example.com",
    "MX",
    [],
    ["10 mail.example.com.", "20 backup.example.com."],
    "MX: mail.example.com (priority 10), backup.example.com (priority 20)",
    [],
    ["mx"],
  ],
  [
    "mx",
    "example.com",
    "MX",
    ["10 mail.example.com."],
    [],
    "MX removed: mail.example.com (priority 10)",
    [],
    ["mx", "delete"],
  ],
  [
    "dkim",
    "mail._domainkey.example.com",
    "TXT",
    [`v=DKIM1; k=rsa; p=${KEY_A}`],
    [`v=DKIM1; k=rsa; p=${KEY_B}`],
    "DKIM selector mail: key replaced (rsa-1024 sha256:b5c9fa272481 -> rsa-2048 sha256:89cf78e2f0ad)",
    [],
    ["dkim-key"],
  ],
  [
    "dkim",
    "mail._domainkey.example.com",
    "TXT",
    [`v=DKIM1; k=rsa; p=${KEY_A}`],
    ["v=DKIM1; k=rsa; p=<generated-at-deploy>"],
    "DKIM selector mail: key present (new key generated at deploy: presence compared, not the key)",
    [],
    [],
  ],
  [
    "dkim",
    "mail._domainkey.example.com",
    "TXT",
    [],
    ["v=DKIM1; k=rsa; p=<generated-at-deploy>"],
    "DKIM selector mail: key published (generated at deploy)",
    [],
    [],
  ],
  [
    "dkim",
    "old._domainkey.example.com",
    "TXT",
    [`v=DKIM1; k=rsa; p=${KEY_A}`],
    [],
    "DKIM selector old: key removed (rsa-1024 sha256:b5c9fa272481)",
    [],
    ["dkim-key", "delete"],
  ],
  [
    "dkim",
    "mail._domainkey.example.com",
    "TXT",
    [`v=DKIM1; k=rsa; p=${KEY_A}`],
    [`v=DKIM1; k=rsa; t=s; p=${KEY_A}`],
    "DKIM selector mail: t= (none) -> s",
    [],
    [],
  ],
  [
    "mta-sts",
    "_mta-sts.example.com",
    "TXT",
    ["v=STSv1; id=20240101"],
    ["v=STSv1; id=20250101"],
    "MTA-STS policy id 20240101 -> 20250101",
    [],
    [],
  ],
  [
    "tls-rpt",
    "_smtp._tls.example.com",
    "TXT",
    [],
    ["v=TLSRPTv1; rua=mailto:tls@example.com"],
    "TLS-RPT published: rua mailto:tls@example.com",
    [],
    [],
  ],
  [
    "host-address",
    "mail.example.com",
    "A",
    ["192.0.2.1"],
    ["192.0.2.10"],
    "A mail.example.com: 192.0.2.1 -> 192.0.2.10",
    [],
    [],
  ],
  [
    "host-address",
    "mail.example.com",
    "AAAA",
    ["2001:db8::10"],
    [],
    "AAAA mail.example.com removed (was 2001:db8::10)",
    [],
    ["delete"],
  ],
  [
    "autoconfig",
    "_submissions._tcp.example.com",
    "SRV",
    [],
    ["0 1 465 mail.example.com."],
    "client autoconfiguration SRV _submissions._tcp.example.com: 0 1 465 mail.example.com",
    [],
    [],
  ],
  [
    "caa",
    "example.com",
    "CAA",
    ['0 issue "letsencrypt.org"'],
    ['0 issue "letsencrypt.org"', '0 iodef "mailto:ca@example.com"'],
    'CAA example.com: adds 0 iodef "mailto:ca@example.com"',
    [],
    [],
  ],
  [
    undefined,
    "example.com",
    "TXT",
    ["google-site-verification=abc"],
    ["google-site-verification=def"],
    'TXT example.com: "google-site-verification=abc" -> "google-site-verification=def"',
    [],
    [],
  ],
];

for (const [purpose, name, type, before, after, summary, details, risks] of CASES) {
  test(`describeChange ${purpose ?? "generic"} ${name}: ${summary}`, () => {
    assert.deepEqual(describeChange(purpose, before, after, { name, type }), {
      summary,
      details,
      risks,
    });
  });
}

test("txtFamily classifies by version tag, case-insensitively", () => {
  assert.deepEqual(
    [
      "v=spf1 mx -all",
      "V=SPF1 -all",
      "v=spf10",
      "v=DMARC1; p=none",
      "v=DKIM1; p=abc",
      "v=STSv1; id=1",
      "v=TLSRPTv1; rua=mailto:x@example.com",
      "google-site-verification=x",
    ].map(txtFamily),
    ["spf", "spf", "other", "dmarc", "dkim", "mta-sts", "tls-rpt", "other"],
  );
});

test("parseTags keeps the first occurrence and folds tag names", () => {
  assert.deepEqual(
    [...parseTags("v=DMARC1; P=reject; p=none;; rua = mailto:a@x.org ")],
    [
      ["v", "DMARC1"],
      ["p", "reject"],
      ["rua", "mailto:a@x.org"],
    ],
  );
});

test("parseSpf separates the all term", () => {
  assert.deepEqual(parseSpf("v=spf1 MX Include:_spf.x.org ~ALL"), {
    terms: ["mx", "include:_spf.x.org"],
    all: "~all",
  });
  assert.deepEqual(parseSpf("v=spf1 mx"), { terms: ["mx"] });
});

test("dkimKeyInfo: size and fingerprint, revoked and unparseable keys", () => {
  assert.deepEqual(dkimKeyInfo(`v=DKIM1; p=${KEY_B}`), {
    fingerprint: "sha256:89cf78e2f0ad",
    algorithm: "rsa-2048",
    placeholder: false,
  });
  assert.deepEqual(dkimKeyInfo("v=DKIM1; p="), {
    fingerprint: "none (revoked)",
    algorithm: "rsa",
    placeholder: false,
  });
  assert.deepEqual(dkimKeyInfo("v=DKIM1; k=ed25519; p=AAAA"), {
    fingerprint: "sha256:709e80c88487",
    algorithm: "ed25519",
    placeholder: false,
  });
});

test("shorten keeps head and tail and counts what it cut", () => {
  assert.equal(shorten("x".repeat(72)), "x".repeat(72));
  assert.equal(
    shorten("a".repeat(100) + "END"),
    `${"a".repeat(48)}...(43 chars)...${"a".repeat(9)}END`,
  );
});
