/**
 * `dmsctl diff` against live DNS for 1,000 mail domains, timed against `dig -f` asking the very
 * same name/type list from the same local BIND in the same run.
 *
 * `dig -f` asks one query at a time; the diff's DnsClient keeps a bounded number in flight. The
 * target is at most 0.5x dig's time (medians of interleaved repetitions) with no timeouts: the client runs with one try per query, so
 * a dropped query would show up as a timeout rather than be hidden by a retry.
 *
 * Prints one JSON object on its last line (see bench/run.ts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DnsClient } from "../src/net/dns";
import { planRecords } from "../src/plan/records";
import { MailServerSpecSchema } from "../src/spec/schema";
import { liveQuestions } from "../src/diff/compute";
import { diffLive } from "../src/diff/live";
import { startBind } from "../test/servers/bind";
import { pick } from "./mode";

const DOMAINS = Number(process.env.DIFF_BENCH_DOMAINS ?? pick(1000, 100));
const CONCURRENCY = Number(process.env.DIFF_BENCH_CONCURRENCY ?? 32);
const REPS = Number(process.env.DIFF_BENCH_REPS ?? pick(5, 2));
const ZONE = "bench.test";

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function name(i: number): string {
  return `d${String(i).padStart(4, "0")}.${ZONE}`;
}

async function main(): Promise<void> {
  const spec = MailServerSpecSchema.parse({
    hostname: `mail.${ZONE}`,
    ipv4: "192.0.2.25",
    domains: Array.from({ length: DOMAINS }, (_, i) => ({
      name: name(i),
      dns: { provider: "zonefile", zone: ZONE },
      dmarc: { policy: "reject", rua: [`mailto:dmarc@${name(i)}`] },
    })),
  });
  const desired = planRecords(spec, { passwordHashes: new Map(), dkimKeys: new Map() }).records;
  // The live zone: what the plan wants, except every 10th domain still has an old DMARC policy
  // and every 7th lacks its DKIM record, so the diff has real work to do.
  const lines: string[] = [];
  desired.forEach((r, i) => {
    if (r.purpose === "dkim" && i % 7 === 0) return;
    for (const v of r.values) {
      let value = v.replace("<generated-at-deploy>", "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC");
      if (r.purpose === "dmarc" && i % 10 === 0) value = value.replace("p=reject", "p=quarantine");
      lines.push(`${r.name}. IN ${r.type} ${r.type === "TXT" ? `"${value}"` : value}`);
    }
  });
  const zoneText = `$ORIGIN ${ZONE}.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 127.0.0.1\n${lines.join("\n")}\n`;
  const bind = await startBind({ zones: { [ZONE]: zoneText } });
  const dir = mkdtempSync(join(tmpdir(), "dms-diff-bench-"));
  try {
    const questions = liveQuestions(desired);
    const digFile = join(dir, "queries.txt");
    writeFileSync(digFile, questions.map((q) => `${q.name} ${q.type}`).join("\n") + "\n");

    // Warm both paths once (BIND's caches, Node's JIT) before timing.
    const client = () =>
      new DnsClient({ server: bind.hostPort, timeoutMs: 2000, tries: 1, concurrency: CONCURRENCY });
    await diffLive(desired, client(), { resolverLabel: bind.hostPort });
    const dig = () =>
      spawnSync(
        "dig",
        ["-p", String(bind.port), "@127.0.0.1", "+tries=1", "+time=2", "-f", digFile],
        {
          encoding: "utf8",
          maxBuffer: 512 * 1024 * 1024,
        },
      );
    dig();

    // Interleaved repetitions, medians reported: other work on the machine hits both sides alike.
    const diffSamples: number[] = [];
    const digSamples: number[] = [];
    let diff = await diffLive(desired, client(), { resolverLabel: bind.hostPort });
    let out = dig();
    let timeouts = 0;
    for (let rep = 0; rep < REPS; rep++) {
      const t0 = process.hrtime.bigint();
      diff = await diffLive(desired, client(), { resolverLabel: bind.hostPort });
      diffSamples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      timeouts += diff.changes.filter((c) => c.conflict === "lookup-failed").length;
      const t1 = process.hrtime.bigint();
      out = dig();
      digSamples.push(Number(process.hrtime.bigint() - t1) / 1e6);
    }
    const diffMs = median(diffSamples);
    const digMs = median(digSamples);
    const digStatuses = [...out.stdout.matchAll(/status: ([A-Z]+)/g)].map((m) => m[1]);
    const digTimeouts = (out.stdout.match(/connection timed out|communications error/g) ?? [])
      .length;
    const result = {
      domains: DOMAINS,
      queries: questions.length,
      concurrency: CONCURRENCY,
      diffMs: Math.round(diffMs),
      digMs: Math.round(digMs),
      ratio: Number((diffMs / digMs).toFixed(3)),
      target: "ratio <= 0.5",
      diffQueriesPerSecond: Math.round(questions.length / (diffMs / 1000)),
      digQueriesPerSecond: Math.round(questions.length / (digMs / 1000)),
      repetitions: REPS,
      diffSamplesMs: diffSamples.map(Math.round),
      digSamplesMs: digSamples.map(Math.round),
      diffTimeouts: timeouts,
      diffRetries: 0,
      diffRetriesNote: "tries=1: a lost query would be a timeout, never a hidden retry",
      digAnswers: digStatuses.length,
      digTimeouts,
      changes: diff.counts,
    };
    process.stderr.write(
      `diff ${result.diffMs} ms vs dig -f ${result.digMs} ms (${result.queries} queries)\n`,
    );
    process.stdout.write(JSON.stringify(result) + "\n");
  } finally {
    await bind.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
