/**
 * `dmsctl backup CONTAINER --out DIR | --to FILE` and `dmsctl restore CONTAINER --from FILE`:
 * archive and restore the config, mail, state and log volumes of a docker-mailserver container
 * through the Docker Engine (the `docker` CLI). The archive is streamed out of (and into) a
 * short-lived helper container of the mail container's own image that shares its volumes
 * (`--volumes-from`, as in docker-mailserver's FAQ), so nothing is pulled and a remote Docker host
 * works. The scripts and the archive layout are in `src/dms/backup.ts`; docs/backup.md tells what
 * each command does to the container and the data.
 */
import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { EXIT_USAGE, type CliIo, type ExitCodeDoc, type ExitHolder } from "../types";
import { exitCodesHelp } from "../conventions";
import {
  BACKUP_DIRS,
  BACKUP_TO_STDOUT_SCRIPT,
  RESTORE_EXIT_BAD_ARCHIVE,
  RESTORE_EXIT_NOT_MOUNTED,
  RESTORE_EXIT_STAGE_FAILED,
  RESTORE_EXIT_SWAP_FAILED,
  RESTORE_SCRIPT,
  backupArchiveName,
} from "../../dms/backup";
import {
  inspectContainer,
  runDocker,
  type ContainerInfo,
} from "../../providers/host/docker-engine";

/** How long the helper container may run: archives of large mailboxes take a while. */
const ARCHIVE_TIMEOUT_MS = 6 * 3600 * 1000;
/** `docker stop` grace, as the planned container's `stop_grace_period`. */
const STOP_GRACE_S = 60;

/** The exit codes as `dmsctl backup --help` and docs/cli.md list them. */
export const BACKUP_EXIT_DOCS: readonly ExitCodeDoc[] = [
  { code: 0, meaning: "the archive was written" },
  {
    code: 1,
    meaning:
      "no archive: no such container, none of its backup directories is mounted, the file exists, or Docker failed",
  },
  { code: EXIT_USAGE, meaning: "usage error: unknown option, not exactly one of --out and --to" },
];

/** The exit codes as `dmsctl restore --help` and docs/cli.md list them. */
export const RESTORE_EXIT_DOCS: readonly ExitCodeDoc[] = [
  { code: 0, meaning: "restored: every directory in the archive replaced the container's" },
  {
    code: 1,
    meaning:
      "not restored, the data is unchanged: no such container, it runs (pass --stop), a bad archive, or extraction failed",
  },
  { code: EXIT_USAGE, meaning: "usage error: unknown option, missing or unreadable --from" },
  {
    code: 3,
    meaning:
      "the swap failed midway: both copies are kept in each volume (.dms-restore-old, .dms-restore-new) and the container is left stopped",
  },
];

interface BackupOptions {
  readonly out?: string;
  readonly to?: string;
  readonly stop: boolean;
  readonly image?: string;
}

interface RestoreOptions {
  readonly from?: string;
  readonly stop: boolean;
  readonly image?: string;
}

/** Registers `backup` and `restore`. */
export function registerBackupCommands(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command("backup")
    .description(
      "Archive the config, mail, state and log volumes of a docker-mailserver container (tar.gz)",
    )
    .addHelpText("after", exitCodesHelp(BACKUP_EXIT_DOCS))
    .argument("<container>", "the mail container's name or id")
    .option("--out <dir>", "write <container>-<YYYYMMDDTHHMMSSZ>.tar.gz (UTC) into this directory")
    .option("--to <file>", "write the archive to this file")
    .option("--stop", "stop the container while archiving and start it again after", false)
    .option("--image <image>", "image of the helper container (default: the container's own)")
    .action(async (container: string, opts: BackupOptions) => {
      exit.code = await runBackup(container, opts, io, new Date());
    });
  program
    .command("restore")
    .description(
      "Restore a `dmsctl backup` archive into the volumes of a docker-mailserver container",
    )
    .addHelpText("after", exitCodesHelp(RESTORE_EXIT_DOCS))
    .argument("<container>", "the mail container's name or id (created or stopped)")
    .option("--from <file>", "the archive written by dmsctl backup or the scheduled backup")
    .option("--stop", "stop the container if it runs, and start it again after", false)
    .option("--image <image>", "image of the helper container (default: the container's own)")
    .action(async (container: string, opts: RestoreOptions) => {
      exit.code = await runRestore(container, opts, io);
    });
}

function say(io: CliIo, cmd: string, text: string): void {
  io.stderr(`dmsctl ${cmd}: ${text}\n`);
}

async function stopIfAsked(
  io: CliIo,
  cmd: string,
  info: ContainerInfo,
  stop: boolean,
): Promise<boolean | string> {
  if (!info.running || !stop) return false;
  say(io, cmd, `stopping ${info.name} (up to ${STOP_GRACE_S} s)`);
  const r = await runDocker(["stop", "-t", String(STOP_GRACE_S), info.id], {
    timeoutMs: (STOP_GRACE_S + 30) * 1000,
  });
  return r.code === 0 ? true : `docker stop ${info.name} failed: ${r.stderr.trim()}`;
}

async function startAgain(io: CliIo, cmd: string, info: ContainerInfo): Promise<void> {
  const r = await runDocker(["start", info.id], { timeoutMs: 60_000 });
  say(
    io,
    cmd,
    r.code === 0
      ? `started ${info.name} again`
      : `docker start ${info.name} failed: ${r.stderr.trim()}`,
  );
}

