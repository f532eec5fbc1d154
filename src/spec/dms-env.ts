/**
 * The docker-mailserver environment variables the spec covers, one table for both sides: the dms
 * plan (`planEnv` in `../dms/env.ts`) computes a value for exactly these names, and the
 * `env-derived` rule warns when `env` overrides one of them.
 *
 * @see https://docker-mailserver.github.io/docker-mailserver/latest/config/environment/
 */

/**
 * `mailserver.env` variables the library derives from spec fields, with the field to use instead.
 * `planEnv` sets each of them, except where the field is carried another way: `OVERRIDE_HOSTNAME`
 * (the container's hostname), `RELAY_HOST`/`RELAY_PORT` (`DEFAULT_RELAY_HOST` relays all mail) and
 * `RELAY_USER` (the credentials file).
 */
export const DERIVED_ENV = {
  ACCOUNT_PROVISIONER: "(always FILE)",
  DEFAULT_RELAY_HOST: "relay",
  ENABLE_AMAVIS: "features.amavis",
  ENABLE_CLAMAV: "features.clamav",
  ENABLE_DNSBL: "features.dnsbl",
  ENABLE_FAIL2BAN: "features.fail2ban",
  ENABLE_IMAP: "features.imap",
  ENABLE_MANAGESIEVE: "features.managesieve",
  ENABLE_OPENDKIM: "features.opendkim",
  ENABLE_OPENDMARC: "features.opendmarc",
  ENABLE_POLICYD_SPF: "features.policydSpf",
  ENABLE_POP3: "features.pop3",
  ENABLE_QUOTAS: "features.quotas",
  ENABLE_RSPAMD: "features.rspamd",
  ENABLE_SPAMASSASSIN: "features.spamassassin",
  ENABLE_SRS: "features.srs",
  LOG_LEVEL: "logLevel",
  MOVE_SPAM_TO_JUNK: "spamassassin.learn",
  OVERRIDE_HOSTNAME: "hostname",
  POSTMASTER_ADDRESS: "postmaster",
  RELAY_HOST: "relay.host",
  RELAY_PORT: "relay.port",
  RELAY_USER: "relay.username",
  SMTP_ONLY: "features.smtpOnly",
  SPAMASSASSIN_SPAM_TO_INBOX: "spamassassin.learn",
  SSL_CERT_PATH: "tls",
  SSL_KEY_PATH: "tls",
  SSL_TYPE: "tls.type",
  TZ: "timezone",
} as const;

/** A variable of {@link DERIVED_ENV}. */
export type DerivedEnvName = keyof typeof DERIVED_ENV;

/** The spec field a derived variable comes from, or `undefined` for any other name. */
export function derivedEnvField(name: string): string | undefined {
  return Object.hasOwn(DERIVED_ENV, name) ? DERIVED_ENV[name as DerivedEnvName] : undefined;
}

/**
 * Hardening defaults with no spec field, which `env` may override on purpose: only the addresses a
 * logged-in user owns may be sent as (DMS defaults to 0), and no container network is a trusted
 * relay.
 */
export const DEFAULT_ENV = {
  PERMIT_DOCKER: "none",
  SPOOF_PROTECTION: "1",
} as const;

/** Variables holding secrets: `RELAY_PASSWORD`, `LDAP_BIND_PW`, `SRS_SECRET`, `*_TOKEN`, ... */
export const SECRET_ENV_NAME = /(?:^|_)(?:PASSWORD|PASSWD|PASS|PW|DNPASS|SECRET|TOKEN)$/;
