/**
 * The outbound port 25 probe as a shell command, for a one-shot container on the mail host (the
 * `Port25Check` component): the probe must run where the mail server runs, behind the same
 * provider firewall, so it runs in a container of the docker-mailserver image itself, which is
 * already on that Docker host. The image is Debian with bash and coreutils (`timeout`, `date`), so
 * the probe needs nothing else: bash's `/dev/tcp` opens the connection.
 *
 * Output, one line per target (in any order, targets run in parallel), then an end marker:
 *
 * ```
 * DMS-PORT25 <host:port> <outcome> <elapsed-ms> <detail...>
 * DMS-PORT25-END
 * ```
 *
 * {@link parsePort25ProbeOutput} turns container logs back into {@link Port25TargetResult}s.
 */
import {
  DEFAULT_PORT25_TARGETS,
  DEFAULT_PORT25_TIMEOUT_MS,
  PORT25_OUTCOMES,
  formatTarget,
  type Port25Outcome,
  type Port25Target,
  type Port25TargetResult,
} from "./port25";

/** Prefix of each result line. */
export const PROBE_LINE_PREFIX = "DMS-PORT25";
/** The line printed after every target is done. */
export const PROBE_END_MARKER = "DMS-PORT25-END";

/**
 * The bash program. Arguments: `[--timeout SECONDS] [--ehlo NAME] TARGET...`, each target
 * `host:port` or `[v6]:port`. Each target runs under `timeout`, all in parallel, so the whole
 * probe takes at most SECONDS (+1 s for the kill grace).
 *
 * Written with `@{` for bash's `${` (replaced below) so the template literal does not interpolate.
 */
export const PORT25_PROBE_SCRIPT = String.raw`set -u
timeout_s=10
ehlo=port25-probe.invalid
while [ $# -gt 0 ]; do
  case $1 in
    --timeout) timeout_s=$2; shift 2 ;;
    --ehlo) ehlo=$2; shift 2 ;;
    *) break ;;
  esac
done
now_ms() { local n; n=$(date +%s%N); echo $(( n / 1000000 )); }
clean() { local s=@{1//$'\r'/}; s=@{s//[^[:print:]]/?}; printf '%s' "@{s:0:100}"; }
session() {
  local host=$1 port=$2 ehlo=$3 line
  exec 3<>"/dev/tcp/$host/$port" || exit 3
  echo connected
  reply() {
    while :; do
      if ! IFS= read -r line <&3; then echo "eof $1"; exit 4; fi
      line=@{line%$'\r'}
      case $line in
        [2-5][0-9][0-9]-*) ;;
        [2-5][0-9][0-9] | [2-5][0-9][0-9]" "*) echo "$1 $line"; return 0 ;;
        *) echo "garbage $1 $line"; exit 5 ;;
      esac
    done
  }
  reply banner
  case $line in 220*) ;; *) exit 0 ;; esac
  printf 'EHLO %s\r\n' "$ehlo" >&3
  reply ehlo
  printf 'QUIT\r\n' >&3
  exec 3<&-
}
export -f session
probe_one() {
  local target=$1 host port start out rc elapsed outcome detail last
  host=@{target%:*}; port=@{target##*:}; host=@{host#[}; host=@{host%]}
  start=$(now_ms)
  out=$(timeout -k 1 "$timeout_s" bash -c 'session "$@"' session "$host" "$port" "$ehlo" 2>&1)
  rc=$?
  elapsed=$(( $(now_ms) - start ))
  last=$(printf '%s\n' "$out" | tail -n 1)
  if [[ $out == *"reset by peer"* ]]; then
    outcome=reset; detail="connection reset by the peer"
  elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    if [[ $out == *connected* ]]; then
      outcome=tarpit; detail="connected, but no reply within $timeout_s s"
    else
      outcome=timeout; detail="no answer to the connection attempt within $timeout_s s"
    fi
  elif [[ $out == *"Connection refused"* ]]; then
    outcome=refused; detail="connection refused"
  elif [[ $out == *"No route to host"* || $out == *"Network is unreachable"* ]]; then
    outcome=unreachable; detail="$(clean "$last")"
  elif [[ $out == *$'\n'"garbage "* || $out == "garbage "* ]]; then
    outcome=unexpected-banner; detail="not an SMTP reply: $(clean "@{last#garbage * }")"
  elif [[ $out == *$'\n'"eof "* ]]; then
    outcome=reset; detail="connection closed by the peer during @{last#eof }"
  elif [[ $out == *$'\n'"banner "* && $out != *$'\n'"banner 220"* ]]; then
    outcome=unexpected-banner; detail="banner $(clean "@{last#banner }") is not 220"
  elif [[ $out == *$'\n'"ehlo 250"* ]]; then
    outcome=open; detail="banner $(clean "$(printf '%s\n' "$out" | sed -n 's/^banner //p')")"
  elif [[ $out == *$'\n'"ehlo "* ]]; then
    outcome=unexpected-banner; detail="EHLO got $(clean "@{last#ehlo }")"
  else
    outcome=error; detail="$(clean "$last")"
  fi
  printf '%s %s %s %s %s\n' DMS-PORT25 "$target" "$outcome" "$elapsed" "$detail"
}
for target in "$@"; do probe_one "$target" & done
wait
echo DMS-PORT25-END
`.replaceAll("@{", "${");

