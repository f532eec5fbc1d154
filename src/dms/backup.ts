/**
 * Backups of docker-mailserver's volumes as data: which directories an archive holds, how an
 * archive is named, and the shell scripts that write, restore and schedule one. Pure: the CLI
 * (`dmsctl backup`, `dmsctl restore`) and the `MailServer` component's scheduled backup container
 * run these scripts in a container that shares the mail container's volumes, the way
 * docker-mailserver's FAQ does it ("What about backups?",
 * https://docker-mailserver.github.io/docker-mailserver/latest/faq/#what-about-backups).
 *
 * The archive is a gzip'd tar whose members are relative to `/`: `var/mail`, `var/mail-state`,
 * `var/log/mail` and `tmp/docker-mailserver` (each only when the container mounts it), with
 * numeric owners, so an archive written by the component's job restores with `dmsctl restore`
 * and the other way round.
 */
import type { MailServerSpec } from "../spec/schema";
import { CONFIG_DIR } from "./files";
import type { BackupPlan, ContainerPlan } from "./types";

/** The directories a backup holds, as archive member names (relative to `/`), in archive order. */
export const BACKUP_DIRS = [
  "var/mail",
  "var/mail-state",
  "var/log/mail",
  CONFIG_DIR.replace(/^\/+|\/+$/g, ""),
] as const;

/** Staging directory names a restore leaves inside each volume while it runs; never archived. */
export const RESTORE_NEW = ".dms-restore-new";
export const RESTORE_OLD = ".dms-restore-old";

/** Exit code of the restore script when the archive holds something other than {@link BACKUP_DIRS}. */
export const RESTORE_EXIT_BAD_ARCHIVE = 3;
/** Exit code of the restore script when a directory of the archive is not mounted in the target. */
export const RESTORE_EXIT_NOT_MOUNTED = 4;
/** Exit code of the restore script when the new data could not be staged (old data untouched). */
export const RESTORE_EXIT_STAGE_FAILED = 5;
/** Exit code of the restore script when the swap failed midway (both copies kept, see its output). */
export const RESTORE_EXIT_SWAP_FAILED = 6;

/**
 * `YYYYMMDDTHHMMSSZ` of `date` in UTC: sortable, and the same in every time zone.
 * @example backupStamp(new Date("2026-11-30T11:02:03.456Z")) === "20261130T110203Z"
 */
export function backupStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

/** The file name of an archive: `<prefix>-<YYYYMMDDTHHMMSSZ>.tar.gz` (prefix: a name-safe word). */
export function backupArchiveName(prefix: string, date: Date): string {
  return `${safePrefix(prefix)}-${backupStamp(date)}.tar.gz`;
}

/** The prefix reduced to `[A-Za-z0-9_.-]` (a container name may hold `/` when Docker reports it). */
export function safePrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, "").replace(/[^A-Za-z0-9_.-]+/g, "_");
  return p === "" ? "dms-backup" : p;
}

/**
 * A POSIX sh script writing the archive of every mounted backup directory to stdout (its only
 * output there; messages go to stderr). GNU tar's exit 1 ("file changed as we read it", normal for
 * the logs of a running server) is accepted with a note; anything worse fails.
 */
export const BACKUP_TO_STDOUT_SCRIPT = [
  "set -u",
  "set --",
  `for d in ${BACKUP_DIRS.join(" ")}; do [ -d "/$d" ] && set -- "$@" "$d"; done`,
  'if [ "$#" -eq 0 ]; then echo "backup: none of /var/mail, /var/mail-state, /var/log/mail, /tmp/docker-mailserver is mounted" >&2; exit 4; fi',
  'echo "backup: archiving $*" >&2',
  `tar --numeric-owner --exclude=${RESTORE_NEW} --exclude=${RESTORE_OLD} -czf - -C / "$@"`,
  "rc=$?",
  'if [ "$rc" -eq 1 ]; then echo "backup: some files changed while they were read (a running server); the archive is complete otherwise" >&2; exit 0; fi',
  'exit "$rc"',
].join("\n");

