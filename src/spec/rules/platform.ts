/**
 * Platform: settings given for the platform that cannot honour them. A Kubernetes setting on
 * Docker, or a Docker host setting (bind addresses, host TLS paths) on Kubernetes, would be
 * silently lost, so each is an error; and on Kubernetes, `tls.type: letsencrypt` needs exactly one
 * certificate source (docs/kubernetes.md).
 */
import type { MailServerSpec } from "../schema";
import { ruleGroup, show, type Context, type Reporter, type RuleTable } from "./context";

const rules = {
  "platform-kubernetes-only": {
    level: "error",
    summary: "A Kubernetes setting is given while `platform.kind` is `docker`.",
    remediation:
      "Set `platform.kind: kubernetes`, or remove the setting (it would be silently ignored on Docker).",
  },
  "platform-docker-only": {
    level: "error",
    summary:
      "A Docker host setting (host bind addresses, host TLS paths, `backup`) is given while `platform.kind` is `kubernetes`.",
    remediation:
      "Remove it: on Kubernetes the Service publishes the ports and the certificate comes from cert-manager or `platform.tlsSecret`.",
  },
  "platform-kubernetes-tls": {
    level: "error",
    summary:
      "On Kubernetes, `tls.type: letsencrypt` needs exactly one source of the certificate: `platform.certManager` or `platform.tlsSecret`.",
    remediation:
      "Name a cert-manager issuer in `platform.certManager.issuer`, or an existing `kubernetes.io/tls` Secret in `platform.tlsSecret`.",
  },
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** Docker-only and Kubernetes-only settings. */
export const PLATFORM_RULES = ruleGroup({ rules, check: checkPlatform });

/** The `platform` fields that only mean something on Kubernetes. */
const KUBERNETES_FIELDS = [
  "namespace",
  "storageClass",
  "storage",
  "service",
  "nodeSelector",
  "certManager",
  "tlsSecret",
] as const;

/** The schema's default `bindAddresses`: any other value was written by the user. */
const DEFAULT_BIND = ["0.0.0.0", "::"];
/** The schema's default `tls.hostDir`. */
const DEFAULT_LETSENCRYPT_DIR = "/etc/letsencrypt";

/**
 * Settings given for the other platform. A setting that a platform ignores would be silently
 * lost, so it is an error on the platform that cannot honour it. Fields with schema defaults
 * (`bindAddresses`, `tls.hostDir`) count as given when they differ from the default.
 */
function checkPlatform(spec: MailServerSpec, _ctx: Context, r: Reporter<Id>): void {
  const p = spec.platform;
  if (p.kind === "docker") {
    for (const key of KUBERNETES_FIELDS) {
      if (p[key] !== undefined) {
        r.report(
          "platform-kubernetes-only",
          ["platform", key],
          `is a Kubernetes setting but platform.kind is "docker", got ${show(p[key])}`,
        );
      }
    }
    return;
  }
  if (spec.backup !== undefined) {
    r.report(
      "platform-docker-only",
      ["backup"],
      `is a Docker host setting (a backup container writing to a host directory); on Kubernetes back up the volume claims with your cluster's tools, got ${show(spec.backup)}`,
    );
  }
  const bind = spec.bindAddresses;
  if (bind.length !== DEFAULT_BIND.length || bind.some((b, i) => b !== DEFAULT_BIND[i])) {
    r.report(
      "platform-docker-only",
      ["bindAddresses"],
      `is a Docker host setting; on Kubernetes the Service publishes the ports, got ${show(bind)}`,
    );
  }
  for (const [service, exposure] of Object.entries(spec.services)) {
    if (exposure?.bind !== undefined) {
      r.report(
        "platform-docker-only",
        ["services", service, "bind"],
        `is a Docker host setting; on Kubernetes the Service publishes the ports, got ${show(exposure.bind)}`,
      );
    }
  }
  const tls = spec.tls;
  if (tls.type === "manual") {
    for (const key of ["certPath", "keyPath"] as const) {
      r.report(
        "platform-docker-only",
        ["tls", key],
        `is a Docker host path; on Kubernetes use tls.type "letsencrypt" with platform.tlsSecret or platform.certManager, got ${show(tls[key])}`,
      );
    }
  }
  if (tls.type === "letsencrypt") {
    if (tls.hostDir !== DEFAULT_LETSENCRYPT_DIR) {
      r.report(
        "platform-docker-only",
        ["tls", "hostDir"],
        `is a Docker host path; on Kubernetes the certificate comes from platform.certManager or platform.tlsSecret, got ${show(tls.hostDir)}`,
      );
    }
    const sources = [p.certManager, p.tlsSecret].filter((x) => x !== undefined).length;
    if (sources !== 1) {
      r.report(
        "platform-kubernetes-tls",
        ["platform"],
        sources === 0
          ? 'tls.type is "letsencrypt" but neither platform.certManager nor platform.tlsSecret is set'
          : 'tls.type is "letsencrypt" and both platform.certManager and platform.tlsSecret are set; keep one',
      );
    }
  } else if (p.certManager !== undefined || p.tlsSecret !== undefined) {
    r.report(
      "platform-kubernetes-tls",
      ["platform", p.certManager !== undefined ? "certManager" : "tlsSecret"],
      `is only used with tls.type "letsencrypt", got tls.type ${show(tls.type)}`,
    );
  }
}
