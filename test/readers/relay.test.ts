/**
 * Property test: relay passwords with whitespace, `:`, `#`, quotes and backslashes, written to
 * `postfix-sasl-password.cf` and read back by Postfix's `postmap -q` (the `texthash:` table DMS
 * builds `sasl_passwd` from). Each password either reads back as `user:password`, or the spec is
 * refused by a registered rule at the password's field path, without showing the password.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { planDmsFiles } from "../../src/dms";
import { requireTool } from "../dms/tools";
import { Outcomes, SEED } from "./helpers";

const passwordArb = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom("a", "B", "7") },
      { weight: 2, arbitrary: fc.constantFrom(" ", "\t", ":", "#", '"', "\\", "\n", "|", "@") },
    ),
    { minLength: 1, maxLength: 10 },
  )
  .map((cs) => cs.join(""));

test("relay passwords read back through postmap, or are refused without being shown", (t) => {
  if (!requireTool(t, "/usr/sbin/postconf", ["-d", "mail_version"])) return;
  const dir = mkdtempSync(join(tmpdir(), "relay-readers-"));
  writeFileSync(join(dir, "main.cf"), "");
  writeFileSync(join(dir, "master.cf"), "");
  const outcomes = new Outcomes();
  try {
    fc.assert(
      fc.property(passwordArb, (password) => {
        const input = {
          hostname: "mail.example.com",
          ipv4: "192.0.2.10",
          domains: [{ name: "example.com" }],
          accounts: [
            {
              address: "alice@example.com",
              passwordHash: `{SHA512-CRYPT}$6$abcdefghijklmnop$${"A".repeat(86)}`,
            },
          ],
          relay: { host: "smtp.example.net", port: 587, username: "mailer", password },
        };
        const { spec, findings } = outcomes.check(input);
        if (spec === undefined) {
          // A password of a few characters is found in any sentence; longer ones must not be.
          if (password.trim().length >= 4)
            for (const f of findings)
              assert.ok(!f.message.includes(password), `${f.id} shows the password`);
          return;
        }
        const files = planDmsFiles(spec, {
          passwordHashes: new Map(),
          dkimKeys: new Map(),
          relayPassword: password,
        });
        const table = join(dir, "postfix-sasl-password.cf");
        writeFileSync(table, files.find((f) => f.path === "postfix-sasl-password.cf")!.content);
        const run = spawnSync(
          "/usr/sbin/postmap",
          ["-c", dir, "-q", "[smtp.example.net]:587", `texthash:${table}`],
          { encoding: "utf8" },
        );
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stdout, `mailer:${password}\n`);
      }),
      { seed: SEED, numRuns: 40 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  outcomes.assertBoth(5);
});
