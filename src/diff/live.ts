/**
 * The live side of `dmsctl diff`: asks DNS every question the comparison needs (through the shared
 * bounded {@link DnsClient}: one server for everything, or each zone's authoritative server) and
 * hands the answers to the pure {@link computeDiff}.
 * Needs no cloud credentials: only DNS.
 */
import type { DnsAnswer, DnsClient } from "../net/dns";
import type { DnsRecord } from "../records/types";
import { longestZone } from "../records/names";
import { computeDiff, liveQuestions, type Question } from "./compute";
import type { Diff, LiveRecordSet } from "./types";
import { lookupRootCauses, withRootCauses } from "./root-cause";

/** Options of {@link diffLive}. */
export interface LiveDiffOptions {
  /** Records of an earlier spec's plan: what they had and the new plan lacks is deleted. @default [] */
  readonly previous?: readonly DnsRecord[];
  /** How the resolver is named in the report (`127.0.0.1:5353`, `system resolver`). */
  readonly resolverLabel: string;
}

/** One server for every question, or a client per zone apex (each zone's authoritative server). */
export type LiveSource = DnsClient | ReadonlyMap<string, DnsClient>;

/** Asks each question of its server; answers in the same order, as live record sets. */
export async function queryLive(
  source: LiveSource,
  questions: readonly Question[],
): Promise<LiveRecordSet[]> {
  const answers: DnsAnswer[] = new Array(questions.length);
  const groups = new Map<DnsClient, number[]>();
  questions.forEach((q, i) => {
    const client =
      source instanceof Map
        ? source.get(longestZone(q.name, source.keys()) ?? "")
        : (source as DnsClient);
    if (client === undefined) throw new Error(`no DNS server for ${q.name}`);
    const list = groups.get(client) ?? [];
    list.push(i);
    groups.set(client, list);
  });
  await Promise.all(
    [...groups].map(async ([client, indexes]) => {
      const got = await client.queryAll(indexes.map((i) => questions[i]!));
      indexes.forEach((qi, k) => (answers[qi] = got[k]!));
    }),
  );
  return answers.map((a) => ({
    name: a.name,
    type: a.type,
    status: a.status,
    values: a.values,
    ...(a.detail === undefined ? {} : { detail: a.detail }),
  }));
}

/** Compares planned records with what the servers of `source` answer now. */
export async function diffLive(
  desired: readonly DnsRecord[],
  source: LiveSource,
  options: LiveDiffOptions,
): Promise<Diff> {
  const previous = options.previous ?? [];
  const live = await queryLive(source, liveQuestions(desired, previous));
  const diff = computeDiff(desired, live, {
    previous,
    source: { kind: "live", resolver: options.resolverLabel },
  });
  const zones = [...new Set([...desired, ...previous].map((r) => r.zone))];
  return withRootCauses(diff, lookupRootCauses(live, zones, options.resolverLabel));
}
