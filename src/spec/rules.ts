/**
 * Validation rules that relate several fields of a spec the schema has already accepted: alias
 * loops, rspamd with Amavis, ClamAV memory, SPF lookup counts, and so on. Each rule has a stable id,
 * a level and remediation text ({@link RULES}); `docs/spec.md` is generated from that table and a
 * test keeps the two in sync.
 *
 * Every check is linear in the size of the spec (maps and sets, no pairwise comparisons), so a spec
 * with 1,000 domains and 10,000 accounts validates in well under a second.
 *
 * Messages never show a secret (passwords, hashes, private keys, secret-looking env values).
 */
import { createPrivateKey } from "node:crypto";
import type { MailServerSpec } from "./schema";
import { dkimEngine, effectiveFeatures } from "./derived";
import { cmp, formatPath, type Finding, type Level } from "./findings";
import { derivedEnvField, SECRET_ENV_NAME } from "./dms-env";
import { canonicalIp, parseIpv4, parseIpv6 } from "./ip";
import { memoryBytes } from "./units";

/** What a rule is, for reports and for the generated reference in `docs/spec.md`. */
export interface RuleMeta {
  readonly level: Level;
  /** One line: what the rule catches. */
  readonly summary: string;
  /** How to fix it. */
  readonly remediation: string;
}

/**
 * Every finding id validation can produce, with its level and remediation. The `schema-*` ids and
 * `hostname-fqdn` / `quota-syntax` come from the zod schema; the rest from {@link checkRules}.
 */
