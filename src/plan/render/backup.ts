/**
 * The scheduled backup container of a plan (`spec.backup`) as field/value rows, for the table and
 * Markdown outputs: when it runs, how many archives it keeps, where they go and what they hold.
 */
import type { BackupPlan } from "../../dms/types";

/** `[field, value]` rows describing `b`. */
export function backupRows(b: BackupPlan): [string, string][] {
  return [
    ["schedule", `daily at ${b.schedule} UTC`],
    ["retention", `${b.retention} archive${b.retention === 1 ? "" : "s"}`],
    ["host directory", b.hostDir],
    ["archives", `${b.prefix}-<YYYYMMDDTHHMMSSZ>.tar.gz`],
    ["volumes (read-only)", b.volumes.map((v) => `${v.name}:${v.containerPath}`).join(", ")],
    ["image", b.image],
  ];
}
