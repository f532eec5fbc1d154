/**
 * docker-mailserver: config files, env, container and ports from the spec (pure), and
 * SHA512-CRYPT password hashing.
 *
 * @packageDocumentation
 */
export {
  BARE_DOMAIN_MYDESTINATION,
  CONFIG_DIR,
  DEVNULL_ALIAS,
  DEVNULL_TARGET,
  DmsPlanError,
  DOVECOT24_QUOTA_STATUS,
  dkimZoneSnippet,
  grepSafeOrder,
  planDmsFiles,
  relayHost,
} from "./files";
export { MANUAL_TLS_CERT_PATH, MANUAL_TLS_KEY_PATH, planEnv, renderEnvFile } from "./env";
export { HEALTHCHECK_COMMAND, planContainer, recreateHash } from "./container";
export { ANYWHERE, PRIVATE_BIND_DEFAULT, planPorts } from "./ports";
export * from "./types";
export {
  CRYPT_ALPHABET,
  DEFAULT_ROUNDS,
  DOVECOT_SCHEME_PREFIX,
  MAX_PASSWORD_BYTES,
  MAX_ROUNDS,
  MIN_ROUNDS,
  POOL_THRESHOLD,
  deriveSalt,
  hashPasswords,
  randomSalt,
  sha512Crypt,
  type HashEntry,
  type HashOptions,
} from "./password";
