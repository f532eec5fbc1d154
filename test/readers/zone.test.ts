/**
 * Property test: domains near the DNS length limits (labels up to 63 characters, names up to 253),
 * long DKIM selectors, DMARC report addresses in another managed domain (report authorizations),
 * and CAA iodef URIs with the characters a zone file quotes (`"`, `\`, `;`, spaces), fed through
 * validation and the plan, then loaded by BIND's `named-checkzone`. Each spec either gives zone
 * files that load, or is refused by a registered rule naming the field path and the value.
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
import { requireTool } from "../dms/tools";
import { Outcomes, SEED } from "./helpers";

const label = (min: number, max: number) =>
  fc
    .tuple(fc.integer({ min, max }), fc.constantFrom("a", "b", "x"))
    .map(([n, c]) =>
      n === 1 ? c : `${c}${"-".repeat(n > 2 ? 1 : 0)}${c.repeat(n - 1 - (n > 2 ? 1 : 0))}`,
    );

/** A domain of 2 to 5 labels, most long, so derived names cross 253 characters often. */
const domainArb = fc
  .array(label(1, 63), { minLength: 1, maxLength: 4 })
  .map((labels) => `${labels.join(".")}.example`);

const caseArb = fc.record({
  domain: domainArb,
  selector: label(1, 40),
  iodefLocal: fc
    .array(fc.constantFrom("a", "b", '"', "\\", ";", " ", "(", ")", "$"), {
      minLength: 1,
      maxLength: 6,
    })
    .map((cs) => cs.join("")),
  reportsElsewhere: fc.boolean(),
});

test("zone files load in named-checkzone, or the spec is refused", (t) => {
  if (!requireTool(t, "named-checkzone", ["-v"])) return;
  const dir = mkdtempSync(join(tmpdir(), "zone-readers-"));
  const outcomes = new Outcomes();
  try {
    fc.assert(
      fc.property(caseArb, (c) => {
        const input = {
          hostname: "mail.example.com",
          ipv4: "192.0.2.10",
          domains: [
            { name: "example.com" },
            {
              name: c.domain,
              dkim: { selector: c.selector },
              dmarc: {
                policy: "reject",
                rua: [c.reportsElsewhere ? "mailto:d@example.com" : `mailto:d@${c.domain}`],
              },
              caa: { issuers: ["letsencrypt.org"], iodef: `mailto:${c.iodefLocal}@example.com` },
              autoconfig: true,
              tlsRpt: { rua: ["mailto:t@example.com"] },
              mtaSts: { mode: "testing" },
            },
          ],
          accounts: [
            {
              address: "d@example.com",
              passwordHash: `{SHA512-CRYPT}$6$abcdefghijklmnop$${"A".repeat(86)}`,
              aliases: ["t@example.com"],
            },
          ],
        };
        const { spec } = outcomes.check(input);
        if (spec === undefined) return;
        const plan = planMailServer(spec, {
          passwordHashes: new Map(),
          dkimKeys: new Map(),
        });
        for (const z of renderZoneFiles(plan)) {
          const file = join(dir, "zone");
          writeFileSync(file, z.text);
          const run = spawnSync("named-checkzone", ["-q", z.zone, file], { encoding: "utf8" });
          assert.equal(
            run.status,
            0,
            `named-checkzone ${z.zone}:\n${run.stdout}${run.stderr}\n${z.text}`,
          );
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  outcomes.assertBoth(10);
});
