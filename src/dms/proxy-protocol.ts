/**
 * PROXY protocol listeners (`platform.proxyProtocol`, Kubernetes only): a second port for every
 * public Postfix and Dovecot service that reads the PROXY header (v1 or v2) a load balancer
 * prepends, while the normal ports keep serving in-cluster clients that send none. This is the
 * layout docker-mailserver documents for Kubernetes ("Separate PROXY protocol ports for
 * ingress", https://docker-mailserver.github.io/docker-mailserver/latest/config/advanced/kubernetes/,
 * and https://docker-mailserver.github.io/docker-mailserver/latest/examples/tutorials/mailserver-behind-proxy/):
 * each proxied port is the normal one plus 10000, except SMTP (12525: 10025 is Amavis's).
 *
 * Three files carry it, all startup-only:
 * - `user-patches.sh` (run by DMS with bash after its own setup): copies each public Postfix
 *   service's `master.cf` entry, as DMS configured it, to the proxied port, and sets
 *   `postscreen_upstream_proxy_protocol` (SMTP, handled by postscreen) or
 *   `smtpd_upstream_proxy_protocol` (submission ports) to `haproxy` on the copy only. A copy made
 *   at startup keeps whatever DMS set on the original for the env in use. `postfix-master.cf`
 *   cannot do it: DMS applies it with `postconf -P`, which only changes existing entries.
 * - `postfix-main.cf`: `postscreen_cache_map` through `proxymap`, so the two postscreen
 *   services share one cache (https://www.postfix.org/postconf.5.html#postscreen_cache_map).
 * - `dovecot.cf`: `haproxy_trusted_networks` and one `haproxy = yes` listener per public
 *   Dovecot service (https://doc.dovecot.org/configuration_manual/service_configuration/#haproxy-v2-2-19).
 *
 * Pure: the same spec gives byte-identical text.
 */
import type { MailServerSpec } from "../spec/schema";
import { SERVICE_NAMES, serviceExposure, type ServiceName } from "../spec/derived";

/**
 * The proxied port of each service. Postfix services are copied in `master.cf`; Dovecot ones
 * are extra listeners of the service's login process.
 */
export const PROXY_PORTS: Readonly<Record<ServiceName, number>> = {
  smtp: 12525,
  submissions: 10465,
  submission: 10587,
  imap: 10143,
  imaps: 10993,
  pop3: 10110,
  pop3s: 10995,
  managesieve: 14190,
};

/**
 * The sources Dovecot accepts a PROXY header from when `proxyProtocol` is `true`: the private
 * IPv4 ranges (RFC 1918), where a cluster's nodes and an in-cluster load balancer live. The
 * official Helm chart uses the same three.
 */
export const DEFAULT_PROXY_TRUSTED_NETWORKS: readonly string[] = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
];

/** `platform.proxyProtocol` resolved: off, or on with the networks Dovecot trusts. */
export interface ProxyProtocolSettings {
  readonly trustedNetworks: readonly string[];
}

/** The PROXY protocol settings of a Kubernetes spec, or undefined when off (or on Docker). */
export function proxyProtocolSettings(spec: MailServerSpec): ProxyProtocolSettings | undefined {
  const p = spec.platform.proxyProtocol;
  if (spec.platform.kind !== "kubernetes" || p === undefined || p === false) return undefined;
  if (p === true) return { trustedNetworks: [...DEFAULT_PROXY_TRUSTED_NETWORKS] };
  return { trustedNetworks: [...p.trustedNetworks] };
}

/** Which daemon serves a service, and how its proxied copy is made. */
const KIND: Readonly<
  Record<
    ServiceName,
    { daemon: "postfix"; setting: string } | { daemon: "dovecot"; login: string; ssl: boolean }
  >
