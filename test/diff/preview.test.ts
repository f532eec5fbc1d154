import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  diffFromPreview,
  diffFromPreviewStream,
  NO_SAMES_NOTE,
  parseUrn,
  PreviewError,
} from "../../src/diff/preview";
import { PreviewDocumentReader } from "../../src/diff/preview-document";
import { renderJson } from "../../src/diff/render/json";
import { renderMarkdown } from "../../src/diff/render/markdown";
import type { Diff } from "../../src/diff/types";
import { assertGolden } from "../helpers/golden";

const DIR = join(__dirname, "..", "fixtures", "preview");
const ZONES = new Map([
  ["023e105f4ecef8ad9ca31a8372d0c353", "example.com"],
  ["Z0123456789ABCDEFGHIJ", "example.org"],
]);

function load(file: string, zones = ZONES): Diff {
  return diffFromPreview(readFileSync(join(DIR, file), "utf8"), { file, zones });
}

function rows(diff: Diff): string[] {
  return diff.changes.map((c) => `${c.kind} ${c.zone} ${c.name} ${c.type}: ${c.summary}`);
}

test("GIVEN a Cloudflare preview WHEN diffed THEN record steps are changes in mail terms with conflicts", () => {
  const diff = load("cloudflare.json");
  assert.deepEqual(rows(diff), [
    'create example.com example.com TXT: TXT example.com: "google-site-verification=abc123"',
    "create example.com mail.example.com A: A mail.example.com: 192.0.2.10",
    "create example.com mail2025._domainkey.example.com TXT: DKIM selector mail2025: key published (generated at deploy)",
    "update example.com _dmarc.example.com TXT: DMARC policy quarantine -> reject",
    "update example.com example.com MX: MX: mail.old.example -> mail.example.com",
    "update example.com example.com TXT: SPF: 1 records -> 2",
    "update example.com www.example.com A: A www.example.com: 192.0.2.80 -> 192.0.2.81",
    "delete example.com mail._domainkey.example.com TXT: DKIM selector mail: key removed (rsa-1024 sha256:b5c9fa272481)",
    "conflict example.com example.com TXT: 2 SPF records at example.com after this change: receivers treat this as a permerror and SPF fails (RFC 7208 §3.2)",
    "conflict example.com mail.example.com A: mail host mail.example.com is proxied by Cloudflare (proxied: true): SMTP and IMAP cannot pass the proxy; set proxied to false",
  ]);
  const dmarc = diff.changes.find((c) => c.name === "_dmarc.example.com")!;
  assert.deepEqual(dmarc.urns, [
    "urn:pulumi:prod::mail::dms:index:MailServer$cloudflare:index/dnsRecord:DnsRecord::mail-dmarc-example-com",
  ]);
  assert.equal(dmarc.ownedByDms, true);
  assert.equal(diff.changes.find((c) => c.name === "www.example.com")!.ownedByDms, false);
  assert.deepEqual(diff.riskCounts, { mx: 1, spf: 1, "dmarc-policy": 1, "dkim-key": 1, delete: 1 });
  assertGolden("diff/preview-cloudflare.md", renderMarkdown(diff));
  assertGolden("diff/preview-cloudflare.json", renderJson(diff));
});

test("GIVEN a Route53 preview with replacement steps WHEN diffed THEN chunks are joined and a rename is delete + create", () => {
  const diff = load("route53.json");
  assert.deepEqual(rows(diff), [
    "create example.org _smtp._tls.example.org TXT: TLS-RPT published: rua mailto:tls@example.org",
    "create example.org mail.example.org A: A mail.example.org: 192.0.2.20",
    "update example.org _dmarc.example.org TXT: DMARC: policy none: TTL 3600 -> 300",
    "update example.org example.org TXT: SPF: adds ip4:192.0.2.20",
    "update example.org s1._domainkey.example.org TXT: DKIM selector s1: key replaced (rsa-1024 sha256:b5c9fa272481 -> rsa-2048 sha256:89cf78e2f0ad)",
    "delete example.org _mta-sts.example.org TXT: MTA-STS removed (was policy id 20240101)",
    "delete example.org smtp.example.org A: A smtp.example.org removed (was 192.0.2.20)",
    "unchanged example.org example.org MX: MX: mail.example.org (priority 10)",
  ]);
  const dkim = diff.changes.find((c) => c.name === "s1._domainkey.example.org")!;
  assert.ok(dkim.after[0]!.length > 255, "the joined value is longer than one TXT string");
  assert.ok(!dkim.after[0]!.includes('"'));
  assertGolden("diff/preview-route53.md", renderMarkdown(diff, { id: "staging" }));
});

