/**
 * Defaults that depend on other fields of the spec. The schema applies fixed defaults; the ones
 * here follow from choices (rspamd on means OpenDKIM off, fail2ban on means NET_ADMIN, ...). Every
 * layer asks these functions rather than re-deciding, so the rules live in one place.
 */
import type { DomainSpec, MailServerSpec, ServiceExposure } from "./schema";

/** Feature flags with every derived default resolved. */
export interface EffectiveFeatures {
  readonly rspamd: boolean;
  readonly opendkim: boolean;
  readonly opendmarc: boolean;
  readonly policydSpf: boolean;
  readonly amavis: boolean;
  readonly spamassassin: boolean;
  readonly clamav: boolean;
  readonly fail2ban: boolean;
  readonly pop3: boolean;
  readonly imap: boolean;
  readonly managesieve: boolean;
  readonly srs: boolean;
  readonly dnsbl: boolean;
  readonly quotas: boolean;
  readonly smtpOnly: boolean;
}

/**
 * Resolves derived feature defaults. With rspamd on, OpenDKIM, OpenDMARC and policyd-spf default
 * off (the recommended Rspamd profile, docs/dms-contract.md#environment); with it off they default on, as in
 * DMS itself. Quotas are forced off with `smtpOnly`, as DMS does.
 */
export function effectiveFeatures(spec: MailServerSpec): EffectiveFeatures {
  const f = spec.features;
  const classic = !f.rspamd;
  return {
    rspamd: f.rspamd,
    opendkim: f.opendkim ?? classic,
    opendmarc: f.opendmarc ?? classic,
    policydSpf: f.policydSpf ?? classic,
    amavis: f.amavis,
    spamassassin: f.spamassassin,
    clamav: f.clamav,
    fail2ban: f.fail2ban,
    pop3: f.pop3,
    imap: f.imap && !f.smtpOnly,
    managesieve: f.managesieve && !f.smtpOnly,
    srs: f.srs,
    dnsbl: f.dnsbl,
    quotas: f.quotas && !f.smtpOnly,
    smtpOnly: f.smtpOnly,
  };
}

/**
 * Which engine signs DKIM. DMS uses OpenDKIM whenever it is enabled, even alongside rspamd
 * (docs/dms-contract.md#dkim-keys "Dispatch"); rspamd signs only when OpenDKIM is off.
 */
export function dkimEngine(spec: MailServerSpec): "opendkim" | "rspamd" | "none" {
  const f = effectiveFeatures(spec);
  if (f.opendkim) return "opendkim";
  if (f.rspamd) return "rspamd";
  return "none";
}

/** Linux capabilities for the container: the spec's list, or NET_ADMIN when fail2ban is on. */
export function capabilities(spec: MailServerSpec): readonly string[] {
  if (spec.capabilities !== undefined) return [...new Set(spec.capabilities)].sort();
  return spec.features.fail2ban ? ["NET_ADMIN"] : [];
}

/**
 * Where mail to the postmaster goes: the spec's `postmaster`, else the first account in sorted
 * order, else postmaster@ the first domain. It routes `postmaster@` of every domain through the
 * aliases file, which DMS reloads live, so it may follow the account list.
 */
export function postmasterAddress(spec: MailServerSpec): string {
  if (spec.postmaster !== undefined) return spec.postmaster;
  const accounts = spec.accounts.map((a) => a.address).sort();
  if (accounts.length > 0) return accounts[0]!;
  const domains = spec.domains.map((d) => d.name).sort();
  return `postmaster@${domains[0]!}`;
}

/**
 * `POSTMASTER_ADDRESS`: the spec's `postmaster`, else postmaster@ the hostname's parent domain
 * when it is a mail domain here (DMS's own default), else postmaster@ the first domain. Never an
 * account: the env is read at startup only (docs/dms-contract.md#live-reload), so a default that followed
 * the account list would replace the container when an account sorting first is added or
 * removed. Mail to it reaches {@link postmasterAddress} through the postmaster@ aliases.
 */
export function postmasterEnvAddress(spec: MailServerSpec): string {
  if (spec.postmaster !== undefined) return spec.postmaster;
  const domains = spec.domains.map((d) => d.name);
  const parent = spec.hostname.slice(spec.hostname.indexOf(".") + 1);
  if (domains.includes(parent)) return `postmaster@${parent}`;
  return `postmaster@${[...domains].sort()[0]!}`;
}

/** The services DMS offers, by name. */
export type ServiceName =
  "smtp" | "submissions" | "submission" | "imap" | "imaps" | "pop3" | "pop3s" | "managesieve";

/** Well-known port of each service (docs/dms-contract.md#ports). */
export const SERVICE_PORTS: Readonly<Record<ServiceName, number>> = {
  smtp: 25,
  submissions: 465,
  submission: 587,
  imap: 143,
  imaps: 993,
  pop3: 110,
  pop3s: 995,
  managesieve: 4190,
};

/** What each port carries, for humans. */
export const SERVICE_DESCRIPTIONS: Readonly<Record<ServiceName, string>> = {
  smtp: "SMTP, MTA to MTA (STARTTLS optional)",
  submissions: "SMTP submission, implicit TLS",
  submission: "SMTP submission, STARTTLS required",
  imap: "IMAP, STARTTLS",
  imaps: "IMAP, implicit TLS",
  pop3: "POP3, STARTTLS",
  pop3s: "POP3, implicit TLS",
  managesieve: "ManageSieve, STARTTLS",
};

