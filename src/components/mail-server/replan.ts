/**
 * Planning inside Outputs: the spec's Output leaves (holes, ../resolve.ts) are planned with
 * placeholders first, then again with their real values where a consumer needs them. Plan
 * material travels through Outputs as plain records.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DkimKeyMaterial, PlanMaterial } from "../../spec/material";
import type { MailServerSpec } from "../../spec/schema";
import { mapToOutput } from "../../providers/inputs";
import { PLACEHOLDERS, fillHoles, validateFilled, type Hole } from "../resolve";

/** Plans with the placeholders of some holes filled with their real values. */
export type Replan = <T>(
  filled: readonly Hole[],
  materialInput: pulumi.Input<MaterialRecord>,
  compute: (spec: MailServerSpec, material: PlanMaterial) => T,
) => pulumi.Output<T>;

/**
 * Plans again once the real values of some of the spec's Output leaves (its holes, ./resolve.ts)
 * are known, each plan depending only on the holes it needs. `compute` is the plan function a
 * consumer needs: the writer needs only the DMS files, so it does not re-plan records, container
 * and ports on every deployment. Material travels through Outputs as plain records (Outputs
 * rebuild Maps as plain objects). Each call builds as few Outputs as it can (see
 * ../providers/inputs.ts): no hole, no `pulumi.all` over holes.
 */
export function replanner(
  what: string,
  input: Record<string, unknown>,
  spec: MailServerSpec,
): Replan {
  return (filled, materialInput, compute) => {
    if (filled.length === 0) {
      // Nothing to fill: the structural spec is the real one, already validated.
      return mapToOutput(materialInput, (m) => compute(spec, toMaterial(m)));
    }
    return pulumi
      .all([pulumi.all(filled.map((h) => h.value)), materialInput])
      .apply(([values, m]) =>
        compute(validateFilled(what, fillHoles(input, filled, values)), toMaterial(m)),
      );
  };
}

/** {@link PlanMaterial} with plain records instead of Maps, to travel inside Outputs. */
export interface MaterialRecord {
  readonly passwordHashes: Readonly<Record<string, string>>;
  readonly dkimKeys: Readonly<Record<string, DkimKeyMaterial>>;
  /** Retiring selectors' keys by `<domain>/<selector>`. */
  readonly retiringDkimKeys?: Readonly<Record<string, DkimKeyMaterial>>;
  readonly relayPassword?: string;
}

export function toRecord(m: PlanMaterial): MaterialRecord {
  return {
    passwordHashes: Object.fromEntries(m.passwordHashes),
    dkimKeys: Object.fromEntries(m.dkimKeys),
    ...(m.retiringDkimKeys !== undefined
      ? { retiringDkimKeys: Object.fromEntries(m.retiringDkimKeys) }
      : {}),
    ...(m.relayPassword !== undefined ? { relayPassword: m.relayPassword } : {}),
  };
}

export function toMaterial(m: MaterialRecord): PlanMaterial {
  return {
    passwordHashes: new Map(Object.entries(m.passwordHashes)),
    dkimKeys: new Map(Object.entries(m.dkimKeys)),
    ...(m.retiringDkimKeys !== undefined
      ? { retiringDkimKeys: new Map(Object.entries(m.retiringDkimKeys)) }
      : {}),
    ...(m.relayPassword !== undefined ? { relayPassword: m.relayPassword } : {}),
  };
}

/** Placeholder hashes for every account: the structure of the plan never depends on them. */
export function placeholderMaterial(spec: MailServerSpec): PlanMaterial {
  return {
    passwordHashes: new Map(
      spec.accounts.map((a) => [a.address, PLACEHOLDERS.passwordHash] as const),
    ),
    dkimKeys: new Map(),
    ...(spec.relay?.password !== undefined ? { relayPassword: PLACEHOLDERS.relayPassword } : {}),
  };
}
