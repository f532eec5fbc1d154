import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Finding } from "../../src/spec/findings";
import { FINDINGS, LATER_GROUPS, isFindingId, finding } from "../../src/spec/rules";

const SRC = join(__dirname, "..", "..", "src");
const REGISTRY_DIR = join(SRC, "spec", "rules");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : [join(dir, e.name)]))
    .filter((f) => f.endsWith(".ts"))
    .sort();
}

/** Every source file outside the registry itself, with its text. */
const SOURCES = sourceFiles(SRC)
  .filter((f) => !f.startsWith(REGISTRY_DIR))
  .map((f) => ({ file: relative(SRC, f), text: readFileSync(f, "utf8") }));

describe("finding ids", () => {
  it("every finding literal in src/ uses a registered id with its registered level", () => {
    // `{ id: "x", level: "y", ... }`: how code outside the rule pass builds findings.
    const literal = /\bid: "([^"]+)",\s*level: "([a-z]+)"/g;
    const problems: string[] = [];
    let count = 0;
    for (const { file, text } of SOURCES) {
      for (const m of text.matchAll(literal)) {
        count++;
        const [, id, level] = m as unknown as [string, string, string];
        if (!isFindingId(id)) problems.push(`${file}: ${id} is not registered`);
        else if (FINDINGS[id].level !== level)
          problems.push(`${file}: ${id} is ${level} here, ${FINDINGS[id].level} in the registry`);
      }
    }
    assert.deepEqual(problems, []);
    // The scan must see the literals it is meant to check (secrets, planner, audits).
    assert.ok(count >= 14, `only ${count} finding literals found`);
  });

  it("every id passed to finding() in src/ is registered", () => {
    const calls = /\bfinding\(\s*"([^"]+)"/g;
    const problems: string[] = [];
    let count = 0;
    for (const { file, text } of SOURCES) {
      for (const m of text.matchAll(calls)) {
        count++;
        if (!isFindingId(m[1]!)) problems.push(`${file}: ${m[1]} is not registered`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(count >= 8, `only ${count} finding() calls found`);
  });

  it("every id registered for after validation is emitted somewhere in src/", () => {
    const all = SOURCES.map((s) => s.text).join("\n");
    const unused = LATER_GROUPS.flatMap((g) => Object.keys(g.rules)).filter(
      (id) => !all.includes(`"${id}"`),
    );
    assert.deepEqual(unused, []);
  });

  it("finding() takes the registered level and remediation, or the remediation given", () => {
    assert.deepEqual(finding("dns-ttl-range", "domains", "too long"), {
      id: "dns-ttl-range",
      level: "error",
      path: "domains",
      message: "too long",
      remediation: FINDINGS["dns-ttl-range"].remediation,
    });
    assert.equal(finding("alias-loop", "", "x", "Break it.").remediation, "Break it.");
    assert.equal(isFindingId("alias-loop"), true);
    assert.equal(isFindingId("no-such-rule"), false);
    assert.equal(isFindingId("toString"), false);
  });

  it("the Finding type refuses unregistered ids and wrong levels (checked by tsc)", () => {
    const good: Finding = { id: "host-address-unknown", level: "warn", path: "", message: "m" };
    // @ts-expect-error an id that is not registered
    const unknownId: Finding = { id: "no-such-rule", level: "warn", path: "", message: "m" };
    // @ts-expect-error host-address-unknown is registered as a warning
    const wrongLevel: Finding = {
      id: "host-address-unknown",
      level: "error",
      path: "",
      message: "m",
    };
    assert.deepEqual(
      [good, unknownId, wrongLevel].map((f) => isFindingId(f.id)),
      [true, false, true],
    );
  });
});