/**
 * Exposure of a service with defaults: 25, 465, 587 and 993 public (what a mail server needs;
 * RFC 8314 prefers implicit TLS); 143 off; POP3 and ManageSieve public only when their feature is
 * on. A service whose feature is off is always off, whatever the spec says (the rules layer warns).
 */
export function serviceExposure(spec: MailServerSpec, service: ServiceName): ServiceExposure {
  const f = effectiveFeatures(spec);
  const enabled: Record<ServiceName, boolean> = {
    smtp: true,
    submissions: true,
    submission: true,
    imap: f.imap,
    imaps: f.imap,
    pop3: f.pop3,
    pop3s: f.pop3,
    managesieve: f.managesieve,
  };
  const defaults: Record<ServiceName, ServiceExposure["expose"]> = {
    smtp: "public",
    submissions: "public",
    submission: "public",
    imap: "off",
    imaps: "public",
    pop3: "off",
    pop3s: "public",
    managesieve: "public",
  };
  if (!enabled[service]) return { expose: "off" };
  return spec.services[service] ?? { expose: defaults[service] };
}

/** All service names in port order. */
export const SERVICE_NAMES: readonly ServiceName[] = (
  Object.keys(SERVICE_PORTS) as ServiceName[]
).sort((a, b) => SERVICE_PORTS[a] - SERVICE_PORTS[b]);

/**
 * The Postfix settings the PROXY protocol ports set (`platform.proxyProtocol`, rendered in
 * src/dms/proxy-protocol.ts), which user overrides must not set too.
 */
export const PROXY_POSTFIX_SETTINGS = [
  "postscreen_cache_map",
  "postscreen_upstream_proxy_protocol",
  "smtpd_upstream_proxy_protocol",
] as const;
/** The Dovecot settings of the PROXY protocol listeners, which `overrides.dovecot` must not set. */
export const PROXY_DOVECOT_SETTINGS = ["haproxy", "haproxy_trusted_networks"] as const;

/**
 * Whether docker-mailserver signs a domain's mail with a local DKIM key: DKIM is enabled and the
 * selector is not delegated (`dkim.cname`: the provider holding the key signs what it sends).
 */
export function signsDkim(domain: {
  readonly dkim: { enabled: boolean; cname?: string };
}): boolean {
  return domain.dkim.enabled && domain.dkim.cname === undefined;
}

/**
 * A delegation target (`dkim.cname`, `dmarc.cname`) as the plan publishes it: lowercase and
 * absolute (one trailing dot), as every name in a planned value is.
 */
export function cnameTarget(cname: string): string {
  const lower = cname.toLowerCase();
  return lower.endsWith(".") ? lower : `${lower}.`;
}

/**
 * `timezone: host`: the host's `/etc/localtime` is mounted read-only and `TZ` stays unset (DMS
 * would otherwise try to replace the mounted file with the zone `TZ` names).
 */
export const HOST_TIMEZONE = "host";

/** A retiring DKIM selector with the day it stopped signing, when the spec says. */
export interface RetiringSelector {
  readonly selector: string;
  /** `YYYY-MM-DD` (UTC). */
  readonly since?: string;
}

/** A domain's retiring selectors in spec order, each entry in its object form. */
export function retiringEntries(dkim: Pick<DomainSpec["dkim"], "retiring">): RetiringSelector[] {
  return dkim.retiring.map((e) => (typeof e === "string" ? { selector: e } : e));
}

/**
 * Whole days from a retiring selector's `since` (`YYYY-MM-DD`, UTC midnight) to `now`: how long
 * the overlap has run. `dkim-retiring-overdue` (verify) and the components' warning both count
 * with it, and call the selector overdue past `dkim.retireAfterDays`.
 */
export function retiringDays(since: string, now: Date): number {
  return Math.floor((now.getTime() - Date.parse(`${since}T00:00:00Z`)) / 86_400_000);
}

/** A domain's retiring selectors, in spec order. */
export function retiringSelectors(dkim: Pick<DomainSpec["dkim"], "retiring">): string[] {
  return dkim.retiring.map((e) => (typeof e === "string" ? e : e.selector));
}

/** The Dovecot major line an image runs: its config syntax and its defaults differ. */
export type DovecotLine = "2.3" | "2.4";

/**
 * Which Dovecot the spec's image runs, from its tag: releases up to 15.x ship Dovecot 2.3
 * (Debian 12); the development line after 15.1.0 moved to Debian 13 and Dovecot 2.4, a breaking
 * change that comes with the next major release, so a tag of major 16 or later (and `edge`, which
 * the rules refuse) means 2.4 (docs/dms-contract.md#dovecot-24). Any other tag (a private build's
 * name) is taken for the pinned default's line, 2.3, and the `image-tag-unversioned` rule says so.
 */
export function dovecotLine(spec: MailServerSpec): DovecotLine {
  const tag = spec.image.tag;
  if (tag === "edge") return "2.4";
  const major = releaseMajor(tag);
  return major !== undefined && major >= 16 ? "2.4" : "2.3";
}

/**
 * The major version an image tag starts with (`15.1.0`, `v16.0.0`, `16-rc1`, `15.1.0-mybuild`),
 * or undefined when it starts with none (`latest`, a private build's name): the
 * `image-tag-unversioned` rule warns then, since {@link dovecotLine} can only assume.
 */
export function releaseMajor(tag: string): number | undefined {
  const major = /^v?(\d+)(?:[.-]|$)/.exec(tag);
  return major === null ? undefined : Number(major[1]);
}
