/**
 * What `dmsctl`'s program and its commands share: the output sinks, the exit-code holder and the
 * exit codes common to every command. Its own module so that `main.ts` imports the commands and
 * the commands import only this, never `main.ts` (no import cycle).
 */

/** Exit code for a usage error (unknown option, missing argument, bad option value). */
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

/** Commands report their exit code through this holder (commander's actions return nothing). */
export interface ExitHolder {
  code: number;
  /** A command's own exit code for usage errors, when it documents one. @default EXIT_USAGE */
  usageCode?: number;
}

/** One documented exit code of a command: the code and what it means. */
export interface ExitCodeDoc {
  readonly code: number;
  readonly meaning: string;
}
