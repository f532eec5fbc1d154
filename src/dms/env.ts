/**
 * `mailserver.env`: the container environment (docs/dms-contract.md#environment). Plain `KEY=value` values
 * only, never a secret: the relay password lives in `postfix-sasl-password.cf` (docs/dms-contract.md#file-formats, docs/dms-contract.md#relay), not
 * in `RELAY_PASSWORD`, because env values show up in `docker inspect`, Pulumi state inputs and
 * provider logs.
 */
import type { MailServerSpec } from "../spec/schema";
import { cmp } from "../spec/findings";
import { effectiveFeatures, postmasterEnvAddress, type EffectiveFeatures } from "../spec/derived";
import { DEFAULT_ENV, type DerivedEnvName } from "../spec/dms-env";
import { HOST_TIMEZONE } from "../spec/derived";
import { relayHost } from "./files";

/** Container paths the manual certificate and key are mounted at (`SSL_CERT_PATH`/`SSL_KEY_PATH`). */
export const MANUAL_TLS_CERT_PATH = "/etc/dms/tls/cert.pem";
export const MANUAL_TLS_KEY_PATH = "/etc/dms/tls/key.pem";

const bool = (b: boolean) => (b ? "1" : "0");

/** `SSL_TYPE` (docs/dms-contract.md#tls); the paths are set for `manual` only. */
function sslType(spec: MailServerSpec): string {
  const tls = spec.tls;
  switch (tls.type) {
    case "letsencrypt":
    case "manual":
    case "self-signed":
      return tls.type;
    case "none":
      return "";
    default: {
      const _: never = tls;
      throw new Error(`unknown TLS type ${JSON.stringify(_)}`);
    }
  }
}

/**
 * The value of each variable the spec covers (`DERIVED_ENV` in `spec/dms-env.ts`, the one list
 * of their names), or `undefined` when the spec carries it another way. Typed by the names, so a
 * variable can be neither derived here without being listed there, nor listed there and forgotten
 * here.
 */
const DERIVED: {
  readonly [K in DerivedEnvName]: (
    spec: MailServerSpec,
    f: EffectiveFeatures,
  ) => string | undefined;
} = {
  ACCOUNT_PROVISIONER: () => "FILE",
  // docs/dms-contract.md#relay: DEFAULT_RELAY_HOST relays all mail; RELAY_HOST is the legacy per-domain form and the
  // two must not be combined. Credentials go in postfix-sasl-password.cf, not RELAY_USER.
  DEFAULT_RELAY_HOST: (spec) => relayHost(spec),
  ENABLE_AMAVIS: (_, f) => bool(f.amavis),
  ENABLE_CLAMAV: (_, f) => bool(f.clamav),
  ENABLE_DNSBL: (_, f) => bool(f.dnsbl),
  ENABLE_FAIL2BAN: (_, f) => bool(f.fail2ban),
  ENABLE_IMAP: (_, f) => bool(f.imap),
  ENABLE_MANAGESIEVE: (_, f) => bool(f.managesieve),
  ENABLE_OPENDKIM: (_, f) => bool(f.opendkim),
  ENABLE_OPENDMARC: (_, f) => bool(f.opendmarc),
  ENABLE_POLICYD_SPF: (_, f) => bool(f.policydSpf),
  ENABLE_POP3: (_, f) => bool(f.pop3),
  ENABLE_QUOTAS: (_, f) => bool(f.quotas),
  ENABLE_RSPAMD: (_, f) => bool(f.rspamd),
  ENABLE_SPAMASSASSIN: (_, f) => bool(f.spamassassin),
  ENABLE_SRS: (_, f) => bool(f.srs),
  LOG_LEVEL: (spec) => spec.logLevel,
  // Learning needs spam delivered (not bounced) and filed in Junk, where users correct it; both
  // are DMS's defaults, written out so the plan says what learning relies on.
  MOVE_SPAM_TO_JUNK: (spec) => (spec.spamassassin?.learn !== undefined ? "1" : undefined),
  // The container's hostname is the spec's (./container.ts), which DMS reads first.
  OVERRIDE_HOSTNAME: () => undefined,
  POSTMASTER_ADDRESS: (spec) => postmasterEnvAddress(spec),
  RELAY_HOST: () => undefined,
  RELAY_PORT: () => undefined,
  RELAY_USER: () => undefined,
  SMTP_ONLY: (_, f) => bool(f.smtpOnly),
  SPAMASSASSIN_SPAM_TO_INBOX: (spec) => (spec.spamassassin?.learn !== undefined ? "1" : undefined),
  SSL_CERT_PATH: (spec) => (spec.tls.type === "manual" ? MANUAL_TLS_CERT_PATH : undefined),
  SSL_KEY_PATH: (spec) => (spec.tls.type === "manual" ? MANUAL_TLS_KEY_PATH : undefined),
  SSL_TYPE: (spec) => sslType(spec),
  // `host`: the host's /etc/localtime is mounted instead; DMS would try to replace it with TZ.
  TZ: (spec) => (spec.timezone === HOST_TIMEZONE ? undefined : spec.timezone),
};

/**
 * The container environment, sorted by name: every variable of `DERIVED_ENV` the spec sets,
 * `ENABLE_*` following {@link effectiveFeatures}, and the hardening defaults of
 * `DEFAULT_ENV`: `SPOOF_PROTECTION=1` (DMS defaults to 0) so that a logged-in user can only
 * send as their own addresses and aliases, and `PERMIT_DOCKER=none` so that no container network
 * is a trusted relay (docs/dms-contract.md#environment, docs/dms-contract.md#pin-the-image); both can be overridden through `spec.env`, whose entries win
 * over derived ones.
 *
 * @throws Error when an `env` value contains a line break (an env file cannot hold it).
 */
export function planEnv(spec: MailServerSpec): [string, string][] {
  const f = effectiveFeatures(spec);
  const env = new Map<string, string>(Object.entries(DEFAULT_ENV));
  for (const name of Object.keys(DERIVED) as DerivedEnvName[]) {
    const value = DERIVED[name](spec, f);
    if (value !== undefined) env.set(name, value);
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(spec.env)) {
    if (/[\r\n]/.test(value)) problems.push(`env.${key}: must not contain a line break`);
    env.set(key, value);
  }
  if (problems.length > 0) throw new Error(problems.sort(cmp).join("\n"));
  return [...env.entries()].sort((a, b) => cmp(a[0], b[0]));
}

/** `mailserver.env` text: `KEY=value` lines, no quoting (DMS reads values verbatim, docs/dms-contract.md#environment). */
export function renderEnvFile(env: readonly (readonly [string, string])[]): string {
  return env.map(([k, v]) => `${k}=${v}\n`).join("");
}
