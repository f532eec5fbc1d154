/**
 * `dmsctl`: argument parsing and dispatch only. Each command lives in `./commands/<name>.ts`, calls
 * the pure layers and renders; none holds mail logic of its own.
 *
 * Exit codes are per command and documented in the README; usage errors are always 2.
 */
import { Command, CommanderError } from "commander";
import { registerPlanCommand } from "./commands/plan";
import { registerDiffCommand } from "./commands/diff";
import { registerProbePort25Command } from "./commands/probe-port25";
import { registerVerifyCommand } from "./commands/verify";

/** Exit code for a usage error (unknown option, missing argument). */
export const EXIT_USAGE = 2;

/** Output sinks, injectable so tests can run the CLI in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly isTty: boolean;
  /** Whether stderr is a terminal (progress output goes there). @default false */
  readonly stderrIsTty?: boolean;
}

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  isTty: Boolean(process.stdout.isTTY),
  stderrIsTty: Boolean(process.stderr.isTTY),
};

/** Commands report their exit code through this holder (commander's actions return nothing). */
export interface ExitHolder {
  code: number;
  /** A command's own exit code for usage errors, when it documents one. @default EXIT_USAGE */
  usageCode?: number;
}

/** Builds the program; each command module adds itself. */
export function buildProgram(io: CliIo, exit: ExitHolder): Command {
  const program = new Command("dmsctl")
    .description("Plan, verify and diff a docker-mailserver deployment")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();
  registerPlanCommand(program, io, exit);
  registerDiffCommand(program, io, exit);
  registerProbePort25Command(program, io, exit);
  registerVerifyCommand(program, io, exit);
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
