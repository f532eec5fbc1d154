/**
 * Accounts' passwords and quotas, and a postmaster address that receives mail. Hashes are
 * secrets: no message shows one.
 */
import type { MailServerSpec } from "../schema";
import {
  deliverable,
  domainOf,
  isDeclaredDomain,
  ruleGroup,
  show,
  type Context,
  type Path,
  type Reporter,
  type RuleTable,
} from "./context";

const rules = {
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
      "Use the output of `doveadm pw -s SHA512-CRYPT`, e.g. `{SHA512-CRYPT}$6$...` (docs/dms-contract.md#file-formats).",
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
    level: "error",
    summary:
      'An account address holds `*` or starts with `^` or `-`: DMS finds quotas with `grep "ADDRESS:"`, where those are pattern characters or an option, so the account gets another account\'s quota or none (docs/dms-contract.md#file-formats).',
    remediation: "Avoid `*` and a leading `^` or `-` in local parts while quotas are on.",
  },
  "postmaster-undeliverable": {
    level: "warn",
    summary:
      "The postmaster address is in a declared domain but is no account or alias, so mail to it bounces (RFC 5321 §4.5.1 requires it to work).",
    remediation: "Point `postmaster` at an account, or add an alias for it.",
  },
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** Passwords, quotas and the postmaster. */
export const ACCOUNT_RULES = ruleGroup({ rules, check: checkAccounts });

/** Dovecot schemes fit for storing passwords (docs/dms-contract.md#file-formats). */
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

function checkAccounts(spec: MailServerSpec, ctx: Context, r: Reporter<Id>): void {
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
    // DMS reads dovecot-quotas.cf with an unanchored basic-regex grep (docs/dms-contract.md#file-formats); the
    // dms layer orders lines so that "." cannot shadow, but "*" and a leading "^" change the pattern.
    // An error since the reader property test (test/readers/dms-tables.test.ts) showed the
    // quota is lost, not merely at risk; a leading `-` makes grep read the address as options.
    if (quotasOn && (a.address.includes("*") || /^[-^]/.test(a.address))) {
      r.report(
        "quota-lookup-pattern",
        ["accounts", i, "address"],
        `${show(a.address)} holds a grep pattern character (* or a leading ^ or -): DMS gives it another account's quota or none`,
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

/** Hash checks; the hash itself is a secret and never appears in a message. */
function checkHash(hash: string, path: Path, r: Reporter<Id>): void {
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
