/**
 * The conventions every `dmsctl` command shares (documented once, in docs/cli.md): durations are
 * seconds, written `10`, `10s`, `500ms` or `2m`; each command's help ends with its exit codes;
 * usage errors exit 2 unless a command documents otherwise.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { InvalidArgumentError } from "commander";
import type { ExitCodeDoc } from "./types";

/** The longest duration any option accepts, in seconds: every network wait stays bounded. */
export const MAX_DURATION_S = 300;

const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60 };

/**
 * Parses a duration in seconds: `10` and `10s` are ten seconds, `500ms` half a second, `2m` two
 * minutes. Returns the seconds, or a sentence naming the flag and the bad value.
 *
 * A bare number is seconds; one above {@link MAX_DURATION_S} is refused with a hint, because
 * `diff --timeout` took milliseconds before, and `--timeout 2000` must not silently become a wait
 * of half an hour.
 */
export function parseDuration(flag: string, value: string): number | string {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) {
    return `${flag}: must be a duration such as 10, 10s, 500ms or 2m (seconds when no unit is given), got ${JSON.stringify(value)}`;
  }
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] ?? "s"]!;
  if (seconds <= 0 || seconds > MAX_DURATION_S) {
    const hint =
      m[2] === undefined && seconds > MAX_DURATION_S
        ? ` (a bare number is seconds; for milliseconds write ${m[1]}ms)`
        : "";
    return `${flag}: must be more than 0 and at most ${MAX_DURATION_S} seconds, got ${JSON.stringify(value)}${hint}`;
  }
  return seconds;
}

/** {@link parseDuration} as a commander option parser: a bad value is a usage error. */
export function durationOption(flag: string): (value: string) => number {
  return (value: string) => {
    const r = parseDuration(flag, value);
    if (typeof r === "string") throw new InvalidArgumentError(r.replace(`${flag}: `, ""));
    return r;
  };
}

/** The "Exit codes:" block that ends a command's help. */
export function exitCodesHelp(codes: readonly ExitCodeDoc[]): string {
  const width = Math.max(...codes.map((c) => String(c.code).length));
  return `\nExit codes:\n${codes.map((c) => `  ${String(c.code).padStart(width)}  ${c.meaning}`).join("\n")}\n`;
}

/**
 * This package's version, read from its `package.json` (two levels above `src/cli` and three
 * above `dist/cjs/cli`), so `dmsctl --version` never drifts from what was installed.
 */
export function packageVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "pulumi-docker-mailserver" && typeof pkg.version === "string") {
        return pkg.version;
      }
    }
    dir = dirname(dir);
  }
  return "unknown";
}
