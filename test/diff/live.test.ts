import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { DnsClient } from "../../src/net/dns";
import { planRecords } from "../../src/plan/records";
import { diffLive } from "../../src/diff/live";
import { renderJson } from "../../src/diff/render/json";
import { renderMarkdown } from "../../src/diff/render/markdown";
import { renderTable } from "../../src/diff/render/table";
import type { Diff } from "../../src/diff/types";
import { bindAvailable, startBind, type BindServer } from "../servers/bind";
import { assertGolden } from "../helpers/golden";
import {
  AFTER_MATERIAL,
  AFTER_SPEC,
  BEFORE_ZONES,
  PREVIOUS_MATERIAL,
  PREVIOUS_SPEC,
} from "./scenario";

const LABEL = "127.0.0.1 (test BIND)";
let bind: BindServer;
before(async () => {
  if (!bindAvailable() && process.env.CI !== "true") {
    throw new Error("named is not installed: run scripts/ensure-system-deps.sh");
  }
  bind = await startBind({ zones: BEFORE_ZONES });
});
after(async () => {
  await bind?.stop();
});

function client(): DnsClient {
  return new DnsClient({ server: bind.hostPort, timeoutMs: 1000, tries: 2 });
}

function rows(diff: Diff): string[] {
  return diff.changes.map((c) => `${c.kind} ${c.name} ${c.type}: ${c.summary}`);
}

test("GIVEN a before zone in BIND WHEN diffed with the after spec THEN every kind of change is in mail terms", async () => {
  const desired = planRecords(AFTER_SPEC, AFTER_MATERIAL).records;
  const diff = await diffLive(desired, client(), { resolverLabel: LABEL });
  assert.deepEqual(rows(diff), [
    "create _smtp._tls.example.com TXT: TLS-RPT published: rua mailto:tls@example.com",
    "create mail.example.com AAAA: AAAA mail.example.com: 2001:db8::10",
    'create mail.example.com TXT: SPF for HELO mail.example.com published: "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all"',
    "update _dmarc.example.com TXT: DMARC policy quarantine -> reject",
    "update example.com MX: MX: mail.old.example -> mail.example.com",
    "update example.com TXT: SPF: adds ip4:192.0.2.10, ip6:2001:db8::10; removes ip4:104.16.0.10",
    "update mail._domainkey.example.com TXT: DKIM selector mail: key replaced (rsa-1024 sha256:b5c9fa272481 -> rsa-2048 sha256:89cf78e2f0ad)",
    "update mail.example.com A: A mail.example.com: 104.16.0.10 -> 192.0.2.10",
    "conflict example.com MX: MX points to another host: mail.old.example receives mail for example.com until this change is applied",
    "conflict mail.example.com A: mail host mail.example.com resolves to Cloudflare proxy addresses (104.16.0.10): SMTP and IMAP cannot pass the proxy; turn proxying off",
    'unmanaged _mta-sts.example.com TXT: TXT _mta-sts.example.com: "v=STSv1; id=20240101" (not in plan, left alone)',
    'unmanaged example.com TXT: TXT example.com: "google-site-verification=abc123" (not managed, left alone)',
    'unchanged example.com CAA: CAA example.com: 0 issue "letsencrypt.org"',
    "create _dmarc.example.net TXT: DMARC published: policy quarantine",
    "update example.net TXT: SPF: 2 records -> 1",
    "conflict example.net TXT: 2 SPF records at example.net: receivers treat this as a permerror and SPF fails (RFC 7208 §3.2)",
    "unmanaged _imaps._tcp.example.net SRV: SRV _imaps._tcp.example.net: 0 1 993 mail.example.com (not in plan, left alone)",
    "unchanged example.net MX: MX: mail.example.com (priority 10)",
    "unchanged s2025._domainkey.example.net TXT: DKIM selector s2025: key present (new key generated at deploy: presence compared, not the key)",
  ]);
  assert.deepEqual(diff.counts, {
    create: 4,
    update: 6,
    delete: 0,
    conflict: 3,
    unmanaged: 3,
    unchanged: 3,
  });
  assert.deepEqual(diff.riskCounts, { mx: 1, spf: 3, "dmarc-policy": 2, "dkim-key": 1, delete: 0 });
  assertGolden("diff/live.md", renderMarkdown(diff));
  assertGolden("diff/live.json", renderJson(diff));
  assertGolden("diff/live.txt", renderTable(diff, { all: true }));
});