export const RULES = {
  "spec-read": {
    level: "error",
    summary: "The spec file cannot be read.",
    remediation: "Check the path and the file's permissions.",
  },
  "spec-syntax": {
    level: "error",
    summary: "The spec file is not valid YAML or JSON.",
    remediation: "Fix the syntax at the line and column named.",
  },
  "spec-duplicate-key": {
    level: "error",
    summary: "A key appears twice in one mapping; YAML would silently keep only one.",
    remediation: "Remove or merge the duplicate key.",
  },
  "spec-multiple-documents": {
    level: "error",
    summary: "The spec file holds several YAML documents (`---`).",
    remediation: "Keep one document per spec file.",
  },
  "spec-empty": {
    level: "error",
    summary: "The spec file is empty.",
    remediation: "Write a spec: at least `hostname` and `domains`.",
  },
  "spec-yaml-warning": {
    level: "warn",
    summary:
      "The YAML parser warns, e.g. about an unknown tag (`!foo`), which is read as plain text.",
    remediation: "Remove the tag or other construct named.",
  },
  "schema-required": {
    level: "error",
    summary: "A required field is missing.",
    remediation: "Add the field; `docs/spec.md` and the JSON Schema list the required keys.",
  },
  "schema-type": {
    level: "error",
    summary: "A field has the wrong type (a number where text is expected, a list for a mapping).",
    remediation:
      "Write the value in the expected type; quote YAML values that look like numbers or booleans.",
  },
  "schema-format": {
    level: "error",
    summary: "A text field does not match its format (domain name, address, IP, CIDR, size).",
    remediation: "Write the value in the format the message names.",
  },
  "schema-value": {
    level: "error",
    summary: "A field holds a value outside its fixed set of choices.",
    remediation: "Use one of the values the message lists.",
  },
  "schema-range": {
    level: "error",
    summary: "A number, text or list is too small or too large (TTL, pct, port, empty list).",
    remediation: "Bring the value within the bounds the message names.",
  },
  "schema-unknown-key": {
    level: "error",
    summary: "A key the spec does not know, usually a typo.",
    remediation: "Remove the key or fix its spelling (the message suggests the closest known key).",
  },
  "schema-invalid": {
    level: "error",
    summary: "A value the schema rejects for another reason.",
    remediation: "Correct the value as the message says.",
  },
  "hostname-fqdn": {
    level: "error",
    summary:
      "The hostname is not a lowercase fully qualified domain name; docker-mailserver refuses to start without one.",
    remediation:
      "Use the FQDN your MX points to, such as `mail.example.com` (dms-reference.md §6.1).",
  },
  "quota-syntax": {
    level: "error",
    summary: "A quota is not `0` or a whole number with a unit B, k, M, G or T.",
    remediation:
      "Write e.g. `512M`, `5G` or `0` (unlimited); `GB`, `1.5G` and spaces are refused by DMS.",
  },
  "domain-duplicate": {
    level: "error",
    summary: "A domain is declared twice, which would publish two MX, SPF and DMARC record sets.",
    remediation: "Keep one entry per domain and merge their settings.",
  },
  "domain-is-hostname": {
    level: "error",
    summary:
      "A mail domain equals the hostname without `bareDomain: true`: Postfix lists it in mydestination and rejects its mail.",
    remediation:
      "Set `bareDomain: true` (the mydestination override is then written for you) or use a hostname such as `mail.<domain>` (dms-reference.md §6.2).",
  },
  "address-on-hostname": {
    level: "error",
    summary:
      "An address is on the hostname itself, which Postfix treats as a local (mydestination) domain.",
    remediation:
      "Use an address in a declared mail domain, or declare the hostname as a domain with `bareDomain: true` (dms-reference.md §6.2).",
  },
  "bare-domain-unused": {
    level: "warn",
    summary: "`bareDomain: true` but no declared domain equals the hostname.",
    remediation: "Remove `bareDomain`, or declare the hostname as a mail domain.",
  },
  "address-domain-undeclared": {
    level: "error",
    summary:
      "An account, alias or devnull address is in a domain the spec does not declare, so no MX or DKIM exists for it.",
    remediation: "Add the domain to `domains`, or fix the address.",
  },
  "account-duplicate": {
    level: "error",
    summary: "The same account address is declared twice.",
    remediation: "Keep one account per address.",
  },
  "account-alias-conflict": {
    level: "error",
    summary:
      "An address is both an account and an alias (or devnull sink); Postfix would route it one way and Dovecot the other.",
    remediation:
      "Make the address either an account or an alias; to deliver an alias to a mailbox, point it at the account.",
  },
  "alias-duplicate": {
    level: "error",
    summary:
      "An alias (or devnull address) is declared more than once, in `aliases`, an account's `aliases` or `devnull`.",
    remediation: "Declare it once and list all its targets there.",
  },
  "alias-self-target": {
    level: "error",
    summary:
      "An alias lists itself as a target; Postfix then delivers to the alias address, which has no mailbox.",
    remediation: "Remove the alias's own address from its targets.",
  },
  "alias-loop": {
    level: "error",
    summary:
      "Aliases (or catch-alls) forward to each other in a cycle; Postfix hits its recursion limit and the mail never arrives.",
    remediation: "Break the cycle so that every chain ends at an account or an external address.",
  },
  "alias-target-unknown": {
    level: "warn",
    summary:
      "An alias target is in a declared domain but is no account, alias or devnull address, so its mail bounces.",
    remediation: "Add the account, fix the target's spelling, or add a catch-all for its domain.",
  },
  "catch-all-self-aliases": {
    level: "info",
    summary:
      "A catch-all on a domain with accounts: self-aliases are written so the accounts keep their mail.",
    remediation: "Nothing to do; this is how docker-mailserver wants it (dms-reference.md §1.3).",
  },
  "no-accounts": {
    level: "error",
    summary:
      "No account while Dovecot runs: docker-mailserver waits about 120 s for one, then stops (dms-reference.md §6.3).",
    remediation: "Add an account, or set `features.smtpOnly: true` for a send-only server.",
  },
  "smtp-only-accounts": {
    level: "warn",
    summary: "`features.smtpOnly` runs no Dovecot, so accounts get no mailbox and cannot log in.",
    remediation: "Remove the accounts, or turn `smtpOnly` off.",
  },
  "password-source": {
    level: "error",
    summary: "An account needs exactly one of `password`, `passwordEnv` or `passwordHash`.",
    remediation: "Keep exactly one password source on the account.",
  },
  "password-hash-format": {
    level: "error",
    summary:
      "A `passwordHash` lacks a `{SCHEME}` prefix, holds `|`, `:` or a line break, or is a malformed SHA512-CRYPT hash.",
    remediation:
      "Use the output of `doveadm pw -s SHA512-CRYPT`, e.g. `{SHA512-CRYPT}$6$...` (dms-reference.md §1.3).",
  },
  "password-hash-scheme": {
    level: "warn",
    summary: "A `passwordHash` uses a scheme Dovecot may not know.",
    remediation:
      "Use `{SHA512-CRYPT}` (what docker-mailserver itself writes) or another Dovecot scheme.",
  },
  "password-hash-weak": {
    level: "warn",
    summary: "A `passwordHash` uses a weak or plain-text scheme.",
    remediation: "Re-hash with `{SHA512-CRYPT}`, `{BLF-CRYPT}` or `{ARGON2ID}`.",
  },
  "quota-ignored": {
    level: "warn",
    summary: "An account has a quota but quotas are off (`features.quotas: false` or `smtpOnly`).",
    remediation: "Turn `features.quotas` on, or drop the quota.",
  },
  "quota-lookup-pattern": {
    level: "warn",
    summary:
      'An account address holds `*` or starts with `^`: DMS finds quotas with `grep "ADDRESS:"`, where those are pattern characters, so the account can get another account\'s quota or none (dms-reference.md §1.3).',
    remediation: "Avoid `*` and a leading `^` in local parts while quotas are on.",
  },
  "postmaster-undeliverable": {
    level: "warn",
    summary:
      "The postmaster address is in a declared domain but is no account or alias, so mail to it bounces (RFC 5321 §4.5.1 requires it to work).",
    remediation: "Point `postmaster` at an account, or add an alias for it.",
  },
  "rspamd-conflict": {
    level: "error",
    summary: "Rspamd combined with Amavis, SpamAssassin or OpenDKIM: they filter or sign twice.",
    remediation:
      "Use rspamd alone (the recommended profile), or turn rspamd off for the classic stack (dms-reference.md §3.10).",
  },
  "rspamd-redundant": {
    level: "warn",
    summary:
      "OpenDMARC or policyd-spf turned on next to rspamd, which already checks DMARC and SPF.",
    remediation: "Drop the explicit `opendmarc` / `policydSpf` setting.",
  },
  "spamassassin-without-amavis": {
    level: "error",
    summary: "SpamAssassin needs Amavis; docker-mailserver turns it off otherwise.",
    remediation: "Set `features.amavis: true`, or use rspamd instead.",
  },
  "clamav-without-scanner": {
    level: "error",
    summary: "ClamAV is on but neither Amavis nor rspamd feeds it mail, so it scans nothing.",
    remediation: "Turn on rspamd or Amavis, or turn ClamAV off.",
  },
  "clamav-memory": {
    level: "warn",
    summary:
      "ClamAV with a memory limit under about 2.5 GiB: loading its signatures gets the container OOM-killed.",
    remediation:
      "Raise `memoryLimit` to at least `3g`, or turn ClamAV off (dms-reference.md §6.4).",
  },
  "memory-low": {
    level: "warn",
    summary: "A memory limit under 512 MiB, below docker-mailserver's minimum.",
    remediation: "Raise `memoryLimit` to at least `1g` (2 GiB recommended).",
  },
  "fail2ban-net-admin": {
    level: "error",
    summary:
      "Fail2Ban is on but the explicit `capabilities` list lacks NET_ADMIN, so it cannot ban anyone.",
    remediation:
      "Add `NET_ADMIN` to `capabilities`, or omit `capabilities` (it is then added for you).",
  },
  "dnsbl-public-resolver": {
    level: "error",
    summary:
      "DNSBL checks with a public resolver as the container's DNS: blocklists refuse those queries, so the checks do nothing.",
    remediation:
      "Use your own recursive resolver (e.g. a local unbound) in `dnsResolvers`, or turn DNSBL off.",
  },
  "dkim-key-source": {
    level: "error",
    summary: "A DKIM key is given twice (`privateKey` and `privateKeyFile`).",
    remediation: "Keep one of them.",
  },
  "dkim-key-format": {
    level: "error",
    summary: "A DKIM `privateKey` is not an RSA private key in PEM form of at least 1024 bits.",
    remediation:
      "Give the PEM (`-----BEGIN PRIVATE KEY-----` or `-----BEGIN RSA PRIVATE KEY-----`) of an RSA key.",
  },
  "dkim-key-size": {
    level: "warn",
    summary: "An adopted DKIM key's size differs from `keySize`; the key wins.",
    remediation: "Set `keySize` to the key's size.",
  },
  "dkim-weak-key": {
    level: "warn",
    summary: "A 1024-bit DKIM key; RFC 8301 §3.2 asks signers for 2048 bits.",
    remediation: "Use `keySize: 2048`.",
  },
  "dkim-no-signer": {
    level: "warn",
    summary: "DKIM is enabled on domains but neither rspamd nor OpenDKIM runs, so nothing signs.",
    remediation: "Turn on rspamd or OpenDKIM, or set `dkim.enabled: false` on those domains.",
  },
  "spf-mechanism": {
    level: "error",
    summary:
      "An SPF mechanism is malformed, is `all` (use `spf.all`) or is an ignored `redirect=`.",
    remediation:
      "Write one RFC 7208 mechanism per item, such as `include:_spf.example.net` or `ip4:192.0.2.0/24`.",
  },
  "spf-multiple-records": {
    level: "error",
    summary:
      "A whole `v=spf1` record written as a mechanism; it would yield two SPF records for one name, which is a permerror (RFC 7208 §3.2).",
    remediation:
      "List only the mechanisms (without `v=spf1` and `all`); the record is built for you.",
  },
  "spf-lookup-limit": {
    level: "error",
    summary:
      "An SPF record needs more than 10 DNS lookups, so receivers return permerror (RFC 7208 §4.6.4).",
    remediation: "Replace `include:`s by `ip4:`/`ip6:` ranges, or drop unused mechanisms.",
  },
  "spf-include-loop": {
    level: "error",
    summary: "Domains of this spec `include:` each other in a cycle.",
    remediation: "Remove one `include:` of the cycle.",
  },
  "spf-ptr": {
    level: "warn",
    summary: "The `ptr` mechanism is slow and unreliable; RFC 7208 §5.5 says not to use it.",
    remediation: "Use `a`, `mx`, `ip4:` or `ip6:` instead.",
  },
  "spf-duplicate-mechanism": {
    level: "warn",
    summary: "An SPF mechanism is listed twice (or `mx` while `spf.mx` already adds it).",
    remediation: "Remove the duplicate.",
  },
  "dmarc-mailto": {
    level: "error",
    summary: "A DMARC `rua`/`ruf` destination is not a `mailto:` URI (RFC 7489 §6.4).",
    remediation: "Write `mailto:dmarc@example.com`.",
  },
  "dmarc-ruf-without-rua": {
    level: "warn",
    summary: "DMARC failure reports (`ruf`) without aggregate reports (`rua`).",
    remediation: "Add an `rua` destination; most receivers send only aggregate reports.",
  },
  "dmarc-pct-none": {
    level: "info",
    summary: "`pct` below 100 with `policy: none` has no effect.",
    remediation: "Drop `pct`, or use it while moving to `quarantine` or `reject`.",
  },

  "tlsrpt-uri": {
    level: "error",
    summary: "A TLS-RPT `rua` is not a `mailto:` or `https:` URI (RFC 8460 §3).",
    remediation: "Write `mailto:tls-reports@example.com` or an `https://` URL.",
  },
  "caa-iodef-uri": {
    level: "error",
    summary: "A CAA `iodef` is not a `mailto:` or `https:` URI (RFC 8659 §4.4).",
    remediation: "Write `mailto:security@example.com` or an `https://` URL.",
  },
  "caa-issuer": {
    level: "error",
    summary: "A CAA issuer is not a CA domain name (RFC 8659 §4.2).",
    remediation: "Write the CA's domain, such as `letsencrypt.org`.",
  },
  "caa-blocks-letsencrypt": {
    level: "error",
    summary:
      "TLS uses Let's Encrypt but the CAA record covering the hostname does not allow `letsencrypt.org`, so certificates cannot be issued.",
    remediation: "Add `letsencrypt.org` to `caa.issuers`.",
  },
  "mta-sts-certificate": {
    level: "error",
    summary:
      "MTA-STS `enforce` with TLS `none` or `self-signed`: senders that honour the policy refuse to deliver.",
    remediation:
      "Use `letsencrypt` or a `manual` CA-signed certificate, or MTA-STS mode `testing`.",
  },
  "relay-credentials": {
    level: "error",
    summary:
      "A relay has a username without a password source, a password without a username, or two password sources.",
    remediation: "Give `username` with exactly one of `password` or `passwordEnv`, or neither.",
  },
  "tls-none": {
    level: "warn",
    summary: "TLS `none`: passwords travel in plain text. For testing only.",
    remediation: "Use `letsencrypt` or `manual`.",
  },
  "tls-self-signed": {
    level: "info",
    summary: "A self-signed certificate: mail clients warn, MTA-STS cannot be enforced.",
    remediation: "Use `letsencrypt` or `manual` in production.",
  },
  "tls-path-absolute": {
    level: "error",
    summary: "A TLS host path is relative; Docker bind mounts need absolute host paths.",
    remediation: "Write an absolute path such as `/etc/ssl/mail/fullchain.pem`.",
  },
  "service-feature-off": {
    level: "warn",
    summary: "A service is exposed but its feature is off, so the port stays closed.",
    remediation: "Turn the feature on, or drop the service's exposure.",
  },
  "smtp-not-public": {
    level: "warn",
    summary: "Port 25 is not public, so other servers cannot deliver mail to this one.",
    remediation: "Set `services.smtp.expose: public`, unless mail reaches you another way.",
  },
  "env-derived": {
    level: "warn",
    summary:
      "An `env` entry sets a variable the library derives from the spec; the `env` value wins.",
    remediation: "Use the matching spec field instead, so the rest of the plan agrees with it.",
  },
  "env-secret": {
    level: "error",
    summary: "An `env` entry holds a secret (a password, secret or token) in plain text.",
    remediation:
      "Use the secret fields (`relay.password`, `relay.passwordEnv`, account passwords), or the `<NAME>__FILE` form pointing at a mounted file.",
  },
  "env-removed": {
    level: "warn",
    summary: "An `env` variable docker-mailserver removed or renamed (dms-reference.md §3.9).",
    remediation: "Use its replacement, named in the message.",
  },
  "env-newline": {
    level: "error",
    summary: "An `env` value holds a line break; `mailserver.env` is one `KEY=value` per line.",
    remediation: "Put the value on one line.",
  },
  "permit-docker": {
    level: "warn",
    summary:
      "`PERMIT_DOCKER` other than `none` trusts whole Docker networks and risks an open relay.",
    remediation: "Leave `PERMIT_DOCKER` unset unless you know which containers must relay.",
  },
  "passthrough-control-char": {
    level: "error",
    summary:
      "Passthrough text (`overrides.*`) holds a CR (CRLF line ending) or NUL; DMS copies these files verbatim and they break.",
    remediation:
      "Save the text with LF line endings and no NUL characters (dms-reference.md §1.1).",
  },
  "image-tag-floating": {
    level: "error",
    summary:
      "The image tag `latest` or `edge` moves across major versions (Dovecot 2.3 to 2.4), breaking files written for one.",
    remediation: "Pin a release tag such as `15.1.0` (dms-reference.md §9.10).",
  },
  "ip-not-public": {
    level: "warn",
    summary:
      "`ipv4`/`ipv6` is a private or reserved address; other servers cannot reach it. Documentation ranges are allowed.",
    remediation: "Use the host's public address.",
  },

  "timezone-unknown": {
    level: "warn",
    summary: "`timezone` is not a time zone this Node.js knows.",
    remediation: "Use an IANA name such as `Europe/Berlin` or `UTC`.",
  },
  "internal-error": {
    level: "error",
    summary: "Validation itself failed; this is a bug in pulumi-docker-mailserver.",
    remediation: "Report it with the spec that caused it (secrets removed).",
  },
} as const satisfies Record<string, RuleMeta>;

