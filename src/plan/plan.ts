/**
 * `planMailServer`: the whole plan of a validated spec, as data. Records and zones come from
 * `../records`, the DMS config files, container and ports from `../dms`, and plan-level warnings
 * from `./warnings`. Pure and deterministic: no I/O, no clock, no randomness (password hashes and
 * DKIM keys arrive resolved in `material`), every list sorted with plain code-unit comparison.
 */
import type { MailServerSpec } from "../spec/schema";
import { cmp, sortFindings } from "../spec/findings";
import { planRecords } from "./records";
import { planContainer, planDmsFiles, planPorts } from "../dms";
import type { PlanMaterial } from "../spec/material";
import type { Plan } from "./types";
import { cloudWarnings } from "./warnings";
import { planBackup } from "../dms/backup";
import { summarizeUpgrade } from "../spec/dms-releases";

/**
 * Plans everything a validated spec becomes: records per zone, PTR expectations, DMS files,
 * the container, port rules and the warn/info findings.
 *
 * Assumes `validateSpec` accepted the spec: errors never reach a plan. Findings here are the
 * plan's own (records, cloud port 25); callers that also hold validation warnings merge them.
 */
export function planMailServer(spec: MailServerSpec, material: PlanMaterial): Plan {
  const records = planRecords(spec, material);
  const files = [...planDmsFiles(spec, material)].sort((a, b) => cmp(a.path, b.path));
  const container = planContainer(spec, files);
  const ports = [...planPorts(spec)].sort((a, b) => a.port - b.port);
  const backup = planBackup(spec, container);
  return {
    hostname: spec.hostname,
    zones: records.zones,
    records: records.records,
    ptr: records.ptr,
    files,
    container,
    ports,
    warnings: sortFindings([...records.findings, ...cloudWarnings(spec)]),
    mtaStsPolicies: records.mtaStsPolicies,
    ...(backup !== undefined ? { backup } : {}),
    ...upgradeOf(spec),
  };
}

/** The tag change the spec declares, when the tags differ. */
function upgradeOf(spec: MailServerSpec): Pick<Plan, "upgrade"> {
  const from = spec.image.upgradeFrom;
  if (from === undefined || from === spec.image.tag) return {};
  return { upgrade: summarizeUpgrade(from, spec.image.tag) };
}

/**
 * The plan's own warnings without the rest of the plan, for a caller that must report a failure
 * (a secret that cannot be read) and still list every other problem at once. Needs no password
 * hash or DKIM key: records fall back to their placeholders.
 */
export function planWarnings(
  spec: MailServerSpec,
  material: PlanMaterial,
): ReturnType<typeof sortFindings> {
  return sortFindings([...planRecords(spec, material).findings, ...cloudWarnings(spec)]);
}
