/**
 * Runs `dmsctl` in-process through `main(argv, io)`, capturing what it prints, so CLI tests check
 * exit codes and output without a subprocess per case.
 */
import { main, type CliIo } from "../../src/cli/main";

/** What one dmsctl run printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs dmsctl with `argv` and the environment `env` (nothing else of the process's is visible). */
export async function runDmsctl(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env,
    isTty: false,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