/** A finding id. */
export type RuleId = keyof typeof RULES;

/** Builds a finding for `id` at `path` with the rule's level and remediation. */
export function finding(id: RuleId, path: string, message: string): Finding {
  const meta: RuleMeta = RULES[id];
  return { id, level: meta.level, path, message, remediation: meta.remediation };
}

/** Shows a bad value in a message: JSON, shortened, never throwing (cyclic or BigInt input). */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return `a ${typeof value}`;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

// ---------------------------------------------------------------------------------------------
// Input of the rule pass
// ---------------------------------------------------------------------------------------------

/** The top-level lists whose elements validation may drop (see `validate.ts`). */
export type ListSection = "domains" | "accounts" | "aliases" | "devnull";

/**
 * What `checkRules` needs besides the spec when the schema rejected parts of the input and those
 * parts were dropped so the rules can still run on the rest.
 */
export interface PartialInfo {
  /** For each list, the original index of each remaining element. */
  readonly origin: Partial<Record<ListSection, readonly number[]>>;
  /** Names of dropped domains (treated as declared); `undefined` when one had no readable name. */
  readonly domains: ReadonlySet<string> | undefined;
  /** Addresses of dropped accounts, aliases and devnull entries (treated as deliverable). */
  readonly addresses: ReadonlySet<string>;
  /** The hostname was invalid and replaced by a placeholder: rules comparing with it stay quiet. */
  readonly hostnameUnknown: boolean;
}

type Path = readonly PropertyKey[];

class Reporter {
  readonly findings: Finding[] = [];
  constructor(private readonly partial: PartialInfo | undefined) {}

  /** The path as the user wrote it: list indices mapped back when elements were dropped. */
  where(path: Path): string {
    const origin = this.partial?.origin;
    const section = path[0];
    const index = path[1];
    if (origin !== undefined && typeof index === "number" && typeof section === "string") {
      const map = origin[section as ListSection];
      if (map !== undefined && map[index] !== undefined) {
        return formatPath([section, map[index]!, ...path.slice(2)]);
      }
    }
    return formatPath(path);
  }

  report(id: RuleId, path: Path, message: string): void {
    this.findings.push(finding(id, this.where(path), message));
  }
}

// ---------------------------------------------------------------------------------------------
// The rule pass
// ---------------------------------------------------------------------------------------------

/**
 * Runs every cross-field rule on a schema-valid spec and returns the findings (unsorted; the
 * caller sorts). `partial` is given when some elements were dropped for schema errors: rules that
 * judge absence (no accounts, undeliverable targets) then stay quiet.
 */
export function checkRules(spec: MailServerSpec, partial?: PartialInfo): Finding[] {
  const r = new Reporter(partial);
  const ctx = buildContext(spec, partial);
  checkHost(spec, ctx, r);
  checkDomains(spec, ctx, r);
  checkAddresses(spec, ctx, r);
  checkAliasLoops(ctx, r);
  checkAccounts(spec, r);
  checkFeatures(spec, r);
  checkDkim(spec, r);
  checkSpf(spec, ctx, r);
  checkReports(spec, ctx, r);
  checkTlsAndServices(spec, r);
  checkEnv(spec, r);
  checkOverrides(spec, r);
  return r.findings;
}

interface Context {
  /** Declared domain name -> index of its first declaration. */
  readonly domainIndex: ReadonlyMap<string, number>;
  /** Account address -> index of its first declaration. */
  readonly accountIndex: ReadonlyMap<string, number>;
  /** Alias keys (incl. account aliases, catch-alls `@d`) -> their resolution targets. */
  readonly aliasTargets: ReadonlyMap<string, readonly string[]>;
  /** Alias keys -> where they are declared. */
  readonly aliasPath: ReadonlyMap<string, Path>;
  readonly devnull: ReadonlySet<string>;
  /** Domains with a catch-all alias. */
  readonly catchAll: ReadonlySet<string>;
  readonly partial: PartialInfo | undefined;
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1);
}

function buildContext(spec: MailServerSpec, partial: PartialInfo | undefined): Context {
  const domainIndex = new Map<string, number>();
  spec.domains.forEach((d, i) => {
    if (!domainIndex.has(d.name)) domainIndex.set(d.name, i);
  });
  const accountIndex = new Map<string, number>();
  spec.accounts.forEach((a, i) => {
    if (!accountIndex.has(a.address)) accountIndex.set(a.address, i);
  });
  const aliasTargets = new Map<string, readonly string[]>();
  const aliasPath = new Map<string, Path>();
  const catchAll = new Set<string>();
  spec.accounts.forEach((a, i) => {
    a.aliases.forEach((alias, k) => {
      if (aliasTargets.has(alias) || accountIndex.has(alias)) return;
      aliasTargets.set(alias, [a.address]);
      aliasPath.set(alias, ["accounts", i, "aliases", k]);
    });
  });
  spec.aliases.forEach((a, i) => {
    if (aliasTargets.has(a.address) || accountIndex.has(a.address)) return;
    aliasTargets.set(a.address, a.targets);
    aliasPath.set(a.address, ["aliases", i, "address"]);
    if (a.address.startsWith("@")) catchAll.add(a.address.slice(1));
  });
  return {
    domainIndex,
    accountIndex,
    aliasTargets,
    aliasPath,
    devnull: new Set(spec.devnull),
    catchAll,
    partial,
  };
}

/** Is mail to `address` accepted by this server (account, alias, devnull or catch-all)? */
function deliverable(ctx: Context, address: string): boolean {
  return (
    ctx.accountIndex.has(address) ||
    ctx.aliasTargets.has(address) ||
    ctx.devnull.has(address) ||
    ctx.catchAll.has(domainOf(address)) ||
    (ctx.partial?.addresses.has(address) ?? false)
  );
}

function isDeclaredDomain(ctx: Context, domain: string): boolean {
  return ctx.domainIndex.has(domain) || (ctx.partial?.domains?.has(domain) ?? false);
}

// ---- hostname, image, addresses of the host ------------------------------------------------

