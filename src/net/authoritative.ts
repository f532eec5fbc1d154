/**
 * Finding the servers that are authoritative for a zone, so `dmsctl diff` compares the plan with
 * what those servers publish now rather than with a resolver's cache (which can lag a change by a
 * whole TTL). A bootstrap resolver answers the zone's NS names and their addresses; the first name
 * server in sorted order that has an address is asked.
 */
import { isIPv6 } from "node:net";
import { cmp } from "../spec/findings";
import type { DnsClient } from "./dns";

/** The server chosen for one zone. */
export interface AuthoritativeServer {
  readonly zone: string;
  /** The NS name, absolute (`ns1.example.com.`). */
  readonly nameserver: string;
  /** `address:port` (IPv6 in brackets), as `DnsClient` takes it. */
  readonly server: string;
}

/** Servers by zone, and the zones for which none was found (one sentence each). */
export interface AuthoritativeResult {
  readonly servers: ReadonlyMap<string, AuthoritativeServer>;
  readonly problems: readonly string[];
}

/**
 * Finds an authoritative server for each zone through `bootstrap`.
 * @param port where the authoritative servers listen. @default 53
 */
export async function findAuthoritative(
  zones: readonly string[],
  bootstrap: DnsClient,
  port = 53,
): Promise<AuthoritativeResult> {
  const servers = new Map<string, AuthoritativeServer>();
  const problems: string[] = [];
  const sorted = [...new Set(zones)].sort(cmp);
  const found = await Promise.all(sorted.map((zone) => findOne(zone, bootstrap, port)));
  for (const r of found) {
    if (typeof r === "string") problems.push(r);
    else servers.set(r.zone, r);
  }
  return { servers, problems };
}

async function findOne(
  zone: string,
  bootstrap: DnsClient,
  port: number,
): Promise<AuthoritativeServer | string> {
  const ns = await bootstrap.nameservers(zone);
  if (ns.status !== "ok" || ns.values.length === 0) {
    return `${zone}: no NS records (${ns.status}${ns.detail === undefined ? "" : `: ${ns.detail}`})`;
  }
  for (const nameserver of ns.values) {
    for (const type of ["A", "AAAA"] as const) {
      const a = await bootstrap.query(nameserver.replace(/\.$/, ""), type);
      const address = a.status === "ok" ? a.values[0] : undefined;
      if (address !== undefined) {
        const host = isIPv6(address) ? `[${address}]` : address;
        return { zone, nameserver, server: `${host}:${port}` };
      }
    }
  }
  return `${zone}: none of its name servers (${ns.values.join(", ")}) has an address`;
}

/**
 * Every authoritative server of `zone`: each NS name with each of its IPv4 addresses (its IPv6
 * ones only when it has no IPv4), sorted. A receiver's resolver may ask any of them, so a record
 * is published only once all of them answer it. A zone without NS, or an NS without an address,
 * is a problem sentence.
 * @param port where the authoritative servers listen. @default 53
 */
export async function findEveryAuthoritative(
  zone: string,
  bootstrap: DnsClient,
  port = 53,
): Promise<{ servers: AuthoritativeServer[]; problems: string[] }> {
  const ns = await bootstrap.nameservers(zone);
  if (ns.status !== "ok" || ns.values.length === 0) {
    return {
      servers: [],
      problems: [
        `${zone}: no NS records (${ns.status}${ns.detail === undefined ? "" : `: ${ns.detail}`})`,
      ],
    };
  }
  const servers: AuthoritativeServer[] = [];
  const problems: string[] = [];
  for (const nameserver of [...ns.values].sort(cmp)) {
    const host = nameserver.replace(/\.$/, "");
    let addresses = (await bootstrap.query(host, "A")).values;
    if (addresses.length === 0) addresses = (await bootstrap.query(host, "AAAA")).values;
    if (addresses.length === 0)
      problems.push(`${zone}: its name server ${nameserver} has no address`);
    for (const address of [...addresses].sort(cmp)) {
      const h = isIPv6(address) ? `[${address}]` : address;
      servers.push({ zone, nameserver, server: `${h}:${port}` });
    }
  }
  return { servers, problems };
}