/** Options of {@link port25ProbeCommand}. */
export interface Port25ProbeCommandOptions {
  /** @default {@link DEFAULT_PORT25_TARGETS} */
  readonly targets?: readonly Port25Target[];
  /** Bound of the whole probe in milliseconds (rounded up to whole seconds). @default 10000 */
  readonly timeoutMs?: number;
}

/**
 * The exact argv the one-shot container runs (entrypoint included): `/bin/bash -c SCRIPT ...`.
 * Tests run this same argv inside a network namespace.
 */
export function port25ProbeCommand(options: Port25ProbeCommandOptions = {}): string[] {
  const targets = options.targets ?? DEFAULT_PORT25_TARGETS;
  const timeoutS = Math.max(1, Math.ceil((options.timeoutMs ?? DEFAULT_PORT25_TIMEOUT_MS) / 1000));
  return [
    "/bin/bash",
    "-c",
    PORT25_PROBE_SCRIPT,
    "dms-port25-probe",
    "--timeout",
    String(timeoutS),
    ...targets.map(formatTarget),
  ];
}

/** What {@link parsePort25ProbeOutput} found. */
export interface ParsedProbeOutput {
  /** Results in the order of `targets` when given, else in output order. */
  readonly results: readonly Port25TargetResult[];
  /** Whether the end marker was seen (the probe ran to completion). */
  readonly complete: boolean;
}

const OUTCOMES = new Set<string>(PORT25_OUTCOMES);

/**
 * Parses container logs (other lines are ignored). With `targets`, each expected target without a
 * result line gets an `error` result, so a truncated log never reads as success.
 */
export function parsePort25ProbeOutput(
  logs: string,
  targets?: readonly Port25Target[],
): ParsedProbeOutput {
  const found = new Map<string, Port25TargetResult>();
  let complete = false;
  for (const raw of logs.split("\n")) {
    // From the marker on: a log stream read without a TTY puts Docker's frame header before it.
    const at = raw.indexOf("DMS-PORT25");
    if (at < 0) continue;
    const line = raw.slice(at).replace(/\r$/, "");
    if (line === PROBE_END_MARKER) {
      complete = true;
      continue;
    }
    const m = /^DMS-PORT25 (\S+) (\S+) (\d+) ?(.*)$/.exec(line);
    if (!m || !OUTCOMES.has(m[2]!)) continue;
    found.set(m[1]!, {
      target: m[1]!,
      outcome: m[2] as Port25Outcome,
      elapsedMs: Number(m[3]),
      detail: m[4]!,
    });
  }
  if (!targets) return { results: [...found.values()], complete };
  const results = targets.map((t) => {
    const name = formatTarget(t);
    return (
      found.get(name) ?? {
        target: name,
        outcome: "error" as const,
        elapsedMs: 0,
        detail: complete ? "no result line for this target" : "the probe did not finish",
      }
    );
  });
  return { results, complete };
}
