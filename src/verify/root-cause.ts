/**
 * Root causes: one broken thing that makes many checks fail is reported once. A resolver that
 * does not answer, a zone whose server gives no answers, or a mail host that accepts connections
 * and says nothing would otherwise fail every check that depends on it, each telling the user to
 * publish a record or open a firewall. Here such a group becomes ONE failed check naming the cause,
 * and the checks it broke are skipped with a message pointing at it.
 *
 * This works on what the checks did (the DNS lookups each group of checks made, recorded by
 * {@link RecordingDns}) and on the network checks' results, so the checks themselves stay unaware
 * of each other.
 */
import { DnsClient, type DnsAnswer, type DnsStatus } from "../net/dns";
import type { RecordType } from "../records/types";
import { fail, skip, type Check } from "./checks";
import { connectFailureKind, NO_SESSION } from "./tls-checks";
import { pushTo } from "../spec/order";

/** One DNS lookup a group of checks made, and how it ended. */
export interface LookupOutcome {
  readonly name: string;
  readonly type: string;
  readonly status: DnsStatus;
}

/** Node's resolver error codes, as {@link DnsStatus} (for the `resolve` path mailauth uses). */
const CODE_STATUS: Readonly<Record<string, DnsStatus>> = {
  ENOTFOUND: "nxdomain",
  ENODATA: "nodata",
  ESERVFAIL: "servfail",
  EREFUSED: "refused",
  ETIMEOUT: "timeout",
  ECONNREFUSED: "unreachable",
};

/**
 * A {@link DnsClient} that asks through another and records every lookup's outcome, so the
 * orchestrator knows which lookups a group of checks depended on. One per group of checks.
 */
export class RecordingDns extends DnsClient {
  readonly lookups: LookupOutcome[] = [];

  constructor(private readonly inner: DnsClient) {
    super();
  }

  override async query(name: string, type: RecordType): Promise<DnsAnswer> {
    const a = await this.inner.query(name, type);
    this.lookups.push({ name: a.name, type: a.type, status: a.status });
    return a;
  }

  override async nameservers(zone: string): ReturnType<DnsClient["nameservers"]> {
    const r = await this.inner.nameservers(zone);
    this.lookups.push({ name: zone, type: "NS", status: r.status });
    return r;
  }

  override async resolve(name: string, rrtype: string): Promise<unknown> {
    try {
      const r = await this.inner.resolve(name, rrtype);
      this.lookups.push({ name, type: rrtype, status: "ok" });
      return r;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "";
      this.lookups.push({ name, type: rrtype, status: CODE_STATUS[code] ?? "error" });
      throw err;
    }
  }
}

/** The checks of one group (one task of the orchestrator) and what it depended on. */
export interface CheckGroup {
  readonly checks: readonly Check[];
  /** The DNS lookups the group made; empty for groups that ask no DNS. */
  readonly lookups: readonly LookupOutcome[];
  /** Whether the group's checks connect to the mail host (SMTP/TLS). */
  readonly network?: boolean;
}

/** What {@link groupByRootCause} needs to name the causes. */
export interface RootCauseContext {
  /** How the DNS server is named: `127.0.0.1:9`, or `the system's resolver`. */
  readonly resolverLabel: string;
  /** The mail domains and the hostname, to tell which zone a lookup name belongs to. */
  readonly zones: readonly string[];
}

/** Statuses that mean the server answered (even if only to say there is no such record). */
const ANSWERED = new Set<DnsStatus>(["ok", "nxdomain", "nodata"]);
/** Statuses that mean no DNS message came back at all. */
const SILENT = new Set<DnsStatus>(["timeout", "unreachable"]);

function zoneOf(name: string, zones: readonly string[]): string {
  const n = name.toLowerCase().replace(/\.$/, "");
  let best: string | undefined;
  for (const z of zones) {
    if ((n === z || n.endsWith(`.${z}`)) && (best === undefined || z.length > best.length))
      best = z;
  }
  if (best !== undefined) return best;
  // Outside the mail zones (a reverse zone, a DNSBL, an SPF include): its parent stands for it.
  const dot = n.indexOf(".");
  return dot === -1 ? n : n.slice(dot + 1);
}

