/**
 * RFC 1035 zone files, one per planned zone, complete enough for `named-checkzone` and for BIND to
 * serve as is: `$ORIGIN`, `$TTL`, a placeholder SOA and NS set, then every record with relative
 * owner names. Most DNS hosts import this format (their importer replaces SOA and NS).
 */
import { createHash } from "node:crypto";
import type { DnsRecord, ZonePlan } from "../../records/types";
import type { Plan } from "../types";
import { relativeName } from "../../records/names";
import { txtRdata } from "../../records/txt";

/** One rendered zone file. */
export interface ZoneFile {
  /** The zone apex, e.g. `example.com`. */
  readonly zone: string;
  /** The zone file text, LF line endings, final newline. */
  readonly text: string;
}

/**
 * Name servers written as placeholders. `.invalid` (RFC 6761 §6.4) can never resolve, so a zone
 * file published without replacing them fails visibly, and being out of zone they need no glue
 * (an in-zone NS without an address record makes `named-checkzone` reject the zone).
 */
export const PLACEHOLDER_NAME_SERVERS: readonly string[] = ["ns1.invalid.", "ns2.invalid."];

/** SOA timers: refresh, retry, expire, negative-caching TTL (RFC 1912 §2.2 ranges, RFC 2308). */
const SOA_TIMERS = "3600 600 1209600 300";
/** `$TTL` of a zone without records. */
const DEFAULT_TTL = 3600;

/** Renders every zone of the plan, sorted by apex. */
export function renderZoneFiles(plan: Pick<Plan, "zones">): ZoneFile[] {
  return plan.zones.map((z) => ({ zone: z.zone, text: renderZoneFile(z) }));
}

/**
 * One zone file. The SOA serial is derived from the records (the first 31 bits of a SHA-256 over
 * their rendered lines, plus one): the same records always give the same serial, so output is
 * byte-identical run to run, and any record change changes it, so a reloaded primary and anything
 * comparing serials sees a new zone. It does not increase monotonically (RFC 1982): if you run
 * secondaries off this file, let your DNS host or tooling manage the serial.
 */
export function renderZoneFile(zone: ZonePlan): string {
  const origin = `${zone.zone}.`;
  const ttl = zone.records.reduce((min, r) => Math.min(min, r.ttl), Infinity);
  const zoneTtl = Number.isFinite(ttl) ? ttl : DEFAULT_TTL;
  const body: string[] = [];
  for (const r of zone.records) {
    const owner = relativeName(r.name, zone.zone);
    for (const value of r.values) body.push(line(owner, r.ttl, r.type, rdata(r, value)));
  }
  const serial = (createHash("sha256").update(body.join("\n")).digest().readUInt32BE(0) >>> 1) + 1;
  const head = [
    line(
      "@",
      zoneTtl,
      "SOA",
      `${PLACEHOLDER_NAME_SERVERS[0]} hostmaster.${origin} ${serial} ${SOA_TIMERS}`,
    ),
    ...PLACEHOLDER_NAME_SERVERS.map((ns) => line("@", zoneTtl, "NS", ns)),
  ];
  return [
    `$ORIGIN ${origin}`,
    `$TTL ${zoneTtl}`,
    `; Zone ${zone.zone}, planned by dmsctl (pulumi-docker-mailserver).`,
    "; SOA and NS are placeholders: your DNS host's own name servers replace them.",
    ...alignOwners([...head, ...body]),
    "",
  ].join("\n");
}

/** The rdata of one value: TXT as quoted <=255-byte strings, everything else as planned. */
function rdata(record: DnsRecord, value: string): string {
  return record.type === "TXT" ? txtRdata(value) : value;
}

/** A record line before alignment: owner, TAB, then the rest. */
function line(owner: string, ttl: number, type: string, data: string): string {
  return `${owner}\t${ttl}\tIN\t${type}\t${data}`;
}

/** Pads the owner and TTL columns with spaces so the file reads as a table. */
function alignOwners(lines: readonly string[]): string[] {
  const cells = lines.map((l) => l.split("\t"));
  const widths = [0, 0, 0, 0];
  for (const c of cells) for (let i = 0; i < 4; i++) widths[i] = Math.max(widths[i]!, c[i]!.length);
  return cells.map((c) =>
    [...c.slice(0, 4).map((cell, i) => cell.padEnd(widths[i]!)), c.slice(4).join("\t")].join(" "),
  );
}
