/**
 * `dmsctl probe-port25 [--target HOST[:PORT]]... [--timeout S] [--cloud NAME] [--format table|json]`:
 * can this host open outbound SMTP connections? Exit 0 when a target answered (open), 1 when none
 * did (blocked), 2 for usage errors.
 */
import type { Command } from "commander";
import { EXIT_USAGE, type CliIo, type ExitCodeDoc, type ExitHolder } from "../types";
import { exitCodesHelp, parseDuration } from "../conventions";
import { CloudProvider } from "../../spec/schema";
import {
  DEFAULT_PORT25_TARGETS,
  parseTarget,
  probePort25,
  type Port25Target,
} from "../../verify/port25";
import { renderPort25Json, renderPort25Table } from "../../verify/render";

interface Options {
  readonly target: string[];
  readonly timeout: string;
  readonly cloud?: string;
  readonly format: string;
}

/** The exit codes as `dmsctl probe-port25 --help` and docs/cli.md list them. */
export const PROBE_PORT25_EXIT_DOCS: readonly ExitCodeDoc[] = [
  { code: 0, meaning: "open: a target answered on port 25" },
  { code: 1, meaning: "blocked: no target answered" },
  { code: EXIT_USAGE, meaning: "usage error: unknown option or bad option value" },
];

/** Registers `probe-port25`. */
export function registerProbePort25Command(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command("probe-port25")
    .description("Check that this host can open outbound SMTP connections (TCP 25)")
    .addHelpText("after", exitCodesHelp(PROBE_PORT25_EXIT_DOCS))
    .option(
      "--target <host[:port]>",
      "a target to probe (repeatable; default: well-known MX hosts)",
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option("--timeout <duration>", "bound of the whole probe: seconds, or 500ms, 10s, 2m", "10")
    .option(
      "--cloud <provider>",
      `where the host runs, for remediation (${CloudProvider.options.join(", ")})`,
    )
    .option("--format <format>", "table or json", "table")
    .action(async (opts: Options) => {
      const problems: string[] = [];
      const targets: Port25Target[] = [];
      for (const t of opts.target) {
        const parsed = parseTarget(t);
        if (parsed) targets.push(parsed);
        else problems.push(`--target: must be HOST[:PORT], got ${JSON.stringify(t)}`);
      }
      const duration = parseDuration("--timeout", opts.timeout);
      if (typeof duration === "string") problems.push(duration);
      const timeoutS = typeof duration === "number" ? duration : 10;
      const cloud = opts.cloud === undefined ? undefined : CloudProvider.safeParse(opts.cloud);
      if (cloud && !cloud.success) {
        problems.push(
          `--cloud: must be one of ${CloudProvider.options.join(", ")}, got ${JSON.stringify(opts.cloud)}`,
        );
      }
      if (opts.format !== "table" && opts.format !== "json") {
        problems.push(`--format: must be table or json, got ${JSON.stringify(opts.format)}`);
      }
      if (problems.length > 0) {
        for (const p of problems) io.stderr(`dmsctl probe-port25: ${p}\n`);
        exit.code = EXIT_USAGE;
        return;
      }
      const list = targets.length > 0 ? targets : DEFAULT_PORT25_TARGETS;
      if (io.stderrIsTty) {
        io.stderr(`probing ${list.length} target(s) on port 25, up to ${timeoutS} s...\n`);
      }
      const result = await probePort25({
        targets: list,
        timeoutMs: Math.round(timeoutS * 1000),
        ...(cloud?.success ? { cloud: cloud.data } : {}),
      });
      io.stdout(opts.format === "json" ? renderPort25Json(result) : renderPort25Table(result));
      exit.code = result.verdict === "open" ? 0 : 1;
    });
}