test("GIVEN no zone map WHEN diffed THEN names group under the zone id and the report says so", () => {
  const diff = load("route53.json", new Map());
  assert.deepEqual(diff.zones, ["Z0123456789ABCDEFGHIJ"]);
  assert.deepEqual(diff.notes, [
    "Zone id Z0123456789ABCDEFGHIJ is not mapped to a zone name: pass --spec or --zone Z0123456789ABCDEFGHIJ=APEX to resolve relative names.",
  ]);
});

test("GIVEN previews without DNS steps WHEN diffed THEN there is no change", () => {
  for (const file of ["no-dns-change.json", "empty-stack.json"]) {
    const diff = load(file);
    assert.deepEqual(diff.changes, [], file);
    assert.deepEqual(diff.counts, {
      create: 0,
      update: 0,
      delete: 0,
      conflict: 0,
      unmanaged: 0,
      unchanged: 0,
    });
  }
});

test("bad preview documents fail with the file name and the problem", () => {
  const cases: [string, string][] = [
    ["not json", 'p.json: not JSON (unexpected "o" at line 1, column 2)'],
    [
      '{\n    "steps": [\n        {"op" "same"}',
      'p.json: not JSON (unexpected string "same" at line 3, column 15)',
    ],
    [
      '{"steps": [{"op": "same", "urn": "u"}',
      "p.json: not JSON (the document ends early, at byte 37)",
    ],
    ['{"steps": [], "config": {"a": "b', "p.json: not JSON (the document ends early, at byte 32)"],
    ["", "p.json: not JSON (the document ends early, at byte 0)"],
    ['{"steps": []} {}', 'p.json: not JSON (unexpected "{" at line 1, column 15)'],
    ['{"steps": []}\n\u00e9', "p.json: not JSON (unexpected byte 0xc3 at line 2, column 1)"],
    ["null", "p.json: expected the JSON object printed by `pulumi preview --json`, got object"],
    ['"x"', "p.json: expected the JSON object printed by `pulumi preview --json`, got string"],
    ["[]", "p.json: expected the JSON object printed by `pulumi preview --json`, got an array"],
    [
      '{"foo": 1}',
      'p.json: not a `pulumi preview --json` document (no "steps", "changeSummary", "config" or "diagnostics")',
    ],
    ['{"steps": {}}', 'p.json: "steps" must be an array, got object'],
    [
      '{"steps": {"a": {"op": "same", "urn": "u"}}}',
      'p.json: "steps" must be an array, got object',
    ],
    ['{"steps": "x"}', 'p.json: "steps" must be an array, got string'],
    [
      '{"steps": [{"op": 1}, 2]}',
      "p.json: steps[0].op: expected a string, got 1; steps[0].urn: expected a string, got null; steps[1]: expected an object",
    ],
    [
      '{"sequence":0,"timestamp":1,"cancelEvent":{}}\n{"sequence":1}',
      "p.json: this is a stream of engine events (PULUMI_ENABLE_STREAMING_JSON_PREVIEW), not the preview document: run `pulumi preview --json` without that variable",
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => diffFromPreview(text, { file: "p.json" }),
      (e: unknown) => {
        assert.ok(e instanceof PreviewError);
        assert.equal(e.message, message);
        return true;
      },
    );
  }
});

test("parseUrn splits the parent type chain", () => {
  assert.deepEqual(
    parseUrn(
      "urn:pulumi:prod::mail::dms:index:MailServer$cloudflare:index/dnsRecord:DnsRecord::mx::0",
    ),
    {
      type: "cloudflare:index/dnsRecord:DnsRecord",
      chain: ["dms:index:MailServer", "cloudflare:index/dnsRecord:DnsRecord"],
      name: "mx::0",
    },
  );
});

