/**
 * Root causes of failed lookups in a live diff: when the DNS server gives no answer at all, or no
 * answer about one zone, every record set it holds fails the same way. The diff then says so once
 * (a note and {@link Diff.rootCauses}) and each record set it could not compare points at that
 * cause, instead of a list of look-alike "lookup failed" lines that hide it. Pure.
 */
import { longestZone } from "../records/names";
import type { Diff, LiveRecordSet } from "./types";
import { pushTo } from "../spec/order";

const ANSWERED = new Set(["ok", "nxdomain", "nodata"]);
const SILENT = new Set(["timeout", "unreachable"]);
const statusOf = (s: LiveRecordSet): string => s.status ?? "ok";

function counted(sets: readonly LiveRecordSet[]): string {
  const counts = new Map<string, number>();
  for (const s of sets) counts.set(statusOf(s), (counts.get(statusOf(s)) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
}

/**
 * The causes behind failed lookups, one sentence each, keyed by zone (`*` for the server): the
 * server as a whole when no lookup got any DNS message back, else each zone of which no lookup
 * was answered (SERVFAIL, REFUSED or silence for every name in it). Empty when failures are scattered (each then
 * keeps its own line).
 *
 * @param zones the zone apexes of the plan, to group names by zone
 * @param server how the report names the DNS server(s) asked
 */
export function lookupRootCauses(
  live: readonly LiveRecordSet[],
  zones: readonly string[],
  server: string,
): Map<string, string> {
  const causes = new Map<string, string>();
  if (live.length === 0) return causes;
  // No DNS message came back at all: the server, not any zone, is the cause.
  if (live.every((s) => SILENT.has(statusOf(s)))) {
    causes.set("*", `${server} does not answer: ${live.length} lookups, ${counted(live)}`);
    return causes;
  }
  const byZone = new Map<string, LiveRecordSet[]>();
  for (const s of live) {
    const z = longestZone(s.name, zones) ?? s.name;
    // One zone can hold every lookup (16,000 for 1,000 domains): a copy per lookup made this
    // quadratic, 11 s of a 12 s diff in the bench.
    pushTo(byZone, z, s);
  }
  for (const [z, sets] of [...byZone].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (sets.length > 1 && sets.every((s) => !ANSWERED.has(statusOf(s)))) {
      causes.set(
        z,
        `no answer about ${z} from ${server}: ${sets.length} lookups, ${counted(sets)}`,
      );
    }
  }
  return causes;
}

/**
 * `diff` with its failed lookups pointed at their root causes: each `lookup-failed` entry whose
 * zone (or the whole server) has a cause says "not compared" and names it; the causes become notes
 * and {@link Diff.rootCauses}.
 */
export function withRootCauses(diff: Diff, causes: ReadonlyMap<string, string>): Diff {
  if (causes.size === 0) return diff;
  const changes = diff.changes.map((c) => {
    if (c.conflict !== "lookup-failed") return c;
    const cause = causes.get("*") ?? causes.get(c.zone);
    return cause === undefined ? c : { ...c, summary: `not compared: ${cause}` };
  });
  const rootCauses = [...causes.values()];
  return {
    ...diff,
    changes,
    rootCauses,
    notes: [...new Set([...diff.notes, ...rootCauses.map((r) => `Root cause: ${r}.`)])].sort(),
  };
}