/**
 * A POSIX sh script restoring the archive at `$1` into the mounted backup directories, without
 * ever deleting data on a failure:
 *
 * 1. list the archive; refuse (exit {@link RESTORE_EXIT_BAD_ARCHIVE}) a member outside
 *    {@link BACKUP_DIRS} or one with `..`, and (exit {@link RESTORE_EXIT_NOT_MOUNTED}) a directory
 *    the target does not mount;
 * 2. extract each directory into `<dir>/.dms-restore-new` (same volume, so the swap is renames);
 *    on any failure remove the staged copies and exit {@link RESTORE_EXIT_STAGE_FAILED}: the live
 *    data was not touched;
 * 3. per directory, move the live entries into `<dir>/.dms-restore-old` and the staged ones up;
 *    a failure here exits {@link RESTORE_EXIT_SWAP_FAILED} and keeps both copies, naming them;
 * 4. only when every directory was swapped, delete the `.dms-restore-old` copies.
 */
export const RESTORE_SCRIPT = [
  "set -u",
  'a="$1"',
  'list=$(tar -tzf "$a") || { echo "restore: cannot read the archive" >&2; exit 3; }',
  'bad=$(printf "%s\\n" "$list" | grep -Ev ' +
    `'^(${BACKUP_DIRS.map((d) => d.replace(/[.]/g, "\\.")).join("|")})(/|$)' | head -n 5)`,
  'if [ -n "$bad" ]; then echo "restore: the archive holds entries outside the backup directories, e.g.: $bad" >&2; exit 3; fi',
  'if printf "%s\\n" "$list" | grep -Eq \'(^|/)\\.\\.(/|$)\'; then echo "restore: the archive holds .. entries" >&2; exit 3; fi',
  "set --",
  `for d in ${BACKUP_DIRS.join(" ")}; do`,
  '  if printf "%s\\n" "$list" | grep -Eq "^$d(/|\\$)"; then',
  '    [ -d "/$d" ] || { echo "restore: /$d is in the archive but not mounted in the container" >&2; exit 4; }',
  '    set -- "$@" "$d"',
  "  fi",
  "done",
  'if [ "$#" -eq 0 ]; then echo "restore: the archive holds none of the backup directories" >&2; exit 3; fi',
  'cleanup_new() { for d in "$@"; do rm -rf "/$d/' + RESTORE_NEW + '"; done; }',
  'for d in "$@"; do',
  `  new="/$d/${RESTORE_NEW}"; rm -rf "$new" "/$d/${RESTORE_OLD}"`,
  '  strip=$(printf "%s" "$d" | tr -cd / | wc -c); strip=$((strip + 1))',
  '  if ! { mkdir "$new" && tar --numeric-owner -xzpf "$a" -C "$new" --strip-components="$strip" "$d"; }; then',
  '    echo "restore: extracting /$d failed; nothing was changed" >&2; cleanup_new "$@"; exit 5',
  "  fi",
  '  echo "restore: staged /$d" >&2',
  "done",
  'for d in "$@"; do',
  `  old="/$d/${RESTORE_OLD}"; new="/$d/${RESTORE_NEW}"`,
  `  if ! { mkdir "$old" && find "/$d" -mindepth 1 -maxdepth 1 ! -name ${RESTORE_NEW} ! -name ${RESTORE_OLD} -exec mv -t "$old" {} + && find "$new" -mindepth 1 -maxdepth 1 -exec mv -t "/$d" {} + && rmdir "$new"; }; then`,
  '    echo "restore: swapping /$d failed; the previous data is in /$d/' +
    RESTORE_OLD +
    " and the restored data in /$d/" +
    RESTORE_NEW +
    ' (nothing was deleted)" >&2; exit 6',
  "  fi",
  '  echo "restore: swapped /$d" >&2',
  "done",
  `for d in "$@"; do rm -rf "/$d/${RESTORE_OLD}"; done`,
  'echo "restore: restored $*" >&2',
].join("\n");

