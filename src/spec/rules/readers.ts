/**
 * Rules that keep every value readable by the program that reads the file it is written to: a
 * value that passes the schema but that Postfix, Dovecot, Compose or a DNS server would take
 * differently is refused here, with the field path and the value (never a secret). Where the
 * reader can be told to take a value literally (Compose's `$$`), the renderer escapes instead and
 * no rule is needed. The grammar of each reader is written down in `docs/file-formats.md`.
 */
import type { MailServerSpec } from "../schema";
import type { PlanMaterial } from "../material";
import { ruleGroup, type Reporter, type RuleTable } from "./context";

const rules = {
  "address-comment": {
    level: "error",
    summary:
      "An address that is the first field of a line in a docker-mailserver table starts with `#`: Postfix, Dovecot and docker-mailserver read that line as a comment, so the account or alias silently does not exist.",
    remediation:
      "Choose a local part that does not start with `#` (RFC 5322 allows it, but no table can hold it).",
  },
  "env-dotenv": {
    level: "error",
    summary:
      "A `mailserver.env` value that Compose's `env_file` reader changes before docker-mailserver sees it: surrounding whitespace, a leading quote, `$` (interpolated), `\\`, ` #` (a comment), a NUL or a line break.",
    remediation:
      "Remove the character named; values are written as `KEY=value` with no quoting, which Compose v1 and v2 both read literally only for plain text.",
  },
  "compose-volume-path": {
    level: "error",
    summary:
      "A host path mounted into the container contains `:`, a line break or a NUL, which Compose's short volume syntax (`host:container:mode`) cannot hold.",
    remediation: "Move or link the file to a path without `:` and name that path.",
  },
  "relay-credential-format": {
    level: "error",
    summary:
      "The relay username or password cannot be written to `postfix-sasl-password.cf` as Postfix reads it: `postmap` strips whitespace around a value and ends it at a line break, and the username ends at the first `:`.",
    remediation:
      "Use a username without `:` or whitespace, and a password without leading or trailing whitespace, line breaks or NUL.",
  },
  "dns-name-too-long": {
    level: "error",
    summary:
      "A name the plan publishes (`_dmarc.`, `<selector>._domainkey.`, `_smtp._tls.`, SRV, report authorizations, the SOA contact) is longer than 253 characters, the DNS limit of 255 octets (RFC 1035 §2.3.4).",
    remediation: "Use a shorter domain, DKIM selector or hostname.",
  },
  "caa-value-chars": {
    level: "error",
    summary:
      'A CAA `iodef` value contains `"`, `\\`, whitespace or a control character, which a CAA value cannot carry through zone files and DNS APIs (RFC 8659 §4).',
    remediation: "Remove the character named from the value.",
  },
} as const satisfies RuleTable;

/** A reader-rule id. */
export type ReaderRuleId = keyof typeof rules;

/** Reports one finding; the caller maps paths and builds the finding. */
export type ReportFn = (id: ReaderRuleId, path: readonly PropertyKey[], message: string) => void;

/** Values each file's reader would take differently. */
export const READER_RULES = ruleGroup({
  rules,
  check: (spec, _ctx, r: Reporter<ReaderRuleId>) =>
    checkReaders(spec, (id, path, message) => r.report(id, path, message)),
});

/** The longest owner name in presentation form, without the trailing dot (RFC 1035 §2.3.4). */
export const MAX_NAME_LENGTH = 253;

/** Shows a value quoted, in full: the rules here are about single characters in it. */
function quoted(value: string): string {
  return JSON.stringify(value);
}

/** Runs the reader rules on a schema-valid spec. */
export function checkReaders(spec: MailServerSpec, report: ReportFn): void {
  checkAddressComments(spec, report);
  checkEnvValues(spec, report);
  checkVolumePaths(spec, report);
  checkRelayUsername(spec, report);
  // A password written in the spec is checked here, with every other problem; one read from the
  // environment is checked by the caller once read (checkRelayPassword).
  if (spec.relay?.password !== undefined && spec.relay.passwordEnv === undefined)
    checkRelayPassword(spec, { relayPassword: spec.relay.password }, report);
  checkNameLengths(spec, report);
  checkCaa(spec, report);
}

