/**
 * The live side of `dmsctl diff`: asks a DNS server every question the comparison needs (through
 * the shared bounded {@link DnsClient}) and hands the answers to the pure {@link computeDiff}.
 * Needs no cloud credentials: only DNS.
 */
import type { DnsClient } from "../net/dns";
import type { DnsRecord } from "../plan/types";
import { computeDiff, liveQuestions, type Question } from "./compute";
import type { Diff, LiveRecordSet } from "./types";

/** Options of {@link diffLive}. */
export interface LiveDiffOptions {
  /** Records of an earlier spec's plan: what they had and the new plan lacks is deleted. @default [] */
  readonly previous?: readonly DnsRecord[];
  /** How the resolver is named in the report (`127.0.0.1:5353`, `system resolver`). */
  readonly resolverLabel: string;
}

/** Asks `client` each question; answers in the same order, as live record sets. */
export async function queryLive(
  client: DnsClient,
  questions: readonly Question[],
): Promise<LiveRecordSet[]> {
  const answers = await client.queryAll(questions);
  return answers.map((a) => ({
    name: a.name,
    type: a.type,
    status: a.status,
    values: a.values,
    ...(a.detail === undefined ? {} : { detail: a.detail }),
  }));
}

/** Compares planned records with what `client`'s server answers now. */
export async function diffLive(
  desired: readonly DnsRecord[],
  client: DnsClient,
  options: LiveDiffOptions,
): Promise<Diff> {
  const previous = options.previous ?? [];
  const live = await queryLive(client, liveQuestions(desired, previous));
  return computeDiff(desired, live, {
    previous,
    source: { kind: "live", resolver: options.resolverLabel },
  });
}
