import { test } from "node:test";
import assert from "node:assert/strict";
import { assembleDiff, compareSlot } from "../../src/diff/compute";
import {
  GITHUB_COMMENT_LIMIT,
  escapeMd,
  markerFor,
  renderMarkdown,
} from "../../src/diff/render/markdown";
import type { Change } from "../../src/diff/types";
import { KEY_A, KEY_B } from "./keys";
import { assertGolden } from "../helpers/golden";

/** Many zones, each with a DKIM rotation, a DMARC change, an SPF change and unchanged records. */
function bigDiff(zones: number) {
  const changes: Change[] = [];
  for (let i = 0; i < zones; i++) {
    const zone = `domain${String(i).padStart(4, "0")}.example`;
    changes.push(
      compareSlot({
        zone,
        name: `mail._domainkey.${zone}`,
        type: "TXT",
        purpose: "dkim",
        before: [`v=DKIM1; k=rsa; p=${KEY_A}`],
        after: [`v=DKIM1; k=rsa; p=${KEY_B}`],
      }),
      compareSlot({
        zone,
        name: `_dmarc.${zone}`,
        type: "TXT",
        purpose: "dmarc",
        before: ["v=DMARC1; p=none"],
        after: ["v=DMARC1; p=reject; rua=mailto:dmarc@example.com"],
      }),
      compareSlot({
        zone,
        name: zone,
        type: "TXT",
        purpose: "spf",
        before: ["v=spf1 mx ~all"],
        after: ["v=spf1 mx ip4:192.0.2.10 -all"],
      }),
      compareSlot({
        zone,
        name: zone,
        type: "MX",
        purpose: "mx",
        before: ["10 mail.example.com."],
        after: ["10 mail.example.com."],
      }),
    );
  }
  return assembleDiff({ kind: "live", resolver: "127.0.0.1:53" }, changes);
}

test("GIVEN details far over 65,536 characters WHEN rendered THEN the comment fits and the summary is complete", () => {
  const diff = bigDiff(1500);
  const full = renderMarkdown(diff, { maxLength: 10_000_000 });
  assert.ok(full.length > 4 * GITHUB_COMMENT_LIMIT, `untrimmed is ${full.length} chars`);
  const md = renderMarkdown(diff);
  assert.ok(md.length <= GITHUB_COMMENT_LIMIT, `rendered ${md.length} chars`);
  assert.ok(md.startsWith("<!-- dmsctl-diff -->\n"));
  // The summary (everything before the first section) is the same as untrimmed.
  const summary = (s: string) => s.slice(0, s.indexOf("<details>"));
  assert.equal(summary(md), summary(full));
  assert.match(
    summary(md),
    /\*\*4500 to update;\*\* 1500 unchanged, 0 unmanaged \(left alone\), in 1500 zones\./,
  );
  assert.match(
    summary(md),
    /\| \*\*Total\*\* \(1500 zones; per zone below\) \| 0 \| 4500 \| 0 \| 0 \| 0 \| 1500 \|/,
  );
  assert.match(summary(md), /SPF: 1500 · DMARC policy: 1500 · DKIM key: 1500/);
  assert.match(summary(md), /- \.\.\. and 4450 more risky changes/);
  // Trimming says exactly how much it left out, and shown + left out = all rows.
  const m = /\*\*Details trimmed:\*\* (\d+) rows in (\d+) zones left out/.exec(md);
  assert.ok(m, "trim note present");
  const shownRows = md
    .split("\n")
    .filter((l) => /^\| [~+=-] /.test(l) || /^\| unchanged /.test(l)).length;
  assert.equal(shownRows + Number(m[1]), 6000);
  const shownZones = (md.match(/<details>/g) ?? []).length;
  const partial = md.includes("more rows left out to fit the comment limit") ? 1 : 0;
  assert.equal(shownZones - partial + Number(m[2]), 1500);
});

test("GIVEN a small limit WHEN rendered THEN sections are cut at a row boundary and closed", () => {
  const diff = bigDiff(3);
  const md = renderMarkdown(diff, { maxLength: 2600 });
  assert.ok(md.length <= 2600, `rendered ${md.length}`);
  assertGolden("diff/trimmed.md", md);
  assert.equal((md.match(/<details>/g) ?? []).length, (md.match(/<\/details>/g) ?? []).length);
});

test("GIVEN a diff that fits WHEN rendered THEN nothing is trimmed", () => {
  const md = renderMarkdown(bigDiff(2));
  assert.ok(!md.includes("Details trimmed"));
  assertGolden("diff/two-zones.md", md);
});

test("GIVEN no changes WHEN rendered THEN the headline says so", () => {
  const diff = assembleDiff({ kind: "preview", file: "preview.json" }, [
    compareSlot({
      zone: "example.com",
      name: "example.com",
      type: "MX",
      purpose: "mx",
      before: ["10 mail.example.com."],
      after: ["10 mail.example.com."],
    }),
  ]);
  const md = renderMarkdown(diff, { id: "stack-prod" });
  assert.ok(
    md.startsWith(
      "<!-- dmsctl-diff:stack-prod -->\n### Mail DNS changes\n\n**No mail DNS changes.** 1 unchanged",
    ),
  );
  assert.match(md, /None: no MX, SPF, DMARC policy or DKIM key change, no deletion\./);
});

test("markerFor rejects ids that could break out of the HTML comment", () => {
  assert.equal(markerFor(), "<!-- dmsctl-diff -->");
  assert.equal(markerFor("prod.eu-1"), "<!-- dmsctl-diff:prod.eu-1 -->");
  assert.throws(() => markerFor("a -->"), {
    message: 'comment id must be 1 to 64 letters, digits, ".", "_" or "-", got "a -->"',
  });
});

test("escapeMd neutralises HTML, pipes and emphasis", () => {
  assert.equal(
    escapeMd("a|b <script> _x_ *y* `z` & [l]"),
    "a\\|b &lt;script> \\_x\\_ \\*y\\* \\`z\\` &amp; \\[l\\]",
  );
});
