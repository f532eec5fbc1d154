/**
 * Property test: delegation targets (`dmarc.cname`, `dkim.cname`) built from the characters a zone
 * file or a provider API takes differently (`;`, `"`, `\`, `$`, `@`, `*`, spaces, upper case,
 * empty and overlong labels, a missing or doubled trailing dot), fed through validation and the
 * plan. Each spec is either refused by a registered rule naming the field path and the value, or
 * gives zone files that BIND's `named-checkzone` loads with the CNAME rdata exactly the planned
 * target, and Cloudflare and Route53 values that read back to the same target.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { planMailServer } from "../../src/plan/plan";
import { renderZoneFiles } from "../../src/plan/render";
import { cloudflareValue, readCloudflareValues } from "../../src/providers/dns/cloudflare/values";
import { readRoute53Values, route53Value } from "../../src/providers/dns/route53/values";
import { requireTool } from "../dms/tools";
import { Outcomes, SEED } from "./helpers";

const char = fc.constantFrom(
  "a",
  "b",
  "Z",
  "0",
  "-",
  "_",
  ".",
  ".",
  ";",
  '"',
  "\\",
  "$",
  "@",
  "*",
  " ",
  "(",
);
const label = fc.oneof(
  {
    weight: 24,
    arbitrary: fc.constantFrom("provider", "_dmarc", "dkim", "s1", "x-y", "Net", "_k"),
  },
  { weight: 1, arbitrary: fc.array(char, { minLength: 0, maxLength: 4 }).map((c) => c.join("")) },
  { weight: 1, arbitrary: fc.integer({ min: 61, max: 65 }).map((n) => "a".repeat(n)) },
);
const target = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 5 }), fc.constantFrom("", "", ".", ".", ".."))
  .map(([labels, end]) => `${labels.join(".")}${end}`);

test("delegation targets load in named-checkzone as planned, or the spec is refused", (t) => {
  if (!requireTool(t, "named-checkzone", ["-v"])) return;
  const dir = mkdtempSync(join(tmpdir(), "cname-readers-"));
  const outcomes = new Outcomes();
  try {
    fc.assert(
      fc.property(target, target, (dmarc, dkim) => {
        const input = {
          hostname: "mail.example.com",
          ipv4: "192.0.2.10",
          domains: [
            { name: "example.com", dmarc: { cname: dmarc }, dkim: { selector: "s1", cname: dkim } },
          ],
          accounts: [
            {
              address: "d@example.com",
              passwordHash: `{SHA512-CRYPT}$6$abcdefghijklmnop$${"A".repeat(86)}`,
            },
          ],
        };
        const { spec } = outcomes.check(input);
        if (spec === undefined) return;
        const plan = planMailServer(spec, { passwordHashes: new Map(), dkimKeys: new Map() });
        const cnames = plan.records.filter((r) => r.type === "CNAME");
        assert.equal(cnames.length, 2);
        const zone = renderZoneFiles(plan).find((z) => z.zone === "example.com")!;
        const file = join(dir, "zone");
        writeFileSync(file, zone.text);
        // -D prints the zone as BIND loaded it: one canonical line per record.
        const run = spawnSync("named-checkzone", ["-q", "-D", "-o", "-", "example.com", file], {
          encoding: "utf8",
        });
        assert.equal(run.status, 0, `named-checkzone:\n${run.stdout}${run.stderr}\n${zone.text}`);
        for (const r of cnames) {
          const loaded = run.stdout
            .split("\n")
            .map((l) => l.split(/\s+/))
            .filter((f) => f[0] === `${r.name}.` && f[3] === "CNAME")
            .map((f) => f[4]);
          assert.deepEqual(loaded, r.values, `${r.name} as BIND loaded it`);
          const v = r.values[0]!;
          const cf = cloudflareValue("CNAME", v);
          assert.deepEqual(readCloudflareValues("CNAME", { content: cf.content! }), [v]);
          assert.deepEqual(readRoute53Values("CNAME", { records: [route53Value("CNAME", v)] }), [
            v,
          ]);
        }
      }),
      { seed: SEED, numRuns: 80 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  t.diagnostic(`accepted ${outcomes.accepted}, refused ${outcomes.refused}`);
  outcomes.assertBoth(10);
});