/** The backup directories `info` mounts (archive member names). */
export function mountedBackupDirs(info: ContainerInfo): string[] {
  const dests = new Set(info.mounts.map((m) => m.destination.replace(/\/+$/, "")));
  return BACKUP_DIRS.filter((d) => dests.has(`/${d}`));
}

/** Runs `dmsctl backup`; resolves to the exit code. `now` names the archive (UTC). */
export async function runBackup(
  container: string,
  opts: BackupOptions,
  io: CliIo,
  now: Date,
): Promise<number> {
  if ((opts.out === undefined) === (opts.to === undefined)) {
    say(io, "backup", "give exactly one of --out DIR and --to FILE");
    return EXIT_USAGE;
  }
  if (opts.out !== undefined && !isDir(opts.out)) {
    say(io, "backup", `--out: ${JSON.stringify(opts.out)} is not a directory`);
    return EXIT_USAGE;
  }
  const info = await inspectContainer(container);
  if (typeof info === "string") {
    say(io, "backup", info);
    return 1;
  }
  const dirs = mountedBackupDirs(info);
  if (dirs.length === 0) {
    say(io, "backup", `${info.name} mounts none of ${BACKUP_DIRS.map((d) => `/${d}`).join(", ")}`);
    return 1;
  }
  const file = resolve(opts.to ?? join(opts.out!, backupArchiveName(info.name, now)));
  if (existsSync(file)) {
    say(io, "backup", `${file} exists; not overwriting it`);
    return 1;
  }
  const stopped = await stopIfAsked(io, "backup", info, opts.stop);
  if (typeof stopped === "string") {
    say(io, "backup", stopped);
    return 1;
  }
  const partial = `${file}.partial`;
  say(io, "backup", `archiving ${dirs.map((d) => `/${d}`).join(" ")} of ${info.name}`);
  const r = await runDocker(
    [
      "run",
      "--rm",
      "--network",
      "none",
      "--volumes-from",
      `${info.id}:ro`,
      "--entrypoint",
      "/bin/sh",
      opts.image ?? info.imageId,
      "-c",
      BACKUP_TO_STDOUT_SCRIPT,
    ],
    { stdoutFile: partial, timeoutMs: ARCHIVE_TIMEOUT_MS },
  );
  if (stopped === true) await startAgain(io, "backup", info);
  if (r.code !== 0) {
    rmSync(partial, { force: true });
    say(io, "backup", `failed (exit ${r.code}): ${r.stderr.trim()}`);
    return 1;
  }
  renameSync(partial, file);
  io.stdout(`${file}\n`);
  say(io, "backup", `wrote ${statSync(file).size} bytes`);
  return 0;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Runs `dmsctl restore`; resolves to the exit code. */
export async function runRestore(
  container: string,
  opts: RestoreOptions,
  io: CliIo,
): Promise<number> {
  if (opts.from === undefined) {
    say(io, "restore", "--from FILE is required");
    return EXIT_USAGE;
  }
  let isFile = false;
  try {
    isFile = statSync(opts.from).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) {
    say(io, "restore", `--from: cannot read ${JSON.stringify(opts.from)}`);
    return EXIT_USAGE;
  }
  const info = await inspectContainer(container);
  if (typeof info === "string") {
    say(io, "restore", info);
    return 1;
  }
  if (info.running && !opts.stop) {
    say(
      io,
      "restore",
      `${info.name} is running; refusing to restore under a running server (stop it, or pass --stop); nothing was changed`,
    );
    return 1;
  }
  const stopped = await stopIfAsked(io, "restore", info, opts.stop);
  if (typeof stopped === "string") {
    say(io, "restore", `${stopped}; nothing was changed`);
    return 1;
  }
  const archive = "/tmp/dms-restore.tar.gz";
  const r = await runDocker(
    [
      "run",
      "--rm",
      "-i",
      "--network",
      "none",
      "--volumes-from",
      info.id,
      "--entrypoint",
      "/bin/sh",
      opts.image ?? info.imageId,
      "-c",
      `cat > ${archive} || { echo "restore: cannot receive the archive" >&2; exit ${RESTORE_EXIT_STAGE_FAILED}; }\nset -- ${archive}\n${RESTORE_SCRIPT}`,
    ],
    {
      stdinFile: opts.from,
      timeoutMs: ARCHIVE_TIMEOUT_MS,
      onStderr: (t) => {
        if (io.stderrIsTty) io.stderr(t);
      },
    },
  );
  const detail = r.stderr.trim();
  if (r.code === RESTORE_EXIT_SWAP_FAILED) {
    say(io, "restore", `the swap failed midway; the container stays stopped:\n${detail}`);
    return 3;
  }
  if (stopped === true) await startAgain(io, "restore", info);
  if (r.code !== 0) {
    const why =
      r.code === RESTORE_EXIT_BAD_ARCHIVE
        ? "not a backup archive"
        : r.code === RESTORE_EXIT_NOT_MOUNTED
          ? "the container does not mount a directory of the archive"
          : `exit ${r.code}`;
    say(io, "restore", `not restored (${why}); the container's data is unchanged:\n${detail}`);
    return 1;
  }
  if (!io.stderrIsTty && detail !== "") io.stderr(`${detail}\n`);
  io.stdout(`restored ${opts.from} into ${info.name}\n`);
  return 0;
}
