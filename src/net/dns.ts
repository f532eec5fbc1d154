/**
 * A small DNS client for `dmsctl verify` and `dmsctl diff`: asks one server (an authoritative server
 * or a resolver given as `host:port`) for a name and type, and answers in the plan's canonical value
 * form (see `DnsRecord` in `../records/types.ts`), so answers compare directly with planned records.
 *
 * Every query has a timeout and a bounded number of tries, and the client bounds how many queries
 * are in flight, so a slow or silent server yields a clear status within a known time, never a hang.
 * Built on Node's c-ares resolver (`dns.promises.Resolver`), which speaks UDP with TCP fallback.
 */
import { promises as dns, type CaaRecord } from "node:dns";
import type { RecordType } from "../records/types";
import { renderCaa, renderMx, renderSrv } from "../records/values";

/** How many CNAMEs {@link DnsClient.queryFollowing} follows in a row before it gives up. */
export const MAX_CNAME_HOPS = 8;

/** How a query ended. */
export type DnsStatus =
  "ok" | "nxdomain" | "nodata" | "servfail" | "refused" | "timeout" | "unreachable" | "error";

/** The answer to one query. */
export interface DnsAnswer {
  readonly name: string;
  readonly type: RecordType;
  readonly status: DnsStatus;
  /** Canonical values, sorted: empty unless `status` is `ok`. */
  readonly values: readonly string[];
  /** The resolver's own error text when status is not ok/nxdomain/nodata. */
  readonly detail?: string;
}

/** Options of {@link DnsClient}. */
export interface DnsClientOptions {
  /** `host:port` or `host` (port 53); IPv6 as `[::1]:5353`. @default the system's resolvers */
  readonly server?: string;
  /** Per-try timeout in milliseconds. @default 2000 */
  readonly timeoutMs?: number;
  /** Tries per query. @default 2 */
  readonly tries?: number;
  /** Queries in flight at once. @default 32 */
  readonly concurrency?: number;
}

/** Asks one DNS server, with bounded time and concurrency. */
export class DnsClient {
  private readonly resolver: dns.Resolver;
  private readonly concurrency: number;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(options: DnsClientOptions = {}) {
    this.resolver = new dns.Resolver({
      timeout: options.timeoutMs ?? 2000,
      tries: options.tries ?? 2,
    });
    if (options.server !== undefined) this.resolver.setServers([normalizeServer(options.server)]);
    this.concurrency = Math.max(1, options.concurrency ?? 32);
  }

  /** Queries `name` for `type`. Never rejects: failures are a status. */
  async query(name: string, type: RecordType): Promise<DnsAnswer> {
    return { name, type, ...(await this.ask(() => this.lookup(name, type))) };
  }

  /**
   * The name servers (NS) of `zone`, absolute and sorted: how `dmsctl diff` finds the servers that
   * are authoritative for a zone. Never rejects.
   */
  async nameservers(zone: string): Promise<{
    readonly status: DnsStatus;
    readonly values: readonly string[];
    readonly detail?: string;
  }> {
    return this.ask(async () => (await this.resolver.resolveNs(zone)).map(absolute));
  }

