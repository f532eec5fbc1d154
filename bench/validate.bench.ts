/**
 * Validation at scale: a spec with 1,000 domains, 10,000 accounts and 5,000 aliases, through
 * `validateSpec` (schema and every rule), plus YAML parsing of the same spec. Prints one JSON
 * object on its last line (bench/run.ts).
 */
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { validateSpec } from "../src/spec/validate";
import { parseSpecText } from "../src/spec/load";
import { pick } from "./mode";

const DOMAINS = pick(1000, 100);
const ACCOUNTS = pick(10_000, 1000);
const ALIASES = pick(5000, 500);
const RUNS = pick(7, 2);
const HASH = `{SHA512-CRYPT}$6$abcdefghijklmnop$${"A".repeat(43)}${"b".repeat(43)}`;

function bigSpec(): Record<string, unknown> {
  const domains = Array.from({ length: DOMAINS }, (_, i) => ({
    name: `d${i}.example.com`,
    dmarc: { policy: "quarantine", rua: [`mailto:dmarc@d${i}.example.com`] },
    spf: {
      mechanisms: ["ip4:192.0.2.0/24", `include:d${(i + 1) % DOMAINS}.example.com`].slice(
        0,
        i % 2 === 0 ? 1 : 2,
      ),
    },
  }));
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({
    address: `user${i}@d${i % DOMAINS}.example.com`,
    passwordHash: HASH,
    quota: "1G",
    aliases: i < DOMAINS ? [`dmarc@d${i}.example.com`] : [],
  }));
  const aliases = Array.from({ length: ALIASES }, (_, i) => ({
    address: `alias${i}@d${i % DOMAINS}.example.com`,
    targets: [
      `user${i}@d${i % DOMAINS}.example.com`,
      `alias${i + 1}@d${(i + 1) % DOMAINS}.example.com`,
    ].slice(0, i + 1 < ALIASES ? 2 : 1),
  }));
  return {
    hostname: "mail.example.com",
    ipv4: "192.0.2.10",
    domains: [{ name: "example.com" }, ...domains],
    accounts,
    aliases,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const spec = bigSpec();
const times: number[] = [];
let findings = -1;
let ok = false;
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const result = validateSpec(spec);
  times.push(performance.now() - t0);
  findings = result.findings.length;
  ok = result.ok;
}
const text = stringify(spec);
const parseTimes: number[] = [];
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  parseSpecText(text, "big.yaml");
  parseTimes.push(performance.now() - t0);
}
// One schema error per account: the salvage path (re-parse without the bad fields) at scale.
const broken = {
  ...spec,
  accounts: (spec.accounts as Record<string, unknown>[]).map((a) => ({ ...a, quota: "1 GB" })),
};
const t0 = performance.now();
const brokenResult = validateSpec(broken);
const brokenMs = performance.now() - t0;

const round = (n: number): number => Math.round(n * 10) / 10;
process.stderr.write(
  `validate: median ${round(median(times))} ms over ${RUNS} runs (first ${round(times[0]!)} ms)\n`,
);
console.log(
  JSON.stringify({
    domains: DOMAINS + 1,
    accounts: ACCOUNTS,
    aliases: ALIASES,
    ok,
    findings,
    validateMedianMs: round(median(times)),
    validateFirstRunMs: round(times[0]!),
    validateMaxMs: round(Math.max(...times)),
    yamlBytes: text.length,
    parseYamlMedianMs: round(median(parseTimes)),
    brokenSpecFindings: brokenResult.findings.length,
    brokenSpecValidateMs: round(brokenMs),
  }),
);
