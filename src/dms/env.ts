/**
 * `mailserver.env`: the container environment (dms-reference.md §3). Plain `KEY=value` values
 * only, never a secret: the relay password lives in `postfix-sasl-password.cf` (§1.3, §3.7), not
 * in `RELAY_PASSWORD`, because env values show up in `docker inspect`, Pulumi state inputs and
 * provider logs.
 */
import type { MailServerSpec } from "../spec/schema";
import { cmp } from "../spec/findings";
import { effectiveFeatures, postmasterEnvAddress } from "../spec/derived";
import { relayHost } from "./files";

/** Container paths the manual certificate and key are mounted at (`SSL_CERT_PATH`/`SSL_KEY_PATH`). */
export const MANUAL_TLS_CERT_PATH = "/etc/dms/tls/cert.pem";
export const MANUAL_TLS_KEY_PATH = "/etc/dms/tls/key.pem";

const bool = (b: boolean) => (b ? "1" : "0");

/** `SSL_TYPE` and its paths (dms-reference.md §3.2). */
function tlsEnv(spec: MailServerSpec): [string, string][] {
  const tls = spec.tls;
  switch (tls.type) {
    case "letsencrypt":
      return [["SSL_TYPE", "letsencrypt"]];
    case "manual":
      return [
        ["SSL_TYPE", "manual"],
        ["SSL_CERT_PATH", MANUAL_TLS_CERT_PATH],
        ["SSL_KEY_PATH", MANUAL_TLS_KEY_PATH],
      ];
    case "self-signed":
      return [["SSL_TYPE", "self-signed"]];
    case "none":
      return [["SSL_TYPE", ""]];
    default: {
      const _: never = tls;
      throw new Error(`unknown TLS type ${JSON.stringify(_)}`);
    }
  }
}

/**
 * The container environment, sorted by name. `ENABLE_*` follow {@link effectiveFeatures};
 * `SPOOF_PROTECTION=1` (DMS defaults to 0) so that a logged-in user can only send as their own
 * addresses and aliases, and `PERMIT_DOCKER=none` so that no container network is a trusted relay
 * (§3.1, §9.10); both can be overridden through `spec.env`, whose entries win over derived ones.
 *
 * @throws Error when an `env` value contains a line break (an env file cannot hold it).
 */
export function planEnv(spec: MailServerSpec): [string, string][] {
  const f = effectiveFeatures(spec);
  const env = new Map<string, string>([
    ["ACCOUNT_PROVISIONER", "FILE"],
    ["ENABLE_AMAVIS", bool(f.amavis)],
    ["ENABLE_CLAMAV", bool(f.clamav)],
    ["ENABLE_DNSBL", bool(f.dnsbl)],
    ["ENABLE_FAIL2BAN", bool(f.fail2ban)],
    ["ENABLE_IMAP", bool(f.imap)],
    ["ENABLE_MANAGESIEVE", bool(f.managesieve)],
    ["ENABLE_OPENDKIM", bool(f.opendkim)],
    ["ENABLE_OPENDMARC", bool(f.opendmarc)],
    ["ENABLE_POLICYD_SPF", bool(f.policydSpf)],
    ["ENABLE_POP3", bool(f.pop3)],
    ["ENABLE_QUOTAS", bool(f.quotas)],
    ["ENABLE_RSPAMD", bool(f.rspamd)],
    ["ENABLE_SPAMASSASSIN", bool(f.spamassassin)],
    ["ENABLE_SRS", bool(f.srs)],
    ["LOG_LEVEL", spec.logLevel],
    ["PERMIT_DOCKER", "none"],
    ["POSTMASTER_ADDRESS", postmasterEnvAddress(spec)],
    ["SMTP_ONLY", bool(f.smtpOnly)],
    ["SPOOF_PROTECTION", "1"],
    ["TZ", spec.timezone],
    ...tlsEnv(spec),
  ]);
  // §3.7: DEFAULT_RELAY_HOST relays all mail; RELAY_HOST is the legacy per-domain form and the
  // two must not be combined. Credentials go in postfix-sasl-password.cf.
  const relay = relayHost(spec);
  if (relay !== undefined) env.set("DEFAULT_RELAY_HOST", relay);
  const problems: string[] = [];
  for (const [key, value] of Object.entries(spec.env)) {
    if (/[\r\n]/.test(value)) problems.push(`env.${key}: must not contain a line break`);
    env.set(key, value);
  }
  if (problems.length > 0) throw new Error(problems.sort(cmp).join("\n"));
  return [...env.entries()].sort((a, b) => cmp(a[0], b[0]));
}

/** `mailserver.env` text: `KEY=value` lines, no quoting (DMS reads values verbatim, §3). */
export function renderEnvFile(env: readonly (readonly [string, string])[]): string {
  return env.map(([k, v]) => `${k}=${v}\n`).join("");
}