  /**
   * Queries `name` for `type` as a receiver's resolver would, following a CNAME at `name` (and
   * further CNAMEs, at most {@link MAX_CNAME_HOPS}) to the name that holds the data: how DMARC and
   * DKIM records delegated to a provider are read. `chain` lists the CNAME targets in order
   * (absolute, lowercase), empty when `name` holds the data itself; `answer` is the lookup of
   * `type` at the last name. A loop or a chain that is too long ends with status `error`.
   *
   * The CNAME is asked for explicitly because servers differ: a recursive resolver answers a TXT
   * question at a CNAME with the chain and the target's TXT, but an authoritative server (no
   * recursion) answers with the CNAME alone when the target is in another zone, and c-ares
   * then reports no TXT (see {@link query}). Asking each hop makes both give the same result.
   * Never rejects.
   */
  async queryFollowing(
    name: string,
    type: Exclude<RecordType, "CNAME">,
  ): Promise<{ readonly chain: readonly string[]; readonly answer: DnsAnswer }> {
    const chain: string[] = [];
    let at = name;
    for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
      const c = await this.query(at, "CNAME");
      if (c.status !== "ok" || c.values.length === 0) {
        // No CNAME here (nodata, nxdomain) or the lookup failed: ask for the data itself, whose
        // status then says which.
        return { chain, answer: await this.query(at, type) };
      }
      const next = c.values[0]!.replace(/\.$/, "");
      if (next === name || chain.includes(`${next}.`)) {
        return {
          chain: [...chain, `${next}.`],
          answer: { name: next, type, status: "error", values: [], detail: "CNAME loop" },
        };
      }
      chain.push(`${next}.`);
      at = next;
    }
    return {
      chain,
      answer: {
        name: at,
        type,
        status: "error",
        values: [],
        detail: `more than ${MAX_CNAME_HOPS} CNAMEs in a row`,
      },
    };
  }

  /** Runs one lookup within the concurrency bound; failures become a status. */
  private async ask(
    lookup: () => Promise<string[]>,
  ): Promise<{ status: DnsStatus; values: string[]; detail?: string }> {
    await this.acquire();
    try {
      const values = await lookup();
      // c-ares reports success with no records when the answer holds only a CNAME (an
      // authoritative server answering for a name delegated to another zone): no data of the type.
      if (values.length === 0) return { status: "nodata", values: [] };
      return { status: "ok", values: [...new Set(values)].sort() };
    } catch (err) {
      const status = statusOf((err as NodeJS.ErrnoException).code ?? "");
      return {
        status,
        values: [],
        ...(status === "nxdomain" || status === "nodata" ? {} : { detail: (err as Error).message }),
      };
    } finally {
      this.release();
    }
  }

  /** Queries many name/type pairs with the client's concurrency bound; answers in input order. */
  async queryAll(
    questions: readonly { readonly name: string; readonly type: RecordType }[],
  ): Promise<DnsAnswer[]> {
    // A pool of `concurrency` workers pulling the next question, rather than one pending promise
    // per question queued on the semaphore: with thousands of questions (dmsctl diff over 1,000
    // domains asks ~13,000) the per-question queue bookkeeping cost more than the queries.
    const answers = new Array<DnsAnswer>(questions.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < questions.length) {
        const i = next++;
        const q = questions[i]!;
        answers[i] = await this.query(q.name, q.type);
      }
    };
    const workers = Math.min(this.concurrency, questions.length);
    await Promise.all(Array.from({ length: workers }, worker));
    return answers;
  }

  /**
   * Mimics `dns.promises.resolve(name, rrtype)` against this client's server, with its timeout,
   * tries and concurrency bound: answers in Node's shapes, failures rejected with Node's error
   * codes (`ENOTFOUND`, `ENODATA`, `ETIMEOUT`, ...). This is the contract of the `resolver`
   * option of `mailauth` (SPF, DKIM, DMARC), so those evaluations ask the same server.
   */
  async resolve(name: string, rrtype: string): Promise<unknown> {
    const got = await this.resolveOnce(name, rrtype).catch((err: NodeJS.ErrnoException) => {
      if (rrtype !== "TXT" || err.code !== "ENODATA") throw err;
      return [];
    });
    if (rrtype !== "TXT" || (Array.isArray(got) && got.length > 0)) return got;
    // A TXT at a CNAME that the server did not chase (an authoritative server, the target in
    // another zone): follow it as a recursive resolver would, so a delegated DKIM key verifies.
    const { chain, answer } = await this.queryFollowing(name, "TXT");
    if (chain.length === 0) return got;
    if (answer.status !== "ok") {
      const code = STATUS_CODES[answer.status];
      throw Object.assign(new Error(`query${rrtype} ${code} ${name}`), { code, hostname: name });
    }
    return this.resolveOnce(answer.name, "TXT");
  }

  private async resolveOnce(name: string, rrtype: string): Promise<unknown> {
    await this.acquire();
    try {
      return await (this.resolver.resolve as (n: string, t: string) => Promise<unknown>).call(
        this.resolver,
        name,
        rrtype,
      );
    } finally {
      this.release();
    }
  }

  private async lookup(name: string, type: RecordType): Promise<string[]> {
    const r = this.resolver;
    switch (type) {
      case "A":
        return r.resolve4(name);
      case "AAAA":
        return r.resolve6(name);
      case "MX":
        return (await r.resolveMx(name)).map((m) =>
          renderMx({ priority: m.priority, host: m.exchange.toLowerCase() }),
        );
      case "TXT":
        // A TXT record's logical value is its strings concatenated (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
        return (await r.resolveTxt(name)).map((chunks) => chunks.join(""));
      case "CNAME":
        return (await r.resolveCname(name)).map(absolute);
      case "SRV":
        return (await r.resolveSrv(name)).map((s) =>
          renderSrv({
            priority: s.priority,
            weight: s.weight,
            port: s.port,
            target: s.name.toLowerCase() || ".",
          }),
        );
      case "CAA":
        return (await r.resolveCaa(name)).map(caaValue);
      case "PTR":
        return (await r.resolvePtr(name)).map(absolute);
      default: {
        const unreachable: never = type;
        throw new Error(`unsupported record type ${String(unreachable)}`);
      }
    }
  }

  private async acquire(): Promise<void> {
    if (this.inFlight < this.concurrency) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
  }

  private release(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }
}

/** `host:port` as c-ares wants it: IPv6 in brackets when a port is given. */
function normalizeServer(server: string): string {
  if (/^\[.*\](:\d+)?$/.test(server)) return server;
  const colons = server.split(":").length - 1;
  return colons > 1 ? `[${server}]` : server;
}

function absolute(name: string): string {
  return name.endsWith(".") ? name.toLowerCase() : `${name.toLowerCase()}.`;
}

/** Renders a CAA answer as presentation rdata: `0 issue "letsencrypt.org"`. */
function caaValue(caa: CaaRecord): string {
  const flags = caa.critical ?? 0;
  for (const tag of ["issue", "issuewild", "iodef", "contactemail", "contactphone"] as const) {
    const value = caa[tag];
    if (value !== undefined) return renderCaa({ flags, tag, value });
  }
  return renderCaa({ flags, tag: "unknown", value: "" });
}

/** The Node error code of each failed status, for {@link DnsClient.resolve}'s callers. */
const STATUS_CODES: Readonly<Record<Exclude<DnsStatus, "ok">, string>> = {
  nxdomain: "ENOTFOUND",
  nodata: "ENODATA",
  servfail: "ESERVFAIL",
  refused: "EREFUSED",
  timeout: "ETIMEOUT",
  unreachable: "ECONNREFUSED",
  error: "EBADRESP",
};

function statusOf(code: string): DnsStatus {
  switch (code) {
    case "ENOTFOUND":
      return "nxdomain";
    case "ENODATA":
      return "nodata";
    case "ESERVFAIL":
      return "servfail";
    case "EREFUSED":
      return "refused";
    case "ETIMEOUT":
      return "timeout";
    case "ECONNREFUSED":
      // Nothing listens there: c-ares saw ICMP port unreachable (UDP) or a refused TCP connection.
      return "unreachable";
    default:
      return "error";
  }
}
