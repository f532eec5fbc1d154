/**
 * Which DNS servers the live diff asks: one server the user named for every zone, or each zone's
 * authoritative server, found through a bootstrap resolver (what the zones publish now, not a
 * resolver's cache of it). The CLI only maps its flags onto {@link LiveSourceOptions}.
 */
import { DnsClient } from "../net/dns";
import { findAuthoritative } from "../net/authoritative";
import { resolverAddress } from "../net/resolver-address";
import type { LiveSource } from "./live";

/** How to choose the live source. */
export interface LiveSourceOptions {
  /** `host:port` of one DNS server to ask every question. @default each zone's authoritative server */
  readonly resolver?: string;
  /** `host:port` of the resolver that finds the authoritative servers. @default the system's */
  readonly bootstrap?: string;
  /** Port the authoritative servers listen on. @default 53 */
  readonly nsPort?: number;
  /** Per-query timeout in milliseconds. */
  readonly timeoutMs: number;
  /** Queries in flight at once. */
  readonly concurrency: number;
}

/** The chosen source and how the report names it, or why none could be chosen. */
export type ChosenSource =
  | { readonly ok: true; readonly source: LiveSource; readonly label: string }
  | {
      readonly ok: false;
      /** The option whose value was unusable, when one was (`resolver` or `bootstrap`). */
      readonly option?: "resolver" | "bootstrap";
      /** One sentence per problem (a zone without an authoritative server, an unknown host). */
      readonly problems: readonly string[];
    };

/** Chooses the servers to ask about `zones`; never rejects (problems are returned). */
export async function chooseLiveSource(
  zones: readonly string[],
  options: LiveSourceOptions,
): Promise<ChosenSource> {
  const dnsOptions = { timeoutMs: options.timeoutMs, concurrency: options.concurrency };
  const address = async (option: "resolver" | "bootstrap", value: string) => {
    try {
      return { ok: true as const, server: await resolverAddress(value) };
    } catch (err) {
      return {
        ok: false as const,
        option,
        problems: [`--${option} ${JSON.stringify(value)}: ${(err as Error).message}`],
      };
    }
  };
  if (options.resolver !== undefined) {
    const a = await address("resolver", options.resolver);
    if (!a.ok) return a;
    return {
      ok: true,
      source: new DnsClient({ ...dnsOptions, server: a.server }),
      label: options.resolver,
    };
  }
  let bootstrapServer: string | undefined;
  if (options.bootstrap !== undefined) {
    const a = await address("bootstrap", options.bootstrap);
    if (!a.ok) return a;
    bootstrapServer = a.server;
  }
  const bootstrap = new DnsClient({
    ...dnsOptions,
    ...(bootstrapServer !== undefined ? { server: bootstrapServer } : {}),
  });
  const found = await findAuthoritative([...new Set(zones)], bootstrap, options.nsPort ?? 53);
  if (found.problems.length > 0) return { ok: false, problems: found.problems };
  const source = new Map(
    [...found.servers].map(([zone, s]) => [
      zone,
      new DnsClient({ ...dnsOptions, server: s.server }),
    ]),
  );
  const label = [...found.servers.values()]
    .map((s) => `${s.zone} at ${s.nameserver.replace(/\.$/, "")} (${s.server})`)
    .join(", ");
  return { ok: true, source, label };
}
