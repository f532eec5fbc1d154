/**
 * docker-mailserver as plain data: the files of its config volume, the container and the port
 * rules. `planDmsFiles`, `planContainer` and `planPorts` produce them; the components, `dmsctl plan
 * --out` and the host adapters translate them. Printed by `--format json`: changes are API changes.
 */
import type { ServiceName } from "../spec/derived";

/**
 * How docker-mailserver picks up a change to a file (docs/dms-contract.md#live-reload): `live` files are
 * watched by the changedetector and reloaded in place; `recreate` files are read at startup only,
 * so a change must replace the container.
 */
export type ReloadMode = "live" | "recreate";

/** A file under the DMS config volume (`/tmp/docker-mailserver`). */
export interface DmsFile {
  /** Relative to the config volume, e.g. `postfix-accounts.cf`, `rspamd/dkim/...`. */
  readonly path: string;
  /** LF line endings and a final newline, always. */
  readonly content: string;
  readonly reload: ReloadMode;
  /** Holds password hashes, private keys or credentials: a Pulumi secret, mode 0600 on disk. */
  readonly secret: boolean;
  /**
   * POSIX permission bits for the file on disk, when it needs more than the default
   * (`user-patches.sh` is executable). @default 0o600 when `secret`, else 0o644
   */
  readonly mode?: number;
}

/** Reachability of one service: the source of Docker publishing and firewall rules. */
export interface PortRule {
  readonly service: ServiceName;
  readonly port: number;
  readonly protocol: "tcp";
  /** `public`: published and opened; `private`: published on `bind` only; `off`: not published. */
  readonly expose: "public" | "private" | "off";
  /** Host addresses the port is published on (empty when off). */
  readonly bind: readonly string[];
  /** Source CIDRs the firewall allows (public services), `0.0.0.0/0` and `::/0` for anywhere. */
  readonly allowFrom: readonly string[];
  /** What the port carries, for humans: "SMTP (MTA to MTA, STARTTLS)". */
  readonly description: string;
}

/** A named volume of the container. */
export interface VolumePlan {
  /** Suffix of the Docker volume name: `mail-data`, `mail-state`, `mail-logs`, `config`. */
  readonly name: string;
  readonly containerPath: string;
  /** Survives `pulumi destroy` and container replacement. */
  readonly retain: boolean;
}

/** A host path mounted into the container (TLS material). */
export interface BindMountPlan {
  readonly hostPath: string;
  readonly containerPath: string;
  readonly readOnly: boolean;
}

/** The container, as data. */
export interface ContainerPlan {
  /** `repository:tag`. */
  readonly image: string;
  readonly hostname: string;
  /** `mailserver.env` entries, sorted by name. Never holds a secret (secrets go in `__FILE` files). */
  readonly env: readonly (readonly [string, string])[];
  readonly volumes: readonly VolumePlan[];
  readonly bindMounts: readonly BindMountPlan[];
  readonly capAdd: readonly string[];
  /** Memory limit in bytes, when set. */
  readonly memoryBytes?: number;
  readonly dns?: readonly string[];
  readonly restart: "always";
  readonly stopGracePeriodSeconds: number;
  readonly healthcheck: {
    readonly test: readonly string[];
    readonly intervalSeconds: number;
    readonly timeoutSeconds: number;
    readonly retries: number;
    readonly startPeriodSeconds: number;
  };
  /**
   * sha256 over the env and every `recreate` file: when it changes, the container must be
   * replaced (docs/dms-contract.md#live-reload). Live files are deliberately not part of it.
   */
  readonly recreateHash: string;
}

/**
 * The scheduled backup container (`spec.backup`): the mail image running a loop that archives
 * the mail container's volumes, mounted read-only, into a host directory (`src/dms/backup.ts`).
 */
export interface BackupPlan {
  /** `repository:tag`, the mail container's image. */
  readonly image: string;
  /** The container's argv: `/bin/bash -c <script>`. */
  readonly command: readonly string[];
  /** `HH:MM`, UTC. */
  readonly schedule: string;
  /** Archives kept. */
  readonly retention: number;
  /** The host directory the archives go to, mounted at {@link BackupPlan.containerDir}. */
  readonly hostDir: string;
  readonly containerDir: string;
  /** The mail container's volumes, mounted read-only at the same paths. */
  readonly volumes: readonly VolumePlan[];
  /** Archive names: `<prefix>-<YYYYMMDDTHHMMSSZ>.tar.gz`. */
  readonly prefix: string;
}