function statusWords(lookups: readonly LookupOutcome[]): string {
  const counts = new Map<string, number>();
  for (const l of lookups) counts.set(l.status, (counts.get(l.status) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([s, n]) => `${n} ${s === "unreachable" ? "unreachable (nothing listens)" : s}`)
    .join(", ");
}

/** Skips the failed checks of `group` because of `cause`; passing and skipped checks stay. */
function skipFailed(checks: readonly Check[], because: string): Check[] {
  return checks.map((c) => (c.status === "fail" ? skip(c.id, c.subject, because) : c));
}

/**
 * Replaces failures that share one root cause by a single failed check for the cause; the checks
 * it broke become skipped, naming it. Checks with their own problem (a wrong record that was
 * answered) are left as they are. Returns the checks unsorted.
 */
export function groupByRootCause(groups: readonly CheckGroup[], ctx: RootCauseContext): Check[] {
  const out: Check[] = [];
  const dnsGroups = groups.filter((g) => g.lookups.length > 0);
  const all = dnsGroups.flatMap((g) => g.lookups);
  const handled = new Set<CheckGroup>();

  // 1. The resolver: not one lookup got any DNS answer back.
  if (all.length > 0 && all.every((l) => !ANSWERED.has(l.status))) {
    const silent = all.every((l) => SILENT.has(l.status));
    const what = silent
      ? `the DNS server ${ctx.resolverLabel} does not answer`
      : `the DNS server ${ctx.resolverLabel} answers no question`;
    out.push(
      fail(
        "dns-server-answers",
        ctx.resolverLabel,
        `${what}: ${all.length} lookup${all.length === 1 ? "" : "s"}, ${statusWords(all)}`,
        silent
          ? `Check that a DNS server listens at ${ctx.resolverLabel} and is reachable from here (--resolver HOST:PORT), or leave --resolver out to ask the system's resolver.`
          : `Ask a DNS server that resolves these names (--resolver HOST:PORT), or leave --resolver out to ask the system's resolver.`,
      ),
    );
    const because = `skipped: ${what} (see dns-server-answers)`;
    for (const g of dnsGroups) {
      out.push(...skipFailed(g.checks, because));
      handled.add(g);
    }
  } else {
    // 2. A zone: the server answers other questions, but none about this zone.
    const byZone = new Map<string, LookupOutcome[]>();
    for (const l of all) {
      const z = zoneOf(l.name, ctx.zones);
      pushTo(byZone, z, l);
    }
    const dead = new Set(
      [...byZone]
        .filter(([z, ls]) => ctx.zones.includes(z) && ls.every((l) => !ANSWERED.has(l.status)))
        .map(([z]) => z),
    );
    for (const z of [...dead].sort()) {
      const ls = byZone.get(z)!;
      out.push(
        fail(
          "dns-zone-answers",
          z,
          `no answer about ${z} from ${ctx.resolverLabel}: ${ls.length} lookup${ls.length === 1 ? "" : "s"}, ${statusWords(ls)}`,
          `Check the zone ${z} at its DNS host: its authoritative servers must be delegated to (NS at the parent) and serve it.`,
        ),
      );
    }
    for (const g of dnsGroups) {
      const failed = g.lookups.filter((l) => !ANSWERED.has(l.status));
      const zones = [...new Set(failed.map((l) => zoneOf(l.name, ctx.zones)))];
      // Only when every lookup that went wrong was about a dead zone: otherwise the group's own
      // failure may have another cause, and it keeps its message.
      if (failed.length === 0 || !zones.every((z) => dead.has(z))) continue;
      const because = `skipped: no answer about ${zones.sort().join(", ")} (see dns-zone-answers)`;
      out.push(...skipFailed(g.checks, because));
      handled.add(g);
    }
  }

  // 3. The mail host: connections that fail the same way on every port (a host that is down or
  // firewalled, or accepts and stays silent) are one cause, reported on the first port.
  const network = groups.filter((g) => g.network === true);
  const netChecks = network.flatMap((g) => g.checks);
  const failedConnects = netChecks
    .filter((c) => c.status === "fail")
    .map((c) => ({ check: c, kind: connectFailureKind(c) }));
  const kinds = new Set(failedConnects.map((f) => f.kind));
  if (
    failedConnects.length > 1 &&
    kinds.size === 1 &&
    !kinds.has(undefined) &&
    failedConnects.length === netChecks.filter((c) => c.status !== "skip").length
  ) {
    const first = failedConnects[0]!.check;
    const subjects = failedConnects.map((f) => f.check.subject);
    const because = `skipped: ${first.subject} failed the same way (see ${first.id})`;
    for (const g of network) {
      for (const c of g.checks) {
        if (c === first) {
          out.push({
            ...c,
            message: `${c.message} (also on ${subjects.slice(1).join(", ")})`,
          });
        } else if (c.status === "fail") {
          out.push(skip(c.id, c.subject, because));
        } else if (c.status === "skip" && c.message === NO_SESSION) {
          out.push(skip(c.id, c.subject, because));
        } else {
          out.push(c);
        }
      }
      handled.add(g);
    }
  }

  for (const g of groups) if (!handled.has(g)) out.push(...g.checks);
  return out;
}