/** A backup schedule: every day at `hour:minute` UTC. */
export interface BackupSchedule {
  readonly hour: number;
  readonly minute: number;
}

/** Parses `HH:MM` (24-hour, UTC); undefined when it is not one. */
export function parseBackupTime(text: string): BackupSchedule | undefined {
  const m = /^([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(text);
  return m ? { hour: Number(m[1]), minute: Number(m[2]) } : undefined;
}

/**
 * The command of the long-running backup container: a bash loop that sleeps until the next
 * `HH:MM` UTC, writes `<prefix>-<stamp>.tar.gz` (first as `.partial`, renamed when complete) into
 * `targetDir`, and deletes the oldest archives of that prefix beyond `retention`. Bash (for the
 * arithmetic and `printf '%(...)T'`-free date math) is in the docker-mailserver image.
 */
export function scheduledBackupScript(opts: {
  readonly schedule: BackupSchedule;
  readonly retention: number;
  readonly prefix: string;
  readonly targetDir: string;
}): string {
  const prefix = safePrefix(opts.prefix);
  const at = opts.schedule.hour * 3600 + opts.schedule.minute * 60;
  return [
    "set -u",
    // The archives hold the config's secrets: readable by root only.
    "umask 077",
    `dir=${shellQuote(opts.targetDir)}`,
    `prefix=${shellQuote(prefix)}`,
    `keep=${opts.retention}`,
    `at=${at}`,
    "backup() {",
    BACKUP_TO_STDOUT_SCRIPT.split("\n")
      .map((l) => `  ${l.replace(/\bexit\b/g, "return")}`)
      .join("\n"),
    "}",
    'echo "dms-backup: daily at $(printf %02d:%02d $((at / 3600)) $((at % 3600 / 60))) UTC into $dir, keeping $keep"',
    "while :; do",
    "  now=$(date -u +%s); day=$((now - now % 86400)); next=$((day + at))",
    '  [ "$next" -le "$now" ] && next=$((next + 86400))',
    '  sleep $((next - now)) & wait "$!"',
    '  stamp=$(date -u +%Y%m%dT%H%M%SZ); out="$dir/$prefix-$stamp.tar.gz"',
    '  if backup > "$out.partial"; then mv "$out.partial" "$out"; echo "dms-backup: wrote $out";',
    '  else rm -f "$out.partial"; echo "dms-backup: FAILED at $stamp" >&2; fi',
    '  ls -1 "$dir" | grep -E "^$prefix-[0-9]{8}T[0-9]{6}Z\\.tar\\.gz\\$" | sort | head -n -"$keep" |',
    '    while read -r f; do rm -f "$dir/$f" && echo "dms-backup: removed $f (retention $keep)"; done',
    "done",
  ].join("\n");
}

/** `s` in single quotes for sh. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Where the backup container mounts the target directory. */
export const BACKUP_CONTAINER_DIR = "/backup";

/** The scheduled backup of `spec.backup`, or undefined without one. */
export function planBackup(spec: MailServerSpec, container: ContainerPlan): BackupPlan | undefined {
  const b = spec.backup;
  if (b === undefined) return undefined;
  const schedule = parseBackupTime(b.schedule);
  if (schedule === undefined) throw new Error(`backup.schedule: not HH:MM: ${b.schedule}`);
  const prefix = safePrefix(spec.hostname);
  return {
    image: container.image,
    command: [
      "/bin/bash",
      "-c",
      scheduledBackupScript({
        schedule,
        retention: b.retention,
        prefix,
        targetDir: BACKUP_CONTAINER_DIR,
      }),
    ],
    schedule: b.schedule,
    retention: b.retention,
    hostDir: b.target.hostDir,
    containerDir: BACKUP_CONTAINER_DIR,
    volumes: container.volumes,
    prefix,
  };
}
