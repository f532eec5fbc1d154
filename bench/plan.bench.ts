/**
 * Plan throughput: `validateSpec` + `planMailServer` for 1,000 domains and 10,000 accounts with
 * ready password hashes (hashing is `dms/password`'s benchmark, not this one). Median of several
 * runs after a warm-up. Prints one JSON object on its last line.
 */
import { performance } from "node:perf_hooks";
import { validateSpec } from "../src/spec/validate";
import { planMailServer } from "../src/plan/plan";
import type { PlanMaterial } from "../src/spec/material";
import type { MailServerSpecInput } from "../src/spec/schema";
import { pick } from "./mode";

const DOMAINS = pick(1000, 100);
const ACCOUNTS = pick(10_000, 1000);
const RUNS = pick(7, 2);
const TARGET_MS = 1000;
const HASH =
  "{SHA512-CRYPT}$6$jnPjbzp9SpWcyf1L$yOCvAaHtnfqIO.uiloI56InEmHQF8FFevY5dQvMICGDxdyK0zerQUeAuxhW/CfAHwHJY6vMmMKm5sh7mHHLEH/";

function buildSpec(): MailServerSpecInput {
  const domains = Array.from({ length: DOMAINS }, (_, i) => ({
    name: `d${i}.example.com`,
    dmarc: { policy: "quarantine" as const, rua: ["mailto:dmarc@d0.example.com"] },
    ...(i % 10 === 0 ? { mtaSts: { mode: "testing" as const }, autoconfig: true } : {}),
  }));
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({
    address: `user${i}@d${i % DOMAINS}.example.com`,
    passwordHash: HASH,
  }));
  return {
    hostname: "mail.d0.example.com",
    ipv4: "192.0.2.10",
    ipv6: "2001:db8::10",
    domains,
    accounts,
    aliases: Array.from({ length: 1000 }, (_, i) => ({
      address: `alias${i}@d${i % DOMAINS}.example.com`,
      targets: [`user${i}@d${i % DOMAINS}.example.com`],
    })),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const input = buildSpec();
const validateTimes: number[] = [];
const planTimes: number[] = [];
let records = 0;
let files = 0;
for (let run = 0; run <= RUNS; run++) {
  const t0 = performance.now();
  const result = validateSpec(input);
  const t1 = performance.now();
  if (!result.ok) {
    throw new Error(
      `bench spec invalid: ${result.findings
        .slice(0, 3)
        .map((f) => f.message)
        .join("; ")}`,
    );
  }
  const material: PlanMaterial = {
    passwordHashes: new Map(result.spec.accounts.map((a) => [a.address, a.passwordHash!])),
    dkimKeys: new Map(),
  };
  const t2 = performance.now();
  const plan = planMailServer(result.spec, material);
  const t3 = performance.now();
  records = plan.records.length;
  files = plan.files.length;
  if (run === 0) continue; // warm-up
  validateTimes.push(t1 - t0);
  planTimes.push(t3 - t2);
}
const validateMs = Math.round(median(validateTimes) * 10) / 10;
const planMs = Math.round(median(planTimes) * 10) / 10;
process.stdout.write(
  `${JSON.stringify({
    domains: DOMAINS,
    accounts: ACCOUNTS,
    records,
    files,
    runs: RUNS,
    validateMs,
    planMs,
    totalMs: Math.round((validateMs + planMs) * 10) / 10,
    targetMs: TARGET_MS,
  })}\n`,
);