function checkHost(spec: MailServerSpec, ctx: Context, r: Reporter): void {
  const tag = spec.image.tag;
  if (tag === "latest" || tag === "edge") {
    r.report(
      "image-tag-floating",
      ["image", "tag"],
      `must be a pinned release such as "15.1.0", got ${show(tag)}: it moves to new major versions`,
    );
  }
  // With an invalid hostname (replaced by a placeholder) these checks would only mislead.
  const hostKnown = ctx.partial?.hostnameUnknown !== true;
  if (hostKnown && spec.bareDomain && !ctx.domainIndex.has(spec.hostname)) {
    r.report(
      "bare-domain-unused",
      ["bareDomain"],
      `is true but no domain is named like the hostname ${show(spec.hostname)}`,
    );
  }
  for (const [field, ip] of [
    ["ipv4", spec.ipv4],
    ["ipv6", spec.ipv6],
  ] as const) {
    if (ip === undefined) continue;
    const why = field === "ipv4" ? ipv4NotPublic(ip) : ipv6NotPublic(ip);
    if (why !== undefined) {
      r.report(
        "ip-not-public",
        [field],
        `is ${why}, not reachable from the internet, got ${show(ip)}`,
      );
    }
  }
  if (!validTimeZone(spec.timezone)) {
    r.report(
      "timezone-unknown",
      ["timezone"],
      `is not a known time zone, got ${show(spec.timezone)}`,
    );
  }
}

const timeZoneCache = new Map<string, boolean>();
function validTimeZone(tz: string): boolean {
  let ok = timeZoneCache.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    timeZoneCache.set(tz, ok);
  }
  return ok;
}

// ---- domains ---------------------------------------------------------------------------------

function checkDomains(spec: MailServerSpec, ctx: Context, r: Reporter): void {
  spec.domains.forEach((d, i) => {
    const first = ctx.domainIndex.get(d.name)!;
    if (first !== i) {
      r.report(
        "domain-duplicate",
        ["domains", i, "name"],
        `${show(d.name)} is already declared at ${r.where(["domains", first])}; two entries would publish two MX, SPF and DMARC record sets`,
      );
    }
    if (d.name === spec.hostname && !spec.bareDomain) {
      r.report(
        "domain-is-hostname",
        ["domains", i, "name"],
        `${show(d.name)} is the hostname, which Postfix lists in mydestination, so its mail is rejected as "User unknown in local recipient table"; set bareDomain: true or use a hostname such as "mail.${d.name}"`,
      );
    }
  });
}

// ---- accounts, aliases, devnull ----------------------------------------------------------------

/** Checks one address's domain: declared, and not the hostname (mydestination clash). */
function checkAddressDomain(
  spec: MailServerSpec,
  ctx: Context,
  r: Reporter,
  path: Path,
  address: string,
): void {
  const domain = domainOf(address);
  if (domain === spec.hostname && !spec.bareDomain) {
    // A declared domain equal to the hostname is reported once, at the domain.
    if (!ctx.domainIndex.has(domain)) {
      r.report(
        "address-on-hostname",
        path,
        `${show(address)} is on the hostname ${show(spec.hostname)}, which Postfix treats as a local domain (mydestination), so mail to it is rejected; use a declared mail domain or bareDomain: true`,
      );
    }
    return;
  }
  if (ctx.partial !== undefined && ctx.partial.domains === undefined) return;
  if (!isDeclaredDomain(ctx, domain)) {
    r.report(
      "address-domain-undeclared",
      path,
      `${show(address)} is in ${show(domain)}, which is not in domains`,
    );
  }
}

function checkAddresses(spec: MailServerSpec, ctx: Context, r: Reporter): void {
  /** Every alias-like declaration seen so far: address -> where. */
  const aliasSeen = new Map<string, Path>();
  const accountRef = (address: string): string =>
    r.where(["accounts", ctx.accountIndex.get(address)!]);

  spec.accounts.forEach((a, i) => {
    const first = ctx.accountIndex.get(a.address)!;
    if (first !== i) {
      r.report(
        "account-duplicate",
        ["accounts", i, "address"],
        `${show(a.address)} is already declared at ${r.where(["accounts", first])}`,
      );
    }
    checkAddressDomain(spec, ctx, r, ["accounts", i, "address"], a.address);
  });

  const declareAlias = (path: Path, address: string, kind: string): void => {
    if (ctx.accountIndex.has(address)) {
      r.report(
        "account-alias-conflict",
        path,
        `${show(address)} is already an account (${accountRef(address)}); an address is either an account or ${kind}`,
      );
      return;
    }
    const seen = aliasSeen.get(address);
    if (seen !== undefined) {
      r.report(
        "alias-duplicate",
        path,
        `${show(address)} is already declared at ${r.where(seen)}; declare it once with all its targets`,
      );
      return;
    }
    aliasSeen.set(address, path);
    checkAddressDomain(spec, ctx, r, path, address);
  };

  spec.accounts.forEach((a, i) => {
    a.aliases.forEach((alias, k) => declareAlias(["accounts", i, "aliases", k], alias, "an alias"));
  });
  spec.aliases.forEach((a, i) => {
    declareAlias(["aliases", i, "address"], a.address, "an alias");
    a.targets.forEach((t, k) => {
      if (t === a.address) {
        r.report(
          "alias-self-target",
          ["aliases", i, "targets", k],
          `${show(t)} is the alias itself; Postfix would deliver it to a mailbox that does not exist`,
        );
      } else if (
        ctx.partial === undefined &&
        isDeclaredDomain(ctx, domainOf(t)) &&
        !deliverable(ctx, t)
      ) {
        r.report(
          "alias-target-unknown",
          ["aliases", i, "targets", k],
          `${show(t)} is in the declared domain ${show(domainOf(t))} but is no account, alias or devnull address, so mail to it bounces`,
        );
      }
    });
  });
  spec.devnull.forEach((d, i) => declareAlias(["devnull", i], d, "a devnull sink"));

  // Catch-alls take precedence over accounts in Postfix; the dms files add self-aliases.
  if (spec.aliases.some((a) => a.address.startsWith("@"))) {
    const accountsPerDomain = new Map<string, number>();
    for (const a of spec.accounts) {
      const d = domainOf(a.address);
      accountsPerDomain.set(d, (accountsPerDomain.get(d) ?? 0) + 1);
    }
    spec.aliases.forEach((a, i) => {
      if (!a.address.startsWith("@") || ctx.aliasPath.get(a.address)?.[1] !== i) return;
      const n = accountsPerDomain.get(a.address.slice(1)) ?? 0;
      if (n === 0) return;
      r.report(
        "catch-all-self-aliases",
        ["aliases", i, "address"],
        `catch-all ${show(a.address)} would also take the mail of ${n} account${n === 1 ? "" : "s"} of its domain; self-aliases are written so they keep it`,
      );
    });
  }

  if (spec.accounts.length === 0 && !spec.features.smtpOnly && ctx.partial === undefined) {
    r.report(
      "no-accounts",
      ["accounts"],
      "is empty: docker-mailserver waits about 120 s for an account, then stops; add one, or set features.smtpOnly: true for a send-only server",
    );
  }
  if (spec.accounts.length > 0 && spec.features.smtpOnly) {
    r.report(
      "smtp-only-accounts",
      ["accounts"],
      `lists ${spec.accounts.length} account${spec.accounts.length === 1 ? "" : "s"}, but features.smtpOnly runs no Dovecot, so they get no mailbox`,
    );
  }
  if (
    spec.postmaster !== undefined &&
    ctx.partial === undefined &&
    isDeclaredDomain(ctx, domainOf(spec.postmaster))
  ) {
    if (!deliverable(ctx, spec.postmaster) || ctx.devnull.has(spec.postmaster)) {
      r.report(
        "postmaster-undeliverable",
        ["postmaster"],
        `${show(spec.postmaster)} is no account or alias, so mail to the postmaster ${ctx.devnull.has(spec.postmaster) ? "is discarded" : "bounces"}`,
      );
    }
  }
}

/**
 * Alias loops, linear in aliases plus targets: an iterative depth-first search over alias keys.
 * A target resolves to the alias of that address, else (not an account or devnull) to the
 * catch-all of its domain, which is how Postfix's virtual(5) lookup proceeds.
 */
