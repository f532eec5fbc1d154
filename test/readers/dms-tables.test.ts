/**
 * Property test: addresses with every character a local part may hold, fed through validation
 * and the plan, then read back by the programs that read the files in docker-mailserver:
 *
 * - `postfix-accounts.cf`: DMS's own line filter `_get_valid_lines_from_file` (sourced from the
 *   release's `target/scripts/helpers/utils.sh`, in the source archive beside the project) and the
 *   `IFS='|' read` its account script runs on each line;
 * - `dovecot-quotas.cf`: the `grep -i "<address>:"` DMS runs per account, first line wins;
 * - `postfix-virtual.cf`: Postfix's `postmap -q` on the `texthash:` table.
 *
 * Every generated spec either reads back exactly as declared, or is refused by a registered rule
 * naming the field path and the value.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { planDmsFiles } from "../../src/dms";
import type { PlanMaterial } from "../../src/spec/material";
import { HASH } from "../spec/helpers";
import { requireTool } from "../dms/tools";
import { Outcomes, SEED } from "./helpers";

const DMS_SOURCE = join(__dirname, "..", "..", "..", "shared", "dms", "dms-src-v15.1.0.tar.gz");

/** Local-part characters, weighted towards the ones a reader may take specially. */
const LOCAL_CHARS = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("a", "b", "1") },
  { weight: 1, arbitrary: fc.constantFrom(..."#.*$^+-_=?{}|~!&'%/`".split("")) },
);
const localPart = fc.array(LOCAL_CHARS, { minLength: 1, maxLength: 6 }).map((cs) => cs.join(""));
const QUOTA = fc.option(fc.constantFrom("1G", "512M", "0"), { nil: undefined });

interface Generated {
  readonly accounts: { local: string; quota: string | undefined }[];
  readonly aliases: { local: string; target: number }[];
}

const generated: fc.Arbitrary<Generated> = fc.record({
  accounts: fc.array(fc.record({ local: localPart, quota: QUOTA }), {
    minLength: 1,
    maxLength: 4,
  }),
  aliases: fc.array(fc.record({ local: localPart, target: fc.nat(3) }), { maxLength: 3 }),
});

function specOf(g: Generated): Record<string, unknown> {
  const accounts = g.accounts.map((a) => ({
    address: `${a.local}@example.com`,
    passwordHash: HASH,
    ...(a.quota !== undefined ? { quota: a.quota } : {}),
  }));
  const aliases = g.aliases.map((a) => ({
    address: `${a.local}@example.net`,
    targets: [accounts[a.target % accounts.length]!.address],
  }));
  return {
    hostname: "mail.example.com",
    ipv4: "192.0.2.10",
    domains: [{ name: "example.com" }, { name: "example.net" }],
    accounts,
    aliases,
  };
}

/**
 * One shell per case, to keep the test fast: DMS's line filter (from the release's source) and
 * its `IFS='|' read` on postfix-accounts.cf; per address, the quota line DMS's
 * `grep "addr:" -i` finds first; then `postmap -q -` on postfix-virtual.cf.
 * Arguments: utils.sh, config dir, postfix dir, then the addresses; alias keys on stdin.
 */
const READERS = `
set -uo pipefail
_log() { :; }
source "$1"
dir="$2"; postfix="$3"; shift 3
echo "== accounts"
while IFS=$'|' read -r LOGIN PASS USER_ATTRIBUTES; do
  printf '%s\\t%s\\n' "$LOGIN" "$PASS"
done < <(_get_valid_lines_from_file "$dir/postfix-accounts.cf")
echo "== quotas"
for addr in "$@"; do
  IFS=':' read -r -a Q < <(grep "\${addr}:" -i "$dir/dovecot-quotas.cf")
  if [[ \${#Q[@]} -eq 2 ]]; then printf '%s\\t%s\\n' "$addr" "\${Q[1]}"; fi
done
echo "== virtual"
/usr/sbin/postmap -c "$postfix" -q - "texthash:$dir/postfix-virtual.cf"
exit 0
`;

/** The sections of the readers' output: lines split at tabs. */
function sections(out: string): Record<string, string[][]> {
  const result: Record<string, string[][]> = {};
  let current = "";
  for (const line of out.split("\n")) {
    if (line.startsWith("== ")) result[(current = line.slice(3))] = [];
    else if (line !== "" && current !== "") result[current]!.push(line.split("\t"));
  }
  return result;
}

test("addresses read back through DMS's reader and postmap, or are refused by a rule", (t) => {
  if (!requireTool(t, "/usr/sbin/postconf", ["-d", "mail_version"])) return;
  if (!existsSync(DMS_SOURCE)) {
    const why = `the DMS source archive is missing at ${DMS_SOURCE}`;
    if (process.env.CI === "true") throw new Error(why);
    t.skip(why);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "dms-readers-"));
  const utils = join(dir, "utils.sh");
  const extract = spawnSync("tar", ["-xzOf", DMS_SOURCE, "target/scripts/helpers/utils.sh"], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  assert.equal(extract.status, 0, extract.stderr);
  writeFileSync(utils, extract.stdout);
  writeFileSync(join(dir, "main.cf"), "");
  const cases = join(dir, "config");
  mkdirSync(cases);
  writeFileSync(join(dir, "master.cf"), "");
  const outcomes = new Outcomes();
  try {
    fc.assert(
      fc.property(generated, (g) => {
        const input = specOf(g);
        const { spec } = outcomes.check(input);
        if (spec === undefined) return;
        const material: PlanMaterial = { passwordHashes: new Map(), dkimKeys: new Map() };
        const files = new Map(planDmsFiles(spec, material).map((f) => [f.path, f.content]));
        for (const name of ["postfix-accounts.cf", "dovecot-quotas.cf", "postfix-virtual.cf"])
          writeFileSync(join(cases, name), files.get(name) ?? "");
        const addresses = spec.accounts.map((a) => a.address);
        const run = spawnSync("bash", ["-c", READERS, "bash", utils, cases, dir, ...addresses], {
          input: spec.aliases.map((a) => `${a.address}\n`).join(""),
          encoding: "utf8",
        });
        assert.equal(run.status, 0, run.stderr);
        const read = sections(run.stdout);
        // postfix-accounts.cf: exactly the declared accounts, each with its hash.
        assert.deepEqual(
          read.accounts!.map(([login, pass]) => [login, pass]).sort(),
          spec.accounts.map((a) => [a.address, HASH]).sort(),
          "the accounts DMS reads",
        );
        // dovecot-quotas.cf: each declared quota is the one DMS finds first.
        const quotas = new Map(read.quotas!.map(([a, q]) => [a, q]));
        for (const a of spec.accounts) {
          if (a.quota !== undefined)
            assert.equal(quotas.get(a.address), String(a.quota), `quota of ${a.address}`);
        }
        // postfix-virtual.cf: each alias key resolves to exactly its targets.
        const found = new Map(read.virtual!.map(([k, v]) => [k, v]));
        for (const a of spec.aliases) {
          assert.deepEqual(
            (found.get(a.address) ?? "").split(",").sort(),
            [...a.targets].sort(),
            `postmap -q ${a.address}`,
          );
        }
      }),
      { seed: SEED, numRuns: 80 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Both branches must be exercised, or the property proves nothing.
  outcomes.assertBoth(20);
});
