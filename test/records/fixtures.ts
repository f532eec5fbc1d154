/** Specs shared by the records and plan tests. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import {
  MailServerSpecSchema,
  type MailServerSpec,
  type MailServerSpecInput,
} from "../../src/spec/schema";
import type { PlanMaterial } from "../../src/spec/material";

/** Path of the example spec the README plans. */
export const EXAMPLE_SPEC_PATH = join(
  __dirname,
  "..",
  "..",
  "examples",
  "local-zonefile",
  "mailserver.yaml",
);

/** The example spec's raw input (as YAML parses it). */
export function exampleInput(): MailServerSpecInput {
  return parse(readFileSync(EXAMPLE_SPEC_PATH, "utf8")) as MailServerSpecInput;
}

/** Applies the schema's defaults (the shape `validateSpec` returns). */
export function specOf(input: MailServerSpecInput): MailServerSpec {
  return MailServerSpecSchema.parse(input);
}

/** Material with no keys and no hashes. */
export const NO_MATERIAL: PlanMaterial = { passwordHashes: new Map(), dkimKeys: new Map() };

/** Deterministic Fisher-Yates shuffle (xorshift seed), so a failing order can be replayed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
