/**
 * A secret read from the environment variable a spec names (`passwordEnv`), the same way for
 * `dmsctl` and the components: the value, or a finding naming the field path and the variable,
 * never a value.
 */
import type { Finding } from "./findings";

/**
 * The variable's value; when it is unset or empty, `undefined` and a `secret-env-missing` error
 * pushed to `findings` with this remediation.
 */
export function readSecretEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  path: string,
  findings: Finding[],
  remediation: string,
): string | undefined {
  const value = env[name];
  if (value !== undefined && value !== "") return value;
  findings.push({
    id: "secret-env-missing",
    level: "error",
    path,
    message: `environment variable ${name} is ${value === undefined ? "not set" : "empty"}`,
    remediation,
  });
  return undefined;
}