function checkAliasLoops(ctx: Context, r: Reporter): void {
  const next = (target: string): string | undefined => {
    if (ctx.aliasTargets.has(target)) return target;
    if (ctx.accountIndex.has(target) || ctx.devnull.has(target)) return undefined;
    const d = domainOf(target);
    return ctx.catchAll.has(d) && ctx.aliasTargets.has(`@${d}`) ? `@${d}` : undefined;
  };
  const order = new Map<string, number>();
  for (const key of ctx.aliasTargets.keys()) order.set(key, order.size);
  const state = new Map<string, 1 | 2>(); // 1 on the stack, 2 done
  const reported = new Set<string>();
  for (const start of ctx.aliasTargets.keys()) {
    if (state.has(start)) continue;
    const stack: { node: string; edges: readonly string[]; i: number }[] = [];
    const push = (node: string): void => {
      state.set(node, 1);
      const edges = ctx.aliasTargets.get(node)!.filter((t) => t !== node);
      stack.push({ node, edges, i: 0 });
    };
    push(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i >= top.edges.length) {
        state.set(top.node, 2);
        stack.pop();
        continue;
      }
      const target = top.edges[top.i++]!;
      const node = next(target);
      if (node === undefined || node === top.node) continue;
      const s = state.get(node);
      if (s === undefined) {
        push(node);
      } else if (s === 1) {
        const from = stack.findIndex((f) => f.node === node);
        const cycle = stack.slice(from).map((f) => f.node);
        // Start the cycle at its first declared alias, so each loop is reported once, stably.
        let best = 0;
        for (let k = 1; k < cycle.length; k++) {
          if (order.get(cycle[k]!)! < order.get(cycle[best]!)!) best = k;
        }
        const rotated = [...cycle.slice(best), ...cycle.slice(0, best)];
        const key = rotated.join(" ");
        if (reported.has(key)) continue;
        reported.add(key);
        r.report(
          "alias-loop",
          ctx.aliasPath.get(rotated[0]!)!,
          `${show(rotated[0])} forwards in a loop: ${[...rotated, rotated[0]].join(" -> ")}; the mail never arrives`,
        );
      }
    }
  }
}

// ---- accounts: passwords and quotas ---------------------------------------------------------

/** Dovecot schemes fit for storing passwords (dms-reference.md §1.3). */
const STRONG_SCHEMES = new Set([
  "SHA512-CRYPT",
  "SHA256-CRYPT",
  "BLF-CRYPT",
  "ARGON2I",
  "ARGON2ID",
  "PBKDF2",
  "SCRAM-SHA-256",
]);
/** Dovecot schemes that work but are weak or plain text. */
const WEAK_SCHEMES = new Set([
  "PLAIN",
  "CLEAR",
  "CLEARTEXT",
  "PLAIN-TRUNC",
  "PLAIN-MD4",
  "PLAIN-MD5",
  "LDAP-MD5",
  "MD5",
  "MD5-CRYPT",
  "SMD5",
  "CRYPT",
  "DES-CRYPT",
  "SHA",
  "SHA1",
  "SSHA",
  "SHA256",
  "SSHA256",
  "SHA512",
  "SSHA512",
  "CRAM-MD5",
  "DIGEST-MD5",
  "SCRAM-SHA-1",
  "NTLM",
  "LANMAN",
  "OTP",
  "RPA",
]);
/** `$6$[rounds=N$]salt$hash`: glibc crypt SHA-512 (what `doveadm pw -s SHA512-CRYPT` prints). */
const SHA512_CRYPT = /^\$6\$(?:rounds=[0-9]+\$)?[./0-9A-Za-z]{1,16}\$[./0-9A-Za-z]{86}$/;

function checkAccounts(spec: MailServerSpec, r: Reporter): void {
  const quotasOn = spec.features.quotas && !spec.features.smtpOnly;
  spec.accounts.forEach((a, i) => {
    const sources = (["password", "passwordEnv", "passwordHash"] as const).filter(
      (k) => a[k] !== undefined,
    );
    if (sources.length !== 1) {
      r.report(
        "password-source",
        ["accounts", i],
        sources.length === 0
          ? `${show(a.address)} needs one of password, passwordEnv or passwordHash, got none`
          : `${show(a.address)} needs exactly one password source, got ${sources.join(", ")}`,
      );
    }
    if (a.passwordHash !== undefined) checkHash(a.passwordHash, ["accounts", i, "passwordHash"], r);
    // DMS reads dovecot-quotas.cf with an unanchored basic-regex grep (dms-reference.md §1.3); the
    // dms layer orders lines so that "." cannot shadow, but "*" and a leading "^" change the pattern.
    if (quotasOn && (a.address.includes("*") || a.address.startsWith("^"))) {
      r.report(
        "quota-lookup-pattern",
        ["accounts", i, "address"],
        `${show(a.address)} holds a grep pattern character (* or a leading ^): DMS may give it another account's quota or none`,
      );
    }
    if (a.quota !== undefined && !quotasOn) {
      r.report(
        "quota-ignored",
        ["accounts", i, "quota"],
        `is ${show(a.quota)} but quotas are off (${spec.features.smtpOnly ? "features.smtpOnly" : "features.quotas: false"})`,
      );
    }
  });
}

/** Hash checks; the hash itself is a secret and never appears in a message. */
function checkHash(hash: string, path: Path, r: Reporter): void {
  const bad: string[] = [];
  if (hash.includes("|")) bad.push('"|"');
  if (hash.includes(":")) bad.push('":"');
  if (/[\r\n]/.test(hash)) bad.push("a line break");
  if (bad.length > 0) {
    r.report(
      "password-hash-format",
      path,
      `must not contain ${bad.join(" or ")}, which split the accounts file (value hidden: secret)`,
    );
    return;
  }
  const m = /^\{([A-Za-z0-9._-]+)\}(.*)$/s.exec(hash);
  if (m === null) {
    r.report(
      "password-hash-format",
      path,
      hash.startsWith("$6$")
        ? 'must start with a {SCHEME} prefix: write "{SHA512-CRYPT}" before the "$6$" hash (value hidden: secret)'
        : "must start with a {SCHEME} prefix such as {SHA512-CRYPT} (value hidden: secret)",
    );
    return;
  }
  const scheme = m[1]!.toUpperCase().replace(/\.(B64|BASE64|HEX)$/, "");
  const body = m[2]!;
  if (scheme === "SHA512-CRYPT" && !SHA512_CRYPT.test(body)) {
    r.report(
      "password-hash-format",
      path,
      "is not a SHA512-CRYPT hash ($6$<salt>$<86 characters>) after its {SHA512-CRYPT} prefix (value hidden: secret)",
    );
  } else if (WEAK_SCHEMES.has(scheme)) {
    r.report(
      "password-hash-weak",
      path,
      `uses the weak scheme {${m[1]}}; re-hash with {SHA512-CRYPT}`,
    );
  } else if (!STRONG_SCHEMES.has(scheme)) {
    r.report("password-hash-scheme", path, `uses the unknown scheme {${m[1]}}`);
  }
}

// ---- features, memory, capabilities, resolvers -----------------------------------------------

const GIB = 1024 ** 3;
/** ClamAV loads about 850 MB of signatures on top of the rest (dms-reference.md §6.4). */
const CLAMAV_MIN_BYTES = 2.5 * GIB;
const DMS_MIN_BYTES = 512 * 1024 ** 2;

/**
 * Well-known public resolvers. DNSBLs (Spamhaus first) refuse or poison queries coming from them,
 * so postscreen's DNSBL checks silently stop working.
 */
const PUBLIC_RESOLVERS: ReadonlyMap<string, string> = new Map(
  (
    [
      ["Cloudflare", ["1.1.1.1", "1.0.0.1", "1.1.1.2", "1.0.0.2", "1.1.1.3", "1.0.0.3"]],
      ["Cloudflare", ["2606:4700:4700::1111", "2606:4700:4700::1001"]],
      ["Cloudflare", ["2606:4700:4700::1112", "2606:4700:4700::1002"]],
      ["Cloudflare", ["2606:4700:4700::1113", "2606:4700:4700::1003"]],
      ["Google", ["8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844"]],
      ["Quad9", ["9.9.9.9", "149.112.112.112", "9.9.9.10", "149.112.112.10", "9.9.9.11"]],
      ["Quad9", ["149.112.112.11", "2620:fe::fe", "2620:fe::9", "2620:fe::10", "2620:fe::fe:10"]],
      ["Quad9", ["2620:fe::11", "2620:fe::fe:11"]],
      ["OpenDNS", ["208.67.222.222", "208.67.220.220", "208.67.222.123", "208.67.220.123"]],
      ["OpenDNS", ["2620:119:35::35", "2620:119:53::53"]],
      ["AdGuard", ["94.140.14.14", "94.140.15.15", "2a10:50c0::ad1:ff", "2a10:50c0::ad2:ff"]],
      ["Control D", ["76.76.2.0", "76.76.10.0", "2606:1a40::", "2606:1a40:1::"]],
      ["Level3", ["4.2.2.1", "4.2.2.2", "4.2.2.3", "4.2.2.4", "4.2.2.5", "4.2.2.6"]],
      ["DNS.WATCH", ["84.200.69.80", "84.200.70.40"]],
      ["Comodo", ["8.26.56.26", "8.20.247.20"]],
      ["Verisign", ["64.6.64.6", "64.6.65.6"]],
      ["Yandex", ["77.88.8.8", "77.88.8.1"]],
    ] as const
  ).flatMap(([name, ips]) => ips.map((ip) => [canonicalIp(ip)!, name] as [string, string])),
);

