/**
 * Secrets a spec names instead of holding, read the same way by `dmsctl` and the components: an
 * environment variable (`passwordEnv`) or a key file (`dkim.privateKeyFile`). Each reader returns
 * the value, or pushes a finding naming the field path and the variable or file, never a value.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
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

/**
 * The file's text (`file` relative to `baseDir` unless absolute); when it cannot be read,
 * `undefined` and a `dkim-key-unreadable` error (with the system's error code) pushed to
 * `findings`, with `remediation` when given.
 */
export function readSecretFile(
  file: string,
  baseDir: string,
  path: string,
  findings: Finding[],
  remediation?: string,
): string | undefined {
  try {
    return readFileSync(isAbsolute(file) ? file : resolve(baseDir, file), "utf8");
  } catch (err) {
    findings.push({
      id: "dkim-key-unreadable",
      level: "error",
      path,
      message: `cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      ...(remediation !== undefined ? { remediation } : {}),
    });
    return undefined;
  }
}