> = {
  smtp: { daemon: "postfix", setting: "postscreen_upstream_proxy_protocol" },
  submission: { daemon: "postfix", setting: "smtpd_upstream_proxy_protocol" },
  submissions: { daemon: "postfix", setting: "smtpd_upstream_proxy_protocol" },
  imap: { daemon: "dovecot", login: "imap-login", ssl: false },
  imaps: { daemon: "dovecot", login: "imap-login", ssl: true },
  pop3: { daemon: "dovecot", login: "pop3-login", ssl: false },
  pop3s: { daemon: "dovecot", login: "pop3-login", ssl: true },
  managesieve: { daemon: "dovecot", login: "managesieve-login", ssl: false },
};

/** The public services, in port order: the ones a load balancer reaches. */
export function proxiedServices(spec: MailServerSpec): ServiceName[] {
  if (proxyProtocolSettings(spec) === undefined) return [];
  return SERVICE_NAMES.filter((s) => serviceExposure(spec, s).expose === "public");
}

/** The Postfix main.cf line (before the user's text in `postfix-main.cf`), or "" when off. */
export function proxyPostfixMain(spec: MailServerSpec): string {
  const postscreen = proxiedServices(spec).includes("smtp");
  // A second postscreen service: both must share the cache through proxymap, whose default
  // proxy_write_maps lists $postscreen_cache_map.
  return postscreen ? "postscreen_cache_map = proxy:btree:$data_directory/postscreen_cache\n" : "";
}

/** The Dovecot config (before the user's text in `dovecot.cf`), or "" when off. */
export function proxyDovecotConf(spec: MailServerSpec): string {
  const settings = proxyProtocolSettings(spec);
  const services = proxiedServices(spec).filter((s) => KIND[s].daemon === "dovecot");
  if (settings === undefined || services.length === 0) return "";
  const out = [
    "# PROXY protocol listeners (platform.proxyProtocol): the normal port plus 10000.",
    `haproxy_trusted_networks = ${settings.trustedNetworks.join(" ")}`,
  ];
  const logins = [...new Set(services.map((s) => (KIND[s] as { login: string }).login))];
  for (const login of logins) {
    out.push(`service ${login} {`);
    for (const s of services) {
      const k = KIND[s];
      if (k.daemon !== "dovecot" || k.login !== login) continue;
      out.push(
        `  inet_listener ${s}-proxy {`,
        `    port = ${PROXY_PORTS[s]}`,
        `    ssl = ${k.ssl ? "yes" : "no"}`,
        "    haproxy = yes",
        "  }",
      );
    }
    out.push("}");
  }
  return out.join("\n") + "\n";
}

/**
 * The bash fragment that adds the proxied Postfix services (first in `user-patches.sh`), or ""
 * when off. Idempotent: an existing copy is removed first (`postconf -MX`). Runs in a subshell
 * with `set -eu` so a failure stops the startup with a message and leaks no shell option into
 * the user's own script that follows.
 */
export function proxyUserPatches(spec: MailServerSpec): string {
  const services = proxiedServices(spec).filter((s) => KIND[s].daemon === "postfix");
  if (services.length === 0) return "";
  const out = [
    "# PROXY protocol (platform.proxyProtocol): a copy of each public Postfix service on its",
    "# proxied port, reading the PROXY header; the normal ports are unchanged.",
    "(",
    "  set -eu",
    '  master="$(postconf -h config_directory)/master.cf"',
  ];
  for (const s of services) {
    const k = KIND[s] as { setting: string };
    const port = PROXY_PORTS[s];
    out.push(
      `  postconf -MX ${port}/inet`,
      `  postconf -Mf ${s}/inet | sed -e '1s/^${s}[[:space:]]/${port} /' >>"$master"`,
      `  postconf -P ${port}/inet/${k.setting}=haproxy ${port}/inet/syslog_name=postfix/${s}-proxy`,
    );
  }
  out.push(
    `  for port in ${services.map((s) => PROXY_PORTS[s]).join(" ")}; do`,
    '    postconf -M "${port}/inet" | grep -q . || { echo "PROXY protocol: no master.cf entry for ${port}/inet" >&2; exit 1; }',
    "  done",
    ") || exit 1",
  );
  return out.join("\n") + "\n";
}
