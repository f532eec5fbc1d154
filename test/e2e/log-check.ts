/**
 * The container log check: every warning or error line DMS (its startup scripts) or the daemons
 * whose log it forwards (Postfix, Dovecot, OpenDKIM, Amavis in mail.log) print fails the check,
 * unless a {@link Benign} pattern explains it. The failure lists each line, marked when it names a
 * file we wrote, so a regression in a written file reads as such.
 */

/** A warning or error known to be harmless here, and why. */
export interface Benign {
  readonly pattern: RegExp;
  readonly reason: string;
  /** Benign only on this delivery path. @default both */
  readonly only?: "plan-out" | "component";
}

/**
 * DMS's own `<date> <time> WARN|ERROR <script>:` lines, and the `warning:`/`error:`/`fatal:`/
 * `panic:` of the syslog lines it forwards from mail.log (Postfix, Dovecot, OpenDKIM, Amavis).
 */
const PROBLEM = /^\S+ \S+ (?:WARN|ERROR)\s|\b(?:warning|error|fatal|panic):/i;

/**
 * The problem lines of `log` that no benign pattern explains, each prefixed with `[our file]`
 * when it names one of `written` (config-volume paths such as `postfix-accounts.cf` or
 * `rspamd/dkim/...`) or the config volume itself.
 */
export function checkLog(
  log: string,
  written: readonly string[],
  benign: readonly Benign[],
  path: "plan-out" | "component",
): string[] {
  const names = written.map((w) => w.replace(/^config\//, "")).filter((w) => w !== "");
  const out: string[] = [];
  for (const line of log.split("\n")) {
    if (!PROBLEM.test(line)) continue;
    if (benign.some((b) => (b.only === undefined || b.only === path) && b.pattern.test(line))) {
      continue;
    }
    const ours = line.includes("/tmp/docker-mailserver") || names.some((n) => line.includes(n));
    out.push(`${ours ? "[our file] " : ""}${line.trim()}`);
  }
  return out;
}
