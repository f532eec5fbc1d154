/**
 * Shared pieces of the reader property tests: the fixed seed, and the check that a refused spec
 * was refused properly (every error a registered rule, at a field path, naming the bad value).
 */
import assert from "node:assert/strict";
import { RULES } from "../../src/spec/rules";
import type { Finding } from "../../src/spec/findings";
import type { MailServerSpec } from "../../src/spec/schema";
import { validateSpec } from "../../src/spec/validate";

/**
 * One seed for every property test, so a failure replays. The run counts are chosen so that each
 * test finds the defect it guards when the fix is reverted (see docs/file-formats.md).
 */
export const SEED = 20261130;

/** The value at a rendered finding path (`accounts[0].aliases[1]`) of the raw input. */
export function valueAt(input: unknown, path: string): unknown {
  let value: unknown = input;
  for (const part of path.match(/[^.[\]]+/g) ?? []) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[/^\d+$/.test(part) ? Number(part) : part];
  }
  return value;
}

/**
 * Asserts that each error is a registered rule at a field path whose message shows the value
 * there (or says it is hidden because it is secret).
 */
export function assertRefusedProperly(input: unknown, findings: readonly Finding[]): void {
  const errors = findings.filter((f) => f.level === "error");
  assert.ok(errors.length > 0, "refused without an error");
  for (const f of errors) {
    assert.ok(f.id in RULES, `unregistered finding id ${f.id}`);
    assert.notEqual(f.path, "", `${f.id} has no field path: ${f.message}`);
    const value = valueAt(input, f.path);
    if (typeof value === "string" && !f.message.includes("value hidden")) {
      assert.ok(
        f.message.includes(JSON.stringify(value).slice(1, -1)),
        `${f.id} ${f.path}: the message does not show the value ${JSON.stringify(value)}: ${f.message}`,
      );
    }
  }
}

/**
 * What a property test's generated specs became: each is validated; a refused one is checked with
 * {@link assertRefusedProperly} and counted, an accepted one counted and returned.
 */
export class Outcomes {
  accepted = 0;
  refused = 0;

  /** The validated spec, or `undefined` (with the findings) once the refusal is checked. */
  check(input: unknown): { spec?: MailServerSpec; findings: readonly Finding[] } {
    const result = validateSpec(input);
    if (!result.ok) {
      this.refused++;
      assertRefusedProperly(input, result.findings);
      return { findings: result.findings };
    }
    this.accepted++;
    return { spec: result.spec, findings: result.findings };
  }

  /** Asserts the generators reached both sides often enough for the property to mean something. */
  assertBoth(atLeast: number): void {
    assert.ok(
      this.accepted > atLeast && this.refused > atLeast,
      `accepted ${this.accepted}, refused ${this.refused}`,
    );
  }
}
