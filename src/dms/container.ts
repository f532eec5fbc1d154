/**
 * The DMS container as data (docs/dms-contract.md#compose): image, hostname, env, the four named volumes,
 * TLS bind mounts, capabilities, limits, healthcheck, and the hash that forces a replacement when
 * startup-only configuration changes (docs/dms-contract.md#live-reload).
 */
import { createHash } from "node:crypto";
import type { MailServerSpec } from "../spec/schema";
import { cmp } from "../spec/findings";
import { capabilities, HOST_TIMEZONE } from "../spec/derived";
import { parseMemory } from "../spec/units";
import type { BindMountPlan, ContainerPlan, DmsFile, VolumePlan } from "./types";
import { CONFIG_DIR } from "./files";
import { MANUAL_TLS_CERT_PATH, MANUAL_TLS_KEY_PATH, planEnv } from "./env";

/**
 * The healthcheck of the v15.1.0 compose file (docs/dms-contract.md#compose): SMTP listening on IPv4. It
 * works on every 15.x image (`ss` from iproute2 is in the image); edge's `dms-healthcheck` is not
 * in 15.1.0.
 */
export const HEALTHCHECK_COMMAND = "ss --listening --ipv4 --tcp | grep --silent ':smtp' || exit 1";

function volumes(spec: MailServerSpec): VolumePlan[] {
  return [
    // Regenerated from the spec on every deploy, so nothing in it needs to survive.
    { name: "config", containerPath: CONFIG_DIR, retain: false },
    { name: "mail-data", containerPath: "/var/mail", retain: spec.retainData },
    { name: "mail-logs", containerPath: "/var/log/mail", retain: spec.retainData },
    { name: "mail-state", containerPath: "/var/mail-state", retain: spec.retainData },
  ];
}

/** The host's zone file, mounted for `timezone: host` (the DMS FAQ on syncing date/time). */
export const LOCALTIME_MOUNT: BindMountPlan = {
  hostPath: "/etc/localtime",
  containerPath: "/etc/localtime",
  readOnly: true,
};

/** TLS material from the host, and the host's zone file for `timezone: host`; all read-only. */
function bindMounts(spec: MailServerSpec): BindMountPlan[] {
  const mounts = tlsMounts(spec);
  return spec.timezone === HOST_TIMEZONE ? [...mounts, LOCALTIME_MOUNT] : mounts;
}

/** TLS material from the host, read-only (docs/dms-contract.md#tls). */
function tlsMounts(spec: MailServerSpec): BindMountPlan[] {
  const tls = spec.tls;
  switch (tls.type) {
    case "letsencrypt":
      // The whole tree: live/ holds symlinks into archive/ (docs/dms-contract.md#pin-the-image).
      return [{ hostPath: tls.hostDir, containerPath: "/etc/letsencrypt", readOnly: true }];
    case "manual":
      return [
        { hostPath: tls.certPath, containerPath: MANUAL_TLS_CERT_PATH, readOnly: true },
        { hostPath: tls.keyPath, containerPath: MANUAL_TLS_KEY_PATH, readOnly: true },
      ];
    case "self-signed":
    case "none":
      return [];
    default: {
      const _: never = tls;
      throw new Error(`unknown TLS type ${JSON.stringify(_)}`);
    }
  }
}

/**
 * sha256 (hex) over the env and every `recreate` file: path, mode and content, length-prefixed so
 * no two inputs encode alike. Live files (accounts, aliases, quotas, relay, rspamd) are left out on
 * purpose: DMS reloads them in place and the container must keep running.
 *
 * A secret file counts by path and mode only, never by content: this hash is printed (`dmsctl
 * plan`, the `compose.yaml` header a user may commit) and an unkeyed digest of a secret must not
 * be. Nothing is lost: the only secret startup-only files are OpenDKIM private keys, and each has
 * a public companion (`<selector>.txt`, the `p=` value) that changes whenever the key does.
 */
export function recreateHash(
  env: readonly (readonly [string, string])[],
  files: readonly DmsFile[],
): string {
  const h = createHash("sha256");
  const put = (s: string) => h.update(`${Buffer.byteLength(s, "utf8")}:${s}`, "utf8");
  put("env");
  for (const [k, v] of env) {
    put(k);
    put(v);
  }
  const recreate = files.filter((f) => f.reload === "recreate").sort((a, b) => cmp(a.path, b.path));
  for (const f of recreate) {
    put("file");
    put(f.path);
    put(String(f.mode ?? ""));
    put(f.secret ? "secret" : f.content);
  }
  return h.digest("hex");
}

/**
 * The container for `spec`, given its planned files (from `planDmsFiles`). Restart `always` and a
 * 60 s stop grace period as in DMS's compose file (docs/dms-contract.md#compose), so Postfix and Dovecot can finish.
 */
export function planContainer(spec: MailServerSpec, files: readonly DmsFile[]): ContainerPlan {
  const env = planEnv(spec);
  return {
    image: `${spec.image.repository}:${spec.image.tag}`,
    hostname: spec.hostname,
    env,
    volumes: volumes(spec),
    bindMounts: bindMounts(spec),
    capAdd: [...capabilities(spec)],
    ...(spec.memoryLimit !== undefined ? { memoryBytes: parseMemory(spec.memoryLimit) } : {}),
    ...(spec.dnsResolvers !== undefined ? { dns: [...spec.dnsResolvers] } : {}),
    restart: "always",
    stopGracePeriodSeconds: 60,
    healthcheck: {
      test: ["CMD-SHELL", HEALTHCHECK_COMMAND],
      intervalSeconds: 30,
      timeoutSeconds: 3,
      retries: 3,
      // DMS needs tens of seconds to generate config and start its daemons before SMTP listens.
      startPeriodSeconds: 60,
    },
    recreateHash: recreateHash(env, files),
  };
}