function checkFeatures(spec: MailServerSpec, r: Reporter): void {
  const f = spec.features;
  if (f.rspamd) {
    for (const [key, value, what] of [
      ["amavis", f.amavis, "Amavis"],
      ["spamassassin", f.spamassassin, "SpamAssassin"],
      ["opendkim", f.opendkim === true, "OpenDKIM"],
    ] as const) {
      if (value) {
        r.report(
          "rspamd-conflict",
          ["features", key],
          `cannot be combined with features.rspamd: rspamd already does what ${what} does, and mail would be ${key === "opendkim" ? "signed" : "filtered"} twice`,
        );
      }
    }
    for (const [key, what] of [
      ["opendmarc", "DMARC"],
      ["policydSpf", "SPF"],
    ] as const) {
      if (f[key] === true) {
        r.report(
          "rspamd-redundant",
          ["features", key],
          `is on next to features.rspamd, which already checks ${what}`,
        );
      }
    }
  }
  if (f.spamassassin && !f.amavis) {
    r.report(
      "spamassassin-without-amavis",
      ["features", "spamassassin"],
      "needs features.amavis: docker-mailserver turns SpamAssassin off without Amavis",
    );
  }
  if (f.clamav && !f.amavis && !f.rspamd) {
    r.report(
      "clamav-without-scanner",
      ["features", "clamav"],
      "needs features.amavis or features.rspamd to pass it mail; alone it scans nothing",
    );
  }
  if (spec.memoryLimit !== undefined) {
    const bytes = memoryBytes(spec.memoryLimit);
    if (bytes !== undefined && f.clamav && bytes < CLAMAV_MIN_BYTES) {
      r.report(
        "clamav-memory",
        ["memoryLimit"],
        `is ${show(spec.memoryLimit)} (${(bytes / GIB).toFixed(2)} GiB), under the about 2.5 GiB ClamAV needs; the container gets OOM-killed`,
      );
    } else if (bytes !== undefined && bytes < DMS_MIN_BYTES) {
      r.report(
        "memory-low",
        ["memoryLimit"],
        `is ${show(spec.memoryLimit)}, under the 512 MiB docker-mailserver needs`,
      );
    }
  }
  if (f.fail2ban && spec.capabilities !== undefined && !spec.capabilities.includes("NET_ADMIN")) {
    r.report(
      "fail2ban-net-admin",
      ["capabilities"],
      `must include "NET_ADMIN" for features.fail2ban to ban addresses, got ${show(spec.capabilities)}`,
    );
  }
  if (f.dnsbl && spec.dnsResolvers !== undefined) {
    spec.dnsResolvers.forEach((ip, i) => {
      const owner = PUBLIC_RESOLVERS.get(canonicalIp(ip) ?? ip);
      if (owner !== undefined) {
        r.report(
          "dnsbl-public-resolver",
          ["dnsResolvers", i],
          `is ${owner}'s public resolver ${show(ip)}; DNSBLs refuse queries from it, so features.dnsbl checks nothing`,
        );
      }
    });
  }
}

// ---- DKIM ------------------------------------------------------------------------------------

function checkDkim(spec: MailServerSpec, r: Reporter): void {
  const unsigned: string[] = [];
  spec.domains.forEach((d, i) => {
    const k = d.dkim;
    if (k.privateKey !== undefined && k.privateKeyFile !== undefined) {
      r.report(
        "dkim-key-source",
        ["domains", i, "dkim"],
        "has both privateKey and privateKeyFile; keep one",
      );
    }
    let bits: number | undefined;
    if (k.privateKey !== undefined) {
      bits = rsaKeyBits(k.privateKey);
      if (bits === undefined || bits < 1024) {
        r.report(
          "dkim-key-format",
          ["domains", i, "dkim", "privateKey"],
          bits === undefined
            ? "must be an RSA private key in PEM form (value hidden: secret)"
            : `is a ${bits}-bit RSA key; RFC 8301 §3.2 requires at least 1024 bits (value hidden: secret)`,
        );
      } else if (bits !== k.keySize) {
        r.report(
          "dkim-key-size",
          ["domains", i, "dkim", "keySize"],
          `is ${k.keySize} but the adopted key has ${bits} bits; the key's size is what counts`,
        );
      }
    }
    if ((bits ?? k.keySize) === 1024 && k.enabled) {
      r.report(
        "dkim-weak-key",
        ["domains", i, "dkim", bits === undefined ? "keySize" : "privateKey"],
        "is a 1024-bit key; RFC 8301 §3.2 asks for 2048 bits",
      );
    }
    if (k.enabled) unsigned.push(d.name);
  });
  if (unsigned.length > 0 && dkimEngine(spec) === "none") {
    const names = unsigned
      .slice(0, 3)
      .map((n) => show(n))
      .join(", ");
    r.report(
      "dkim-no-signer",
      ["features"],
      `runs neither rspamd nor OpenDKIM, so nothing signs mail for ${unsigned.length} domain${unsigned.length === 1 ? "" : "s"} with DKIM enabled (${names}${unsigned.length > 3 ? ", ..." : ""})`,
    );
  }
}

const keyBitsCache = new Map<string, number | undefined>();
/** The modulus size of a PEM RSA private key, or undefined when it is none. */
function rsaKeyBits(pem: string): number | undefined {
  if (keyBitsCache.has(pem)) return keyBitsCache.get(pem);
  let bits: number | undefined;
  try {
    const key = createPrivateKey({ key: pem, format: "pem" });
    bits = key.asymmetricKeyType === "rsa" ? key.asymmetricKeyDetails?.modulusLength : undefined;
  } catch {
    bits = undefined;
  }
  keyBitsCache.set(pem, bits);
  return bits;
}

// ---- SPF -------------------------------------------------------------------------------------

const SPF_DOMAIN_SPEC = "[^\\s/]+";
const SPF_TERM = new RegExp(
  `^[+?~-]?(?:all|include:(${SPF_DOMAIN_SPEC})|exists:${SPF_DOMAIN_SPEC}|` +
    `(?:a|mx)(?::${SPF_DOMAIN_SPEC})?(?:/[0-9]{1,2})?(?://[0-9]{1,3})?|ptr(?::${SPF_DOMAIN_SPEC})?|` +
    `ip4:([0-9.]+)(?:/([0-9]{1,2}))?|ip6:([0-9a-f:.]+)(?:/([0-9]{1,3}))?)$|` +
    `^(redirect|exp)=${SPF_DOMAIN_SPEC}$|^[a-z][a-z0-9_.-]*=\\S*$`,
  "i",
);

/** The DNS lookups one mechanism costs (RFC 7208 §4.6.4), and the managed domain it includes. */
function spfCost(term: string): number {
  const t = term.toLowerCase().replace(/^[+?~-]/, "");
  if (/^(?:a|mx|ptr)(?:[:/]|$)/.test(t)) return 1;
  if (/^(?:include|exists):/.test(t) || t.startsWith("redirect=")) return 1;
  return 0;
}