function checkAddressComments(spec: MailServerSpec, report: ReportFn): void {
  const check = (address: string, path: readonly PropertyKey[]) => {
    if (address.startsWith("#"))
      report(
        "address-comment",
        path,
        `starts with "#", so its line in the docker-mailserver tables is a comment, got ${quoted(address)}`,
      );
  };
  spec.accounts.forEach((a, i) => {
    check(a.address, ["accounts", i, "address"]);
    a.aliases.forEach((alias, j) => check(alias, ["accounts", i, "aliases", j]));
  });
  spec.aliases.forEach((a, i) => check(a.address, ["aliases", i, "address"]));
  spec.devnull.forEach((a, i) => check(a, ["devnull", i]));
}

/**
 * What Compose does to an `env_file` value that is not plain text: v2's dotenv reader trims it,
 * strips quotes, ends it at ` #`, expands `$`/`${}` and `\` escapes; v1 keeps some of these. A
 * value free of all of them is read the same by both. `undefined` when the value is plain.
 */
export function dotenvProblem(value: string): string | undefined {
  if (/[\r\n]/.test(value)) return "a line break";
  if (value.includes("\0")) return "a NUL character";
  if (value !== value.trim()) return "leading or trailing whitespace";
  if (/^["'`]/.test(value)) return "a leading quote";
  if (value.includes("$")) return '"$" (Compose interpolates it)';
  if (value.includes("\\")) return '"\\" (an escape in quoted values)';
  if (/\s#/.test(value)) return '" #" (Compose reads the rest as a comment)';
  return undefined;
}

/** Variables holding secrets: their values are never shown. Same list as the env rules. */
const SECRET_ENV = /(?:^|_)(?:PASSWORD|PASSWD|PASS|PW|DNPASS|SECRET|TOKEN)$/;

function checkEnvValues(spec: MailServerSpec, report: ReportFn): void {
  // The default sort compares code units, as `cmp` does (importing it would make a cycle).
  for (const key of Object.keys(spec.env).sort()) {
    const value = spec.env[key]!;
    // Line breaks have their own rule (env-newline).
    if (/[\r\n]/.test(value)) continue;
    const problem = dotenvProblem(value);
    if (problem === undefined) continue;
    const shown = SECRET_ENV.test(key) ? "(value hidden: secret)" : `got ${quoted(value)}`;
    report(
      "env-dotenv",
      ["env", key],
      `contains ${problem}, which Compose's env_file reader changes, ${shown}`,
    );
  }
  // Values derived from spec fields land in mailserver.env too.
  const derived: [readonly PropertyKey[], string | undefined][] = [
    [["postmaster"], spec.postmaster],
    [["timezone"], spec.timezone],
  ];
  for (const [path, value] of derived) {
    if (value === undefined) continue;
    const problem = dotenvProblem(value);
    if (problem !== undefined)
      report(
        "env-dotenv",
        path,
        `is written to mailserver.env and contains ${problem}, which Compose's env_file reader changes, got ${quoted(value)}`,
      );
  }
}

function checkVolumePaths(spec: MailServerSpec, report: ReportFn): void {
  const paths: [readonly PropertyKey[], string][] = [];
  if (spec.tls.type === "manual") {
    paths.push([["tls", "certPath"], spec.tls.certPath], [["tls", "keyPath"], spec.tls.keyPath]);
  } else if (spec.tls.type === "letsencrypt") {
    paths.push([["tls", "hostDir"], spec.tls.hostDir]);
  }
  for (const [path, value] of paths) {
    const bad = value.includes(":")
      ? '":"'
      : /[\r\n]/.test(value)
        ? "a line break"
        : value.includes("\0")
          ? "a NUL character"
          : undefined;
    if (bad !== undefined)
      report(
        "compose-volume-path",
        path,
        `contains ${bad}, which the volume syntax host:container:mode cannot hold, got ${quoted(value)}`,
      );
  }
}

function checkRelayUsername(spec: MailServerSpec, report: ReportFn): void {
  const user = spec.relay?.username;
  if (user !== undefined && /[:\s\0]/.test(user))
    report(
      "relay-credential-format",
      ["relay", "username"],
      `must not contain ":", whitespace or NUL (postfix-sasl-password.cf holds "user:password"), got ${quoted(user)}`,
    );
}

/**
 * Checks the resolved relay password (a secret: never shown). The CLI and the components call this
 * once the material is known, and report the findings with the spec's.
 */
export function checkRelayPassword(
  spec: MailServerSpec,
  material: Pick<PlanMaterial, "relayPassword">,
  report: ReportFn,
): void {
  const password = material.relayPassword;
  if (spec.relay?.username === undefined || password === undefined) return;
  const path =
    spec.relay.passwordEnv !== undefined ? ["relay", "passwordEnv"] : ["relay", "password"];
  const problem = /[\r\n]/.test(password)
    ? "a line break"
    : password.includes("\0")
      ? "a NUL character"
      : password !== password.trim()
        ? "leading or trailing whitespace, which postmap strips"
        : undefined;
  if (problem !== undefined)
    report(
      "relay-credential-format",
      path,
      `the relay password contains ${problem}, so Postfix would log in with another password (value hidden: secret)`,
    );
}

/** Every owner name the plan derives from a domain (or the hostname), longest prefixes included. */
function derivedNames(spec: MailServerSpec): [readonly PropertyKey[], string, string][] {
  const out: [readonly PropertyKey[], string, string][] = [];
  const names = new Set(spec.domains.map((d) => d.name));
  spec.domains.forEach((d, i) => {
    const path = ["domains", i, "name"];
    const zone = d.dns.zone ?? d.name;
    out.push([path, `_dmarc.${d.name}`, "DMARC"]);
    if (d.dkim.enabled)
      out.push([
        ["domains", i, "dkim", "selector"],
        `${d.dkim.selector}._domainkey.${d.name}`,
        "DKIM",
      ]);
    if (d.mtaSts !== undefined) {
      out.push([path, `_mta-sts.${d.name}`, "MTA-STS"]);
      out.push([path, `mta-sts.${d.name}`, "MTA-STS policy host"]);
    }
    if (d.tlsRpt !== undefined) out.push([path, `_smtp._tls.${d.name}`, "TLS-RPT"]);
    if (d.autoconfig) out.push([path, `_submissions._tcp.${d.name}`, "autoconfig SRV"]);
    if (d.dns.provider === "zonefile") out.push([path, `hostmaster.${zone}`, "SOA contact"]);
    for (const uri of [...d.dmarc.rua, ...d.dmarc.ruf]) {
      const m = /^mailto:[^@]*@([^!?]+)/i.exec(uri);
      const target = m?.[1]?.toLowerCase();
      if (target !== undefined && target !== d.name && names.has(target))
        out.push([path, `${d.name}._report._dmarc.${target}`, "DMARC report authorization"]);
    }
  });
  out.push([["hostname"], spec.hostname, "host"]);
  return out;
}

function checkNameLengths(spec: MailServerSpec, report: ReportFn): void {
  const seen = new Set<string>();
  for (const [path, name, what] of derivedNames(spec)) {
    if (name.length <= MAX_NAME_LENGTH || seen.has(name)) continue;
    seen.add(name);
    report(
      "dns-name-too-long",
      path,
      `makes the ${what} name ${name.length} characters long (at most ${MAX_NAME_LENGTH}), got ${quoted(name)}`,
    );
  }
}

function checkCaa(spec: MailServerSpec, report: ReportFn): void {
  spec.domains.forEach((d, i) => {
    // Issuers are domain names, checked by caa-issuer; the iodef URI is free text.
    const value = d.caa?.iodef;
    if (value !== undefined) {
      const path = ["domains", i, "caa", "iodef"];
      // eslint-disable-next-line no-control-regex
      const m = /["\\\s\x00-\x1f\x7f]/.exec(value);
      if (m !== null)
        report(
          "caa-value-chars",
          path,
          `contains ${quoted(m[0])}, which a CAA value cannot carry, got ${quoted(value)}`,
        );
    }
  });
}
