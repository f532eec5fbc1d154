/**
 * `env`, the raw docker-mailserver variables: no secrets in plain text, one line each, and a
 * warning when a variable the spec derives, or one DMS removed, is set by hand.
 */
import type { MailServerSpec } from "../schema";
import { derivedEnvField, SECRET_ENV_NAME } from "../dms-env";
import { cmp } from "../order";
import { envRemovedBy, type EnvChange } from "../dms-releases";
import { ruleGroup, show, type Context, type Reporter, type RuleTable } from "./context";

const rules = {
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
    summary:
      "An `env` variable docker-mailserver removed or renamed in a release up to the spec's image tag, from the project's table of upstream's changelog (docs/upgrades.md).",
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
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** Raw environment variables. */
export const ENV_RULES = ruleGroup({ rules, check: checkEnv });

function checkEnv(spec: MailServerSpec, _ctx: Context, r: Reporter<Id>): void {
  const removed = envRemovedBy(spec.image.tag);
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
    const gone = removed.get(key);
    if (gone !== undefined) r.report("env-removed", ["env", key], removedMessage(gone));
    if (key === "PERMIT_DOCKER" && value !== "none") {
      r.report(
        "permit-docker",
        ["env", key],
        `is ${show(value)}: every container on that network may relay mail through this server`,
      );
    }
  }
}

/** `was renamed to LOG_LEVEL in docker-mailserver 11.0.0; use the spec field logLevel`. */
function removedMessage(e: EnvChange & { version: string }): string {
  const what = `was ${e.change === "renamed" ? `renamed to ${e.replacement}` : "removed"} in docker-mailserver ${e.version}`;
  if (e.replacement === undefined)
    return `${what}${e.note !== undefined ? `: ${e.note}` : ""}; remove it`;
  // A replacement the spec derives is best set through its field (env-derived says the same).
  const field = derivedEnvField(e.replacement);
  return `${what}; use ${field !== undefined ? `the spec field ${field}` : e.replacement}`;
}