function checkSpf(spec: MailServerSpec, ctx: Context, r: Reporter): void {
  /** Own lookups (excluding included managed domains), and managed domains included. */
  const own = new Map<string, { cost: number; terms: string[]; includes: string[] }>();
  spec.domains.forEach((d, i) => {
    if (ctx.domainIndex.get(d.name) !== i) return;
    const terms: string[] = d.spf.mx ? ["mx"] : [];
    const includes: string[] = [];
    let cost = d.spf.mx ? 1 : 0;
    const seen = new Set<string>(d.spf.mx ? ["mx"] : []);
    d.spf.mechanisms.forEach((mech, k) => {
      const path: Path = ["domains", i, "spf", "mechanisms", k];
      const lower = mech.toLowerCase();
      if (/^v=spf1(?:\s|$)/.test(lower) || /\sv=spf1(?:\s|$)/.test(lower)) {
        r.report(
          "spf-multiple-records",
          path,
          `is a whole SPF record, got ${show(mech)}; it would make a second "v=spf1" record for ${show(d.name)} (RFC 7208 §3.2 permerror): list only its mechanisms`,
        );
        return;
      }
      const m = SPF_TERM.exec(mech);
      const badIp =
        m !== null &&
        ((m[2] !== undefined && (parseIpv4(m[2]) === undefined || Number(m[3] ?? 32) > 32)) ||
          (m[4] !== undefined && (parseIpv6(m[4]) === undefined || Number(m[5] ?? 128) > 128)));
      if (m === null || badIp) {
        r.report(
          "spf-mechanism",
          path,
          `must be one SPF mechanism such as "include:_spf.example.net" or "ip4:192.0.2.0/24", got ${show(mech)}`,
        );
        return;
      }
      const bare = lower.replace(/^[+?~-]/, "");
      if (bare === "all") {
        r.report(
          "spf-mechanism",
          path,
          `must not be "all", got ${show(mech)}: set spf.all instead`,
        );
        return;
      }
      if (bare.startsWith("redirect=")) {
        r.report(
          "spf-mechanism",
          path,
          `is ignored, got ${show(mech)}: the record always ends in spf.all, and RFC 7208 §6.1 ignores redirect= when "all" is present`,
        );
        return;
      }
      if (seen.has(bare)) {
        r.report(
          "spf-duplicate-mechanism",
          path,
          bare === "mx" && d.spf.mx
            ? `repeats "mx", which spf.mx already adds, costing one more DNS lookup`
            : `repeats ${show(mech)}, costing one more DNS lookup`,
        );
      }
      seen.add(bare);
      if (/^ptr(?::|$)/.test(bare)) {
        r.report(
          "spf-ptr",
          path,
          `uses "ptr", which RFC 7208 §5.5 says not to use, got ${show(mech)}`,
        );
      }
      const lookups = spfCost(mech);
      if (lookups > 0) {
        terms.push(mech);
        cost += lookups;
      }
      // An include of a domain managed here can be expanded: its total is added below.
      const included = m[1]?.toLowerCase();
      if (included !== undefined && ctx.domainIndex.has(included)) includes.push(included);
    });
    own.set(d.name, { cost, terms, includes });
  });

  // Total lookups per domain: own cost plus the totals of included managed domains, memoised,
  // so the whole pass is linear; a cycle of includes is reported once.
  const total = new Map<string, number>();
  const onStack = new Set<string>();
  const loops = new Set<string>();
  const visit = (name: string, chain: string[]): number => {
    const done = total.get(name);
    if (done !== undefined) return done;
    if (onStack.has(name)) {
      const cycle = [...chain.slice(chain.indexOf(name)), name];
      const first = [...cycle.slice(0, -1)].sort(cmp)[0]!;
      if (!loops.has(first)) {
        loops.add(first);
        const i = ctx.domainIndex.get(first)!;
        const at = cycle.indexOf(first);
        const rotated = [...cycle.slice(at, -1), ...cycle.slice(0, at), first];
        r.report(
          "spf-include-loop",
          ["domains", i, "spf", "mechanisms"],
          `includes itself through ${rotated.join(" -> ")}; receivers return permerror`,
        );
      }
      return Infinity;
    }
    const entry = own.get(name)!;
    onStack.add(name);
    chain.push(name);
    let sum = entry.cost;
    for (const inc of entry.includes) sum += visit(inc, chain);
    chain.pop();
    onStack.delete(name);
    total.set(name, sum);
    return sum;
  };
  spec.domains.forEach((d, i) => {
    if (ctx.domainIndex.get(d.name) !== i) return;
    const n = visit(d.name, []);
    if (n > 10 && Number.isFinite(n)) {
      const entry = own.get(d.name)!;
      const parts = entry.terms.map((t) => {
        const inc = /^[+?~-]?include:(.+)$/i.exec(t)?.[1]?.toLowerCase();
        const extra = inc !== undefined ? total.get(inc) : undefined;
        return extra !== undefined && Number.isFinite(extra) ? `${t} (+${extra})` : t;
      });
      r.report(
        "spf-lookup-limit",
        ["domains", i, "spf", "mechanisms"],
        `need ${n} DNS lookups (${parts.join(", ")}), more than the 10 RFC 7208 §4.6.4 allows; receivers return permerror`,
      );
    }
  });
}

// ---- DMARC, TLS-RPT, CAA, MTA-STS ------------------------------------------------------------

const EMAIL = /^[^\s@,;!]+@([^\s@,;!]+\.[^\s@,;!]+)$/;
/** `mailto:addr[!size]` (RFC 7489 §6.4), returning the address's domain. */
function mailtoDomain(uri: string): string | undefined {
  const m = /^mailto:([^!]*)(?:![0-9]+[kmgt]?)?$/i.exec(uri);
  if (m === null) return undefined;
  return EMAIL.exec(m[1]!)?.[1]?.toLowerCase();
}

function isHttpsUrl(uri: string): boolean {
  if (!/^https:\/\/[^\s/]+/i.test(uri) || /[\s,;]/.test(uri)) return false;
  try {
    return new URL(uri).protocol === "https:";
  } catch {
    return false;
  }
}

function checkReports(spec: MailServerSpec, ctx: Context, r: Reporter): void {
  spec.domains.forEach((d, i) => {
    const dm = d.dmarc;
    for (const field of ["rua", "ruf"] as const) {
      dm[field].forEach((uri, k) => {
        const path: Path = ["domains", i, "dmarc", field, k];
        const dest = mailtoDomain(uri);
        if (dest === undefined) {
          r.report(
            "dmarc-mailto",
            path,
            /^mailto:/i.test(uri)
              ? `must be a mailto: URI with one email address, got ${show(uri)}`
              : `must be a mailto: URI, got ${show(uri)}`,
          );
        }
      });
    }
    if (dm.ruf.length > 0 && dm.rua.length === 0) {
      r.report(
        "dmarc-ruf-without-rua",
        ["domains", i, "dmarc", "rua"],
        "is empty while ruf is set; most receivers send only aggregate (rua) reports",
      );
    }
    if (dm.pct < 100 && dm.policy === "none") {
      r.report(
        "dmarc-pct-none",
        ["domains", i, "dmarc", "pct"],
        `is ${dm.pct} with policy "none", which applies to no mail anyway`,
      );
    }
    d.tlsRpt?.rua.forEach((uri, k) => {
      if (mailtoDomain(uri) === undefined && !isHttpsUrl(uri)) {
        r.report(
          "tlsrpt-uri",
          ["domains", i, "tlsRpt", "rua", k],
          `must be a mailto: or https: URI, got ${show(uri)}`,
        );
      }
    });
    if (d.caa !== undefined) {
      if (
        d.caa.iodef !== undefined &&
        mailtoDomain(d.caa.iodef) === undefined &&
        !isHttpsUrl(d.caa.iodef)
      ) {
        r.report(
          "caa-iodef-uri",
          ["domains", i, "caa", "iodef"],
          `must be a mailto: or https: URI, got ${show(d.caa.iodef)}`,
        );
      }
      d.caa.issuers.forEach((issuer, k) => {
        if (
          !/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+(?:\s*;.*)?$/.test(
            issuer,
          )
        ) {
          r.report(
            "caa-issuer",
            ["domains", i, "caa", "issuers", k],
            `must be a CA's domain name such as "letsencrypt.org", got ${show(issuer)}`,
          );
        }
      });
    }
    if (
      d.mtaSts?.mode === "enforce" &&
      (spec.tls.type === "none" || spec.tls.type === "self-signed")
    ) {
      r.report(
        "mta-sts-certificate",
        ["domains", i, "mtaSts", "mode"],
        `is "enforce" but tls.type is ${show(spec.tls.type)}; senders honouring MTA-STS will refuse to deliver`,
      );
    }
  });

  // CAA is looked up at the hostname, then its parents (RFC 8659 §3): the closest declared domain
  // with a CAA entry governs the mail host's certificate.
  if (spec.tls.type === "letsencrypt") {
    for (let name = spec.hostname; name.includes("."); name = name.slice(name.indexOf(".") + 1)) {
      const i = ctx.domainIndex.get(name);
      const caa = i === undefined ? undefined : spec.domains[i]!.caa;
      if (caa === undefined) continue;
      const allowed = caa.issuers.some((s) => s.split(";")[0]!.trim() === "letsencrypt.org");
      if (!allowed) {
        r.report(
          "caa-blocks-letsencrypt",
          ["domains", i!, "caa", "issuers"],
          `must include "letsencrypt.org" for tls.type "letsencrypt" to get a certificate for ${show(spec.hostname)}, got ${show(caa.issuers)}`,
        );
      }
      break;
    }
  }
}

// ---- TLS, relay, services --------------------------------------------------------------------

function isAbsolutePath(p: string): boolean {
  return p.startsWith("/") || /^[A-Za-z]:[\\/]/.test(p);
}

