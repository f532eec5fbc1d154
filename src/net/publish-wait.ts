/**
 * Waiting until every authoritative server of a zone answers a record: publish before sign. A
 * DKIM selector must be visible to every receiver before the first message signed with it leaves
 * (docs/dkim-rotation.md), and a receiver's resolver may ask any of the zone's servers, so the
 * wait asks each one directly (no resolver cache in between) until all answer the expected value,
 * within a bound.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { DnsClient } from "./dns";
import { findEveryAuthoritative } from "./authoritative";

/** One record to wait for: its zone, owner name and the TXT value it must carry. */
export interface PublishedRecord {
  readonly zone: string;
  readonly name: string;
  /** The TXT value in canonical form (strings joined), as `DnsClient` answers it. */
  readonly value: string;
}

/** Options of {@link waitUntilPublished}. */
export interface PublishWaitOptions {
  /** The bound, in seconds. */
  readonly timeoutSeconds: number;
  /** Between rounds, in seconds. @default 5 */
  readonly intervalSeconds?: number;
  /** The resolver that finds each zone's NS and their addresses. @default the system's */
  readonly resolver?: string;
  /** The port the authoritative servers listen on. @default 53 */
  readonly nameserverPort?: number;
}

/** What one round found missing: `<name> at <ns> (<address>): <why>`, sorted. */
async function missing(
  records: readonly PublishedRecord[],
  options: PublishWaitOptions,
): Promise<string[]> {
  const bootstrap = new DnsClient({
    ...(options.resolver !== undefined ? { server: options.resolver } : {}),
  });
  const out: string[] = [];
  const zones = [...new Set(records.map((r) => r.zone))].sort();
  for (const zone of zones) {
    const found = await findEveryAuthoritative(zone, bootstrap, options.nameserverPort ?? 53);
    out.push(...found.problems);
    for (const s of found.servers) {
      const client = new DnsClient({ server: s.server, tries: 1 });
      for (const r of records.filter((x) => x.zone === zone)) {
        const a = await client.query(r.name, "TXT");
        if (a.status === "ok" && a.values.includes(r.value)) continue;
        const why =
          a.status === "ok"
            ? "answers another value"
            : a.status === "nxdomain" || a.status === "nodata"
              ? "no such record yet"
              : `${a.status}${a.detail !== undefined ? ` (${a.detail})` : ""}`;
        out.push(`${r.name} TXT at ${s.nameserver} (${s.server}): ${why}`);
      }
    }
  }
  return out.sort();
}

/**
 * Resolves once every authoritative server of each record's zone answers the record with its
 * value; rejects after `timeoutSeconds` naming each server and record still missing.
 */
export async function waitUntilPublished(
  records: readonly PublishedRecord[],
  options: PublishWaitOptions,
): Promise<{ seconds: number }> {
  const started = Date.now();
  const deadline = started + options.timeoutSeconds * 1000;
  const interval = (options.intervalSeconds ?? 5) * 1000;
  for (;;) {
    const left = await missing(records, options);
    if (left.length === 0) return { seconds: Math.round((Date.now() - started) / 1000) };
    const now = Date.now();
    if (now >= deadline) throw new PublishWaitTimeout(options.timeoutSeconds, left);
    // The last round runs at the deadline, so the bound is the time really waited.
    await sleep(Math.min(interval, deadline - now));
  }
}

/** The wait's bound passed with records still missing. */
export class PublishWaitTimeout extends Error {
  constructor(
    readonly timeoutSeconds: number,
    readonly missing: readonly string[],
  ) {
    super(
      `not answered by every authoritative server after ${timeoutSeconds} s: ${missing.join("; ")}`,
    );
    this.name = "PublishWaitTimeout";
  }
}
