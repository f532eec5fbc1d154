/**
 * `dmsctl`: argument parsing and dispatch only. Each command lives in `./commands/<name>.ts`, calls
 * the pure layers and renders; none holds mail logic of its own. What the program and the
 * commands share (I/O sinks, exit codes) lives in `./types.ts`, so the commands never import this
 * file.
 *
 * Conventions (docs/cli.md): durations in seconds (`10`, `10s`, `500ms`, `2m`); every command's
 * help lists its exit codes; usage errors exit 2 unless a command documents otherwise; an unknown
 * command gets a "did you mean" hint, not the whole help.
 */
import { Command, CommanderError } from "commander";
import { registerPlanCommand } from "./commands/plan";
import { registerDiffCommand } from "./commands/diff";
import { registerProbePort25Command } from "./commands/probe-port25";
import { registerVerifyCommand } from "./commands/verify";
import { registerBackupCommands } from "./commands/backup";
import { registerDoctorCommands } from "./commands/doctor";
import { packageVersion } from "./conventions";
import { EXIT_USAGE, type CliIo, type ExitHolder } from "./types";

export { EXIT_USAGE } from "./types";
export type { CliIo, ExitHolder } from "./types";

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  isTty: Boolean(process.stdout.isTTY),
  stderrIsTty: Boolean(process.stderr.isTTY),
};

/** Builds the program; each command module adds itself. */
export function buildProgram(io: CliIo, exit: ExitHolder): Command {
  const program = new Command("dmsctl")
    .description("Plan, verify and diff a docker-mailserver deployment")
    .version(packageVersion(), "-V, --version", "print the version of dmsctl")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    // A one-line hint instead of the whole help: the error (and any "did you mean") stays visible.
    .showHelpAfterError("(run dmsctl --help, or dmsctl COMMAND --help, for usage)")
    .showSuggestionAfterError(true)
    .addHelpText(
      "after",
      "\nDurations are seconds: 10, 10s, 500ms or 2m. Each command's help lists its exit codes;\n" +
        "usage errors exit 2 (diff: 1). See docs/cli.md.\n",
    );
  registerPlanCommand(program, io, exit);
  registerDiffCommand(program, io, exit);
  registerProbePort25Command(program, io, exit);
  registerVerifyCommand(program, io, exit);
  registerBackupCommands(program, io, exit);
  registerDoctorCommands(program, io, exit);
  return program;
}

/** Runs dmsctl with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const exit: ExitHolder = { code: 0 };
  const program = buildProgram(io, exit);
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other commander error is a usage error.
      return err.exitCode === 0 ? 0 : (exit.usageCode ?? EXIT_USAGE);
    }
    io.stderr(`dmsctl: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  return exit.code;
}
