/**
 * The plan: everything a mail server needs, as plain data computed purely from the spec.
 * Pulumi components, `dmsctl plan`, `dmsctl diff` and `dmsctl verify` all read this one shape;
 * none of them re-derives a record, a file or a port. `--format json` prints it (see
 * `docs/plan-json.md`), so changes here are API changes. The value types it holds belong to the
 * layers that produce them: records in `../records/types`, DMS files, container and ports in
 * `../dms/types`.
 */
import type { Finding } from "../spec/findings";
import type { DnsRecord, MtaStsPolicyPlan, PtrExpectation, ZonePlan } from "../records/types";
import type { BackupPlan, ContainerPlan, DmsFile, PortRule } from "../dms/types";
import type { UpgradeSummary } from "../spec/dms-releases";

/** Everything the spec becomes. Deterministic: same spec, byte-identical plan. */
export interface Plan {
  readonly hostname: string;
  readonly zones: readonly ZonePlan[];
  /** All records of all zones, sorted by zone, name, type. */
  readonly records: readonly DnsRecord[];
  readonly ptr: readonly PtrExpectation[];
  /** Sorted by path. */
  readonly files: readonly DmsFile[];
  readonly container: ContainerPlan;
  /** Sorted by port. */
  readonly ports: readonly PortRule[];
  /** Non-blocking findings (warn/info), sorted. Errors never reach a plan. */
  readonly warnings: readonly Finding[];
  /** MTA-STS policy files to serve, sorted by domain (empty or absent without `mtaSts`). */
  readonly mtaStsPolicies?: readonly MtaStsPolicyPlan[];
  /** The scheduled backup container, with `spec.backup` (Docker only). */
  readonly backup?: BackupPlan;
  /**
   * The image tag change (`image.upgradeFrom` -> `image.tag`): releases crossed and env
   * variables renamed or removed between them. Absent when there is none.
   */
  readonly upgrade?: UpgradeSummary;
}