function checkTlsAndServices(spec: MailServerSpec, r: Reporter): void {
  const tls = spec.tls;
  switch (tls.type) {
    case "none":
      r.report("tls-none", ["tls", "type"], 'is "none": passwords travel in plain text');
      break;
    case "self-signed":
      r.report(
        "tls-self-signed",
        ["tls", "type"],
        'is "self-signed": mail clients warn and MTA-STS cannot be enforced',
      );
      break;
    case "manual":
      for (const key of ["certPath", "keyPath"] as const) {
        if (!isAbsolutePath(tls[key])) {
          r.report(
            "tls-path-absolute",
            ["tls", key],
            `must be an absolute host path, got ${show(tls[key])}`,
          );
        }
      }
      break;
    case "letsencrypt":
      if (!isAbsolutePath(tls.hostDir)) {
        r.report(
          "tls-path-absolute",
          ["tls", "hostDir"],
          `must be an absolute host path, got ${show(tls.hostDir)}`,
        );
      }
      break;
    default: {
      const _: never = tls;
      void _;
    }
  }

  const relay = spec.relay;
  if (relay !== undefined) {
    const sources = (["password", "passwordEnv"] as const).filter((k) => relay[k] !== undefined);
    if (sources.length === 2) {
      r.report("relay-credentials", ["relay"], "has both password and passwordEnv; keep one");
    } else if (relay.username !== undefined && sources.length === 0) {
      r.report(
        "relay-credentials",
        ["relay"],
        `has username ${show(relay.username)} but no password or passwordEnv`,
      );
    } else if (relay.username === undefined && sources.length === 1) {
      r.report("relay-credentials", ["relay"], `has ${sources[0]} but no username`);
    }
  }

  const f = effectiveFeatures(spec);
  const feature: Record<keyof MailServerSpec["services"], [boolean, string]> = {
    smtp: [true, ""],
    submissions: [true, ""],
    submission: [true, ""],
    imap: [f.imap, f.smtpOnly ? "features.smtpOnly is on" : "features.imap is off"],
    imaps: [f.imap, f.smtpOnly ? "features.smtpOnly is on" : "features.imap is off"],
    pop3: [f.pop3, "features.pop3 is off"],
    pop3s: [f.pop3, "features.pop3 is off"],
    managesieve: [
      f.managesieve,
      f.smtpOnly ? "features.smtpOnly is on" : "features.managesieve is off",
    ],
  };
  for (const name of Object.keys(feature).sort(cmp) as (keyof typeof feature)[]) {
    const exposure = spec.services[name];
    if (exposure === undefined || exposure.expose === "off") continue;
    const [on, why] = feature[name];
    if (!on) {
      r.report(
        "service-feature-off",
        ["services", name, "expose"],
        `is ${show(exposure.expose)} but ${why}, so the port stays closed`,
      );
    }
  }
  const smtp = spec.services.smtp;
  if (smtp !== undefined && smtp.expose !== "public") {
    r.report(
      "smtp-not-public",
      ["services", "smtp", "expose"],
      `is ${show(smtp.expose)}: other servers deliver mail on port 25, so this server receives none from the internet`,
    );
  }
}

// ---- env -------------------------------------------------------------------------------------

/** Removed or renamed variables (dms-reference.md §3.9). */
const REMOVED_ENV: Readonly<Record<string, string>> = {
  DMS_DEBUG: "LOG_LEVEL (spec field logLevel)",
  ENABLE_LDAP: "ACCOUNT_PROVISIONER=LDAP",
  ONE_DIR: "nothing: state is consolidated whenever /var/mail-state is mounted",
  SA_SPAM_SUBJECT: "SPAM_SUBJECT",
};

function checkEnv(spec: MailServerSpec, r: Reporter): void {
  for (const key of Object.keys(spec.env).sort(cmp)) {
    const value = spec.env[key]!;
    const secret = SECRET_ENV_NAME.test(key);
    if (secret) {
      r.report(
        "env-secret",
        ["env", key],
        key === "RELAY_PASSWORD"
          ? "holds the relay password in plain text (value hidden); use relay.password or relay.passwordEnv"
          : `holds a secret in plain text (value hidden); use ${key}__FILE with a mounted file`,
      );
    }
    if (/[\r\n]/.test(value)) {
      r.report(
        "env-newline",
        ["env", key],
        `must be one line, got ${secret ? "a value with a line break (value hidden)" : show(value)}`,
      );
    }
    const field = derivedEnvField(key);
    if (field !== undefined) {
      r.report(
        "env-derived",
        ["env", key],
        `overrides the value derived from ${field}, got ${show(value)}; prefer the spec field`,
      );
    }
    const replacement = REMOVED_ENV[key];
    if (replacement !== undefined) {
      r.report(
        "env-removed",
        ["env", key],
        `was removed from docker-mailserver; use ${replacement}`,
      );
    }
    if (key === "PERMIT_DOCKER" && value !== "none") {
      r.report(
        "permit-docker",
        ["env", key],
        `is ${show(value)}: every container on that network may relay mail through this server`,
      );
    }
  }
}

// ---- passthrough files -----------------------------------------------------------------------

function checkOverrides(spec: MailServerSpec, r: Reporter): void {
  for (const key of ["dovecot", "postfixMain", "userPatches"] as const) {
    const text = spec.overrides[key];
    if (text === undefined) continue;
    for (const [ch, what] of [
      ["\r", "a carriage return (CRLF line endings)"],
      ["\0", "a NUL character"],
    ] as const) {
      const at = text.indexOf(ch);
      if (at >= 0) {
        const line = countLines(text, at);
        r.report(
          "passthrough-control-char",
          ["overrides", key],
          `contains ${what} on line ${line}; docker-mailserver copies this file verbatim, so it must be LF-only text`,
        );
      }
    }
  }
}

function countLines(text: string, upTo: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < upTo; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

// ---------------------------------------------------------------------------------------------
// Public addresses
// ---------------------------------------------------------------------------------------------

/** IPv4 ranges no internet host can reach (RFC 6890), except the documentation ranges. */
const V4_RESERVED: readonly [string, number, string][] = [
  ["0.0.0.0", 8, "in 0.0.0.0/8 (this network)"],
  ["10.0.0.0", 8, "private (10.0.0.0/8)"],
  ["100.64.0.0", 10, "carrier-grade NAT space (100.64.0.0/10)"],
  ["127.0.0.0", 8, "loopback (127.0.0.0/8)"],
  ["169.254.0.0", 16, "link-local (169.254.0.0/16)"],
  ["172.16.0.0", 12, "private (172.16.0.0/12)"],
  ["192.0.0.0", 24, "reserved for protocol assignments (192.0.0.0/24)"],
  ["192.168.0.0", 16, "private (192.168.0.0/16)"],
  ["198.18.0.0", 15, "reserved for benchmarking (198.18.0.0/15)"],
  ["224.0.0.0", 4, "multicast (224.0.0.0/4)"],
  ["240.0.0.0", 4, "reserved (240.0.0.0/4)"],
];

function ipv4NotPublic(ip: string): string | undefined {
  const n = parseIpv4(ip);
  if (n === undefined) return undefined;
  for (const [base, bits, why] of V4_RESERVED) {
    const size = 2 ** (32 - bits);
    const start = parseIpv4(base)!;
    if (n >= start && n < start + size) return why;
  }
  return undefined;
}

function ipv6NotPublic(ip: string): string | undefined {
  const g = parseIpv6(ip);
  if (g === undefined) return undefined;
  if (g[0] === 0x2001 && g[1] === 0x0db8) return undefined; // documentation, RFC 3849
  if (g.every((x) => x === 0)) return "the unspecified address (::)";
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return "loopback (::1)";
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return "IPv4-mapped (::ffff:0:0/96)";
  if ((g[0]! & 0xfe00) === 0xfc00) return "a unique local address (fc00::/7)";
  if ((g[0]! & 0xffc0) === 0xfe80) return "link-local (fe80::/10)";
  if ((g[0]! & 0xff00) === 0xff00) return "multicast (ff00::/8)";
  if ((g[0]! & 0xe000) !== 0x2000) return "outside the global unicast range (2000::/3)";
  if (g[0] === 0x2001 && g[1]! < 0x0200) return "reserved for IETF protocols (2001::/23)";
  if (g[0] === 0x2002) return "6to4 (2002::/16)";
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Reference
// ---------------------------------------------------------------------------------------------

/**
 * The rule reference as a Markdown table (id, level, what it catches, fix), in {@link RULES}
 * order. `docs/spec.md` embeds it between `<!-- rules:begin -->` and `<!-- rules:end -->`; a test
 * keeps the two in sync (`UPDATE_GOLDEN=1` rewrites the doc).
 */
export function rulesMarkdown(): string {
  const cell = (text: string): string => text.replace(/\|/g, "\\|");
  const rows = (Object.entries(RULES) as [RuleId, RuleMeta][]).map(
    ([id, meta]) =>
      `| \`${id}\` | ${meta.level} | ${cell(meta.summary)} | ${cell(meta.remediation)} |`,
  );
  return ["| Id | Level | What it catches | Fix |", "|---|---|---|---|", ...rows].join("\n") + "\n";
}
