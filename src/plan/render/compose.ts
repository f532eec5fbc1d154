/**
 * The `--out` directory's `compose.yaml`: the planned container as a Docker Compose service that
 * `docker compose up` starts as is, beside `mailserver.env` and the DMS config folder `config/`.
 * Shaped after DMS's recommended compose file (docs/dms-contract.md#compose), with the plan's pinned image,
 * host-IP port bindings, capabilities, health check and limits.
 * @see https://docs.docker.com/reference/compose-file/services/
 */
import { yaml } from "../../spec/yaml";
import type { Plan } from "../types";
import type { VolumePlan } from "../../dms/types";
import { linkedRestartHash } from "../../dms/link-layout";

/** The config volume's container path (docs/dms-contract.md#config-volume). */
const CONFIG_CONTAINER_PATH = "/tmp/docker-mailserver";

/** Where a planned volume lives in the `--out` directory: `./config` or `./docker-data/<name>`. */
export function composeVolumeSource(v: VolumePlan): string {
  return v.containerPath.replace(/\/$/, "") === CONFIG_CONTAINER_PATH
    ? "./config"
    : `./docker-data/${v.name}`;
}

/** Renders `compose.yaml` for the plan's container and published ports. */
export function renderCompose(plan: Plan): string {
  const c = plan.container;
  // Short syntax (`IP:HOST:CONTAINER/proto`, IPv6 in brackets): both Compose v2 and the v1
  // `docker-compose` still shipped by distributions read it; v1 rejects the long form's `host_ip`
  // (checked with docker-compose 1.29 in test/cli/compose.test.ts).
  const ports = plan.ports
    .filter((p) => p.expose !== "off")
    .flatMap((p) =>
      p.bind.map((hostIp) => {
        const ip = hostIp.includes(":") ? `[${hostIp}]` : hostIp;
        return `${ip}:${p.port}:${p.port}/${p.protocol}`;
      }),
    );
  const volumes = [
    ...c.volumes.map((v) => `${composeVolumeSource(v)}:${v.containerPath}`),
    ...c.bindMounts.map((b) => `${b.hostPath}:${b.containerPath}${b.readOnly ? ":ro" : ""}`),
  ];
  const service: Record<string, unknown> = {
    image: c.image,
    container_name: "mailserver",
    hostname: c.hostname,
    env_file: ["mailserver.env"],
    ports,
    volumes,
  };
  if (c.capAdd.length > 0) service.cap_add = [...c.capAdd];
  if (c.dns !== undefined && c.dns.length > 0) service.dns = [...c.dns];
  if (c.memoryBytes !== undefined) service.mem_limit = c.memoryBytes;
  // Compose recreates a container whose labels changed. `plan --out` delivers config/ as links,
  // through which DMS sees only its top-level live files (dms/link-layout.ts): the label changes
  // exactly when anything else did, so `docker compose up -d` after dmsctl does the right thing.
  service.labels = { "dms.recreate-hash": linkedRestartHash(c.recreateHash, plan.files) };
  service.restart = c.restart;
  service.stop_grace_period = `${c.stopGracePeriodSeconds}s`;
  service.healthcheck = {
    test: [...c.healthcheck.test],
    interval: `${c.healthcheck.intervalSeconds}s`,
    timeout: `${c.healthcheck.timeoutSeconds}s`,
    retries: c.healthcheck.retries,
    start_period: `${c.healthcheck.startPeriodSeconds}s`,
  };
  const header = [
    `# docker-mailserver for ${plan.hostname}, written by \`dmsctl plan --out\`.`,
    "# Start it here with `docker compose up -d`; stop with `docker compose down` (not `stop`).",
    "# Config changes: re-run dmsctl, then `docker compose up -d`. Accounts, aliases, quotas and",
    "# relay maps reach the running server at once; compose recreates the container when its",
    "# recreate-hash label changed (startup-only files or env, docs/dms-contract.md#live-reload).",
  ];
  const services: Record<string, unknown> = { mailserver: escapeInterpolation(service) };
  if (plan.backup !== undefined) services.backup = escapeInterpolation(backupService(plan));
  const body = yaml().stringify({ services }, { lineWidth: 0 });
  return `${header.join("\n")}\n${body}`;
}

/**
 * The scheduled backup (`spec.backup`) as a service: the mail image running the backup loop, with
 * the mail service's volumes read-only (`volumes_from`, as docker-mailserver's FAQ recipe) and the
 * host directory the archives go to. No network: it reads volumes and writes a directory.
 */
function backupService(plan: Plan): Record<string, unknown> {
  const b = plan.backup!;
  return {
    image: b.image,
    container_name: "mailserver-backup",
    entrypoint: [...b.command],
    network_mode: "none",
    volumes_from: ["mailserver:ro"],
    volumes: [`${b.hostDir}:${b.containerDir}`],
    restart: "always",
  };
}

/**
 * Compose interpolates `$VAR` and `${VAR}` in every string of the file, so an image tag or a path
 * holding `$` would change. `$$` is Compose's literal `$` (v1 and v2).
 * @see https://docs.docker.com/reference/compose-file/interpolation/
 */
export function escapeInterpolation(value: unknown): unknown {
  if (typeof value === "string") return value.replace(/\$/g, "$$$$");
  if (Array.isArray(value)) return value.map(escapeInterpolation);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeInterpolation(v)]));
  }
  return value;
}
