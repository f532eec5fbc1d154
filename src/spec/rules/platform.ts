/**
 * Platform: settings given for the platform that cannot honour them. A Kubernetes setting on
 * Docker, or a Docker host setting (bind addresses, host TLS paths) on Kubernetes, would be
 * silently lost, so each is an error; and on Kubernetes, `tls.type: letsencrypt` needs exactly one
 * certificate source (docs/kubernetes.md).
 */
import type { MailServerSpec } from "../schema";
import {
  PROXY_DOVECOT_SETTINGS,
  PROXY_POSTFIX_SETTINGS,
  SERVICE_NAMES,
  effectiveFeatures,
  serviceExposure,
} from "../derived";
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
      "A Docker host setting (host bind addresses, host TLS paths, `backup`, `timezone: host`) is given while `platform.kind` is `kubernetes`.",
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
  "platform-proxy-protocol-override": {
    level: "error",
    summary:
      "With `platform.proxyProtocol`, an override (`overrides.postfixMain`, `overrides.dovecot`, `overrides.userPatches`) sets a PROXY protocol setting the plan already sets.",
    remediation:
      "Remove the setting from the override: the proxied ports set `postscreen_upstream_proxy_protocol`, `smtpd_upstream_proxy_protocol` and `postscreen_cache_map` for Postfix, and `haproxy` and `haproxy_trusted_networks` for Dovecot (use `platform.proxyProtocol.trustedNetworks`). Or turn `platform.proxyProtocol` off and configure it yourself.",
  },
  "platform-proxy-protocol-allow-from": {
    level: "error",
    summary:
      "With `platform.proxyProtocol`, a public service restricts `allowFrom`: the pod sees the load balancer's address, so the NetworkPolicy cannot tell clients apart.",
    remediation:
      "Remove `allowFrom` and restrict sources at the load balancer (for example `spec.loadBalancerSourceRanges` or the cloud's firewall), or turn `platform.proxyProtocol` off and keep `externalTrafficPolicy: Local`.",
  },
  "platform-proxy-protocol-fail2ban": {
    level: "warn",
    summary:
      "With `platform.proxyProtocol`, Fail2Ban bans the client address from the logs, but packets arrive from the load balancer, so its bans have no effect.",
    remediation:
      "Turn `features.fail2ban` off and block abusers at the load balancer, or keep client addresses with `externalTrafficPolicy: Local` instead of PROXY protocol.",
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
  "proxyProtocol",
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
  checkProxyProtocol(spec, r);
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
  if (spec.timezone === "host") {
    // A hostPath mount would tie the pod to one node's zone file, and Pod Security's baseline
    // profile forbids hostPath; TZ names the zone on every node alike.
    r.report(
      "platform-docker-only",
      ["timezone"],
      'is "host", which mounts the Docker host\'s /etc/localtime; on Kubernetes name the zone (e.g. "Europe/Berlin")',
    );
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

const ANYWHERE = ["0.0.0.0/0", "::/0"];

/** The first line of `text` that sets `name`: Postfix at the line start, Dovecot after `{` too. */
function settingLine(
  text: string,
  name: string,
  how: "postfix" | "dovecot" | "mention",
): string | undefined {
  const re =
    how === "postfix"
      ? new RegExp(`^${name}[ \\t]*=`)
      : how === "dovecot"
        ? new RegExp(`(?:^|[{\\s])${name}[ \\t]*=`)
        : new RegExp(name);
  return text.split("\n").find((l) => re.test(l));
}

/**
 * PROXY protocol: the user's overrides must not set what the proxied ports set; `allowFrom`
 * cannot be enforced behind a load balancer; Fail2Ban bans cannot reach the client.
 */
function checkProxyProtocol(spec: MailServerSpec, r: Reporter<Id>): void {
  const p = spec.platform.proxyProtocol;
  if (p === undefined || p === false) return;
  const o = spec.overrides;
  const checks = [
    ["postfixMain", PROXY_POSTFIX_SETTINGS, "postfix"],
    ["userPatches", PROXY_POSTFIX_SETTINGS, "mention"],
    ["dovecot", PROXY_DOVECOT_SETTINGS, "dovecot"],
  ] as const;
  for (const [key, names, how] of checks) {
    const text = o[key];
    if (text === undefined) continue;
    for (const name of names) {
      const line = settingLine(text, name, how);
      if (line === undefined) continue;
      r.report(
        "platform-proxy-protocol-override",
        ["overrides", key],
        `sets ${name}, which platform.proxyProtocol sets for the proxied ports, got ${show(line)}`,
      );
    }
  }
  for (const service of SERVICE_NAMES) {
    const e = serviceExposure(spec, service);
    if (e.expose !== "public" || e.allowFrom === undefined) continue;
    const all = [...e.allowFrom].sort();
    if (all.length === ANYWHERE.length && all.every((c, i) => c === ANYWHERE[i])) continue;
    r.report(
      "platform-proxy-protocol-allow-from",
      ["services", service, "allowFrom"],
      `cannot be enforced behind a PROXY protocol load balancer (the pod sees the balancer's address), got ${show(e.allowFrom)}`,
    );
  }
  if (effectiveFeatures(spec).fail2ban) {
    r.report(
      "platform-proxy-protocol-fail2ban",
      ["features", "fail2ban"],
      "bans client addresses read from the PROXY header, but packets come from the load balancer, got true",
    );
  }
}