test("GIVEN --previous WHEN a managed record is no longer planned THEN it is a deletion, not unmanaged", async () => {
  const desired = planRecords(AFTER_SPEC, AFTER_MATERIAL).records;
  const previous = planRecords(PREVIOUS_SPEC, PREVIOUS_MATERIAL).records;
  const diff = await diffLive(desired, client(), { resolverLabel: LABEL, previous });
  assert.deepEqual(
    rows(diff).filter((r) => r.startsWith("delete") || r.startsWith("unmanaged")),
    [
      "delete _mta-sts.example.com TXT: MTA-STS removed (was policy id 20240101)",
      "delete old._domainkey.example.com TXT: DKIM selector old: key removed (rsa-1024 sha256:b5c9fa272481)",
      'unmanaged example.com TXT: TXT example.com: "google-site-verification=abc123" (not managed, left alone)',
      "unmanaged _imaps._tcp.example.net SRV: SRV _imaps._tcp.example.net: 0 1 993 mail.example.com (not in plan, left alone)",
    ],
  );
  assert.equal(diff.counts.delete, 2);
  assert.deepEqual(diff.riskCounts, { mx: 1, spf: 3, "dmarc-policy": 2, "dkim-key": 2, delete: 2 });
  assertGolden("diff/live-previous.md", renderMarkdown(diff, { id: "prod" }));
});

test("GIVEN records already as planned WHEN diffed THEN nothing is written", async () => {
  const desired = planRecords(AFTER_SPEC, AFTER_MATERIAL).records.filter(
    (r) => r.zone === "example.net" && r.type === "MX",
  );
  const diff = await diffLive(desired, client(), { resolverLabel: LABEL });
  // The MX is as planned; the two SPF records at the apex are not ours here (no SPF planned), so
  // they are left alone but still flagged.
  assert.deepEqual(rows(diff), [
    "conflict example.net TXT: 2 SPF records at example.net: receivers treat this as a permerror and SPF fails (RFC 7208 §3.2)",
    "unmanaged _imaps._tcp.example.net SRV: SRV _imaps._tcp.example.net: 0 1 993 mail.example.com (not in plan, left alone)",
    'unmanaged example.net TXT: TXT example.net: "v=spf1 include:_spf.google.com ~all", "v=spf1 mx -all" (not in plan, left alone)',
    "unchanged example.net MX: MX: mail.example.com (priority 10)",
  ]);
});

test("GIVEN a zone the server does not serve WHEN diffed THEN lookups fail as conflicts, never as creates", async () => {
  const desired = planRecords(AFTER_SPEC, AFTER_MATERIAL).records.map((r) => ({
    ...r,
    zone: r.zone.replace(/\.net$/, ".org"),
    name: r.name.replace(/example\.net$/, "example.org"),
    domain: r.domain.replace(/example\.net$/, "example.org"),
  }));
  const diff = await diffLive(
    desired.filter((r) => r.zone === "example.org"),
    client(),
    { resolverLabel: LABEL },
  );
  assert.equal(diff.counts.create + diff.counts.update + diff.counts.unchanged, 0);
  assert.ok(diff.counts.conflict > 0);
  assert.equal(diff.changes.length, 15);
  assert.ok(diff.changes.every((c) => c.kind === "conflict" && c.conflict === "lookup-failed"));
  assert.equal(
    diff.changes.find((c) => c.name === "example.org" && c.type === "MX")?.summary,
    `not compared: no answer about example.org from ${LABEL}: 15 lookups, 15 refused`,
  );
  // One root cause for the 15 record sets (2 are the CNAME questions at planned names), not 15
  // look-alike failures.
  assert.deepEqual(diff.rootCauses, [
    `no answer about example.org from ${LABEL}: 15 lookups, 15 refused`,
  ]);
  assert.ok(diff.notes.includes(`Root cause: ${diff.rootCauses![0]}.`));
});
