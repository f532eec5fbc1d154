/**
 * The component copies every spec field from its arguments into the spec it validates: a field
 * the copy dropped would be silently ignored (its rules never run, its files never written).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { structuralInput } from "../../src/components/resolve";
import { MailServerSpecSchema } from "../../src/spec/schema";
import type { MailServerSpecArgs } from "../../src/components/args";

/** Fields the copy reshapes (secrets and DNS targets become holes): given in their plain form. */
const SPECIAL = { domains: [], accounts: [], ipv4: undefined, ipv6: undefined, relay: undefined };

test("every top-level field of the spec schema reaches the structural input", () => {
  const keys = Object.keys(MailServerSpecSchema.shape).sort();
  assert.ok(keys.length >= 28, `only ${keys.length} keys`);
  // A marker per field: the copy is by key, so the value's shape does not matter here.
  const args = Object.fromEntries(
    keys.map((k) => [k, { marker: k }]),
  ) as unknown as MailServerSpecArgs;
  const { input } = structuralInput({ ...args, ...SPECIAL });
  for (const k of keys.filter((k) => !(k in SPECIAL)))
    assert.deepEqual(input[k], { marker: k }, `${k} was not copied`);
  // Pulumi-only arguments stay out.
  const withPulumiOnly = structuralInput({
    ...args,
    ...SPECIAL,
    port25Check: { mode: "warn" },
  } as MailServerSpecArgs);
  assert.equal("port25Check" in withPulumiOnly.input, false);
});