test("GIVEN a preview without --show-sames WHEN diffed THEN a note says unchanged records are missing, and one with sames has none", () => {
  const withSames = load("cloudflare.json");
  assert.ok(!withSames.notes.includes(NO_SAMES_NOTE), "the --show-sames document gets no note");
  const without = load("cloudflare-no-sames.json");
  assert.ok(without.notes.includes(NO_SAMES_NOTE), without.notes.join("\n"));
  // Why it matters: our SPF is unchanged, so without its same step the second SPF is not seen.
  const spfConflicts = (d: Diff) =>
    d.changes.filter((c) => c.kind === "conflict" && c.type === "TXT" && c.name === "example.com");
  assert.equal(spfConflicts(withSames).length, 1);
  assert.equal(spfConflicts(without).length, 0);
  // A new stack (its root a create step) cannot have unchanged resources: no note.
  const fresh = readFileSync(join(DIR, "cloudflare-no-sames.json"), "utf8").replace(
    /"op": "same",(\s+"urn": "urn:pulumi:prod::mail::pulumi:pulumi:Stack)/,
    '"op": "create",$1',
  );
  assert.notEqual(fresh, readFileSync(join(DIR, "cloudflare-no-sames.json"), "utf8"));
  const freshDiff = diffFromPreview(fresh, { file: "fresh.json", zones: ZONES });
  assert.ok(!freshDiff.notes.includes(NO_SAMES_NOTE));
});

/** The bytes of `text` in pieces of `size` bytes, as a file stream hands them over. */
async function* pieces(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text, "utf8");
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

test("GIVEN a preview read in pieces of any size WHEN diffed THEN the diff is the one of the whole text", async () => {
  for (const file of [
    "cloudflare.json",
    "route53.json",
    "cloudflare-no-sames.json",
    "no-dns-change.json",
    "empty-stack.json",
  ]) {
    // A multi-byte character in a value, so some pieces end inside one.
    const text = readFileSync(join(DIR, file), "utf8").replace(
      /"google-site-verification=abc123/g,
      '"google-site-verification=abc123 \u00e9\u{1f4e7}',
    );
    const whole = renderJson(diffFromPreview(text, { file, zones: ZONES }));
    for (const size of [1, 7, 4096]) {
      const streamed = await diffFromPreviewStream(pieces(text, size), { file, zones: ZONES });
      assert.equal(renderJson(streamed), whole, `${file} in pieces of ${size} bytes`);
    }
  }
  const cf = renderJson(load("cloudflare.json"));
  assert.ok(!cf.includes("\u00e9"), "the golden fixture itself is unchanged");
});

test("GIVEN a streamed preview with a JSON error WHEN diffed THEN it rejects with the line and column", async () => {
  const text =
    '{\n    "steps": [\n        {"op": "same", "urn": "u"},\n        {"op": "same" "urn": "v"}\n    ]\n}\n';
  await assert.rejects(diffFromPreviewStream(pieces(text, 5), { file: "p.json" }), {
    name: "Error",
    message: 'p.json: not JSON (unexpected string "urn" at line 4, column 23)',
  });
  await assert.rejects(
    diffFromPreviewStream(pieces(text.slice(0, 60), 5), { file: "p.json" }),
    (e: unknown) => e instanceof PreviewError && /ends early, at byte 60\)$/.test(e.message),
  );
});

test("GIVEN a preview whose every step is malformed WHEN diffed THEN the first 20 problems are listed and the rest counted", () => {
  const text = JSON.stringify({ steps: Array.from({ length: 25 }, () => 1) });
  assert.throws(
    () => diffFromPreview(text, { file: "p.json" }),
    (e: unknown) =>
      e instanceof PreviewError &&
      e.message.startsWith("p.json: steps[0]: expected an object; steps[1]:") &&
      e.message.endsWith("steps[19]: expected an object; and 5 more"),
  );
});

test("only the top-level steps are read: a steps key elsewhere is data, and a reader's own failure is not a JSON error", () => {
  const nested = diffFromPreview('{"config": {"steps": [1, 2]}, "diagnostics": []}', {
    file: "p.json",
  });
  assert.deepEqual(nested.changes, []);
  const failure = new TypeError("a bug in a step reader");
  const reader = new PreviewDocumentReader("p.json", () => {
    throw failure;
  });
  assert.throws(() => reader.write('{"steps": [{"op": "same", "urn": "u"}]}'), failure);
});
