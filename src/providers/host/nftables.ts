/**
 * An nftables ruleset for a plain VPS, rendered from the plan's port rules. Pure: no I/O, no
 * `@pulumi/*`; `MailServer` exposes the text as its `nftablesRuleset` output and `dmsctl` or an
 * operator loads it with `nft -f`.
 *
 * Why two chains: ports Docker publishes are DNAT-ed in `prerouting` and then *forwarded* to the
 * container, so they never traverse the host's `input` chain, which is where ufw and firewalld
 * filter (docker-mailserver's debugging docs warn of this). The ruleset therefore filters the same
 * ports in `input` (for a DMS run with host networking or a userland proxy) and in `forward` at a
 * priority before Docker's own chains. Matching `tcp dport` works on both paths because the
 * component publishes every port on the same number inside and outside the container.
 *
 * The `forward` chain filters mail ports only on connections that were DNAT-ed (`ct status
 * dnat`): those are the ones Docker's port publishing sent to a container. Everything else that is
 * forwarded, notably containers' own *outgoing* connections (fetchmail or getmail fetching from a
 * remote 143/110/995, a relay on a remote 587, a ManageSieve client), is masqueraded, not DNAT-ed,
 * and is left alone. The rspamd web UI port is the one exception: it is dropped in `forward`
 * whatever the connection, because nothing legitimate is ever forwarded to it here.
 *
 * A private service bound to specific addresses (a VPN address, say) is published by Docker on
 * those addresses only, so it is accepted when the connection was addressed to one of them: `ip
 * daddr` in `input` (host networking), `ct original ip daddr` in `forward` (the address before
 * Docker rewrote it). From any other address it is dropped, as are private services bound to a
 * wildcard and `off` services. Loopback binds need no rule: loopback is always allowed.
 *
 * The table only ever drops traffic to mail ports; its policy is `accept`, so loading it cannot
 * lock anyone out of SSH.
 */
import type { PortRule } from "../../dms/types";
import { ANYWHERE, isLoopback } from "../../dms/ports";
import { cmp } from "../../spec/findings";

/** The rspamd web UI port: never reachable from outside (docs/dms-contract.md#ports). */
export const RSPAMD_UI_PORT = 11334;

/** Options of {@link renderNftables}. */
export interface NftablesOptions {
  /** The nftables table name. @default "dms_mail" */
  readonly table?: string;
  /** Shown in the header comment. */
  readonly hostname?: string;
}

const [ANY_V4, ANY_V6] = ANYWHERE as [string, string];

/** Addresses that mean "every address": a private service bound to them gets no accept rule. */
const WILDCARD_BINDS = new Set(["0.0.0.0", "::"]);

/**
 * Renders the ruleset. Public services are accepted from their `allowFrom` sources (everywhere
 * when that is `0.0.0.0/0` and `::/0`) and dropped from anywhere else; private services are
 * accepted on their specific (non-wildcard) bind addresses and dropped elsewhere; off services
 * and port 11334 are dropped from everywhere but loopback. In `forward` only DNAT-ed connections
 * are filtered, except 11334 (see the header comment).
 */
export function renderNftables(ports: readonly PortRule[], options: NftablesOptions = {}): string {
  const table = options.table ?? "dms_mail";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) {
    throw new Error(`table must be an nftables identifier, got ${JSON.stringify(table)}`);
  }
  const sorted = [...ports].sort((a, b) => a.port - b.port || cmp(a.service, b.service));
  const body = (chain: "input" | "forward"): string[] => {
    // In forward, a mail-port rule must only see connections Docker DNAT-ed to a published port:
    // outgoing (masqueraded) connections of containers to remote mail ports are not DNAT-ed.
    const dnat = chain === "forward" ? "ct status dnat " : "";
    // The address the client connected to: after DNAT, `ip daddr` is the container's, so
    // forward looks at the conntrack entry's original direction instead.
    const daddr = (family: "ip" | "ip6") =>
      chain === "forward" ? `ct original ${family} daddr` : `${family} daddr`;
    const lines: string[] = [`iifname "lo" accept`];
    const closed: number[] = [];
    for (const p of sorted) {
      const comment = ` comment "${p.service}"`;
      // Every port but a public one open to everywhere is dropped after its accept rules.
      const openEverywhere =
        p.expose === "public" && p.allowFrom.includes(ANY_V4) && p.allowFrom.includes(ANY_V6);
      if (!openEverywhere) closed.push(p.port);
      if (p.expose === "off") continue;
      if (p.expose === "private") {
        // Published by Docker on its bind addresses only: accept a connection addressed to one.
        const binds = p.bind.filter((a) => !WILDCARD_BINDS.has(a) && !isLoopback(a));
        const v4 = binds.filter((a) => !a.includes(":"));
        const v6 = binds.filter((a) => a.includes(":"));
        if (v4.length > 0)
          lines.push(`${dnat}${daddr("ip")} ${set(v4)} tcp dport ${p.port} accept${comment}`);
        if (v6.length > 0)
          lines.push(`${dnat}${daddr("ip6")} ${set(v6)} tcp dport ${p.port} accept${comment}`);
        continue;
      }
      const v4 = p.allowFrom.filter((c) => !c.includes(":"));
      const v6 = p.allowFrom.filter((c) => c.includes(":"));
      const anyV4 = v4.includes(ANY_V4);
      const anyV6 = v6.includes(ANY_V6);
      if (anyV4 && anyV6) {
        lines.push(`${dnat}tcp dport ${p.port} accept${comment}`);
        continue;
      }
      if (anyV4) lines.push(`${dnat}meta nfproto ipv4 tcp dport ${p.port} accept${comment}`);
      else if (v4.length > 0)
        lines.push(`${dnat}ip saddr ${set(v4)} tcp dport ${p.port} accept${comment}`);
      if (anyV6) lines.push(`${dnat}meta nfproto ipv6 tcp dport ${p.port} accept${comment}`);
      else if (v6.length > 0)
        lines.push(`${dnat}ip6 saddr ${set(v6)} tcp dport ${p.port} accept${comment}`);
    }
    const unique = [...new Set(closed)].filter((n) => n !== RSPAMD_UI_PORT).sort((a, b) => a - b);
    if (chain === "input") {
      lines.push(`tcp dport ${set([...unique, RSPAMD_UI_PORT].map(String))} drop`);
    } else {
      if (unique.length > 0) lines.push(`${dnat}tcp dport ${set(unique.map(String))} drop`);
      // Not only DNAT-ed: the rspamd UI is never a legitimate forwarded destination here.
      lines.push(`tcp dport ${RSPAMD_UI_PORT} drop comment "rspamd web UI"`);
    }
    return lines;
  };
  const out: string[] = [
    "#!/usr/sbin/nft -f",
    `# Mail ports${options.hostname !== undefined ? ` of ${options.hostname}` : ""}, generated by pulumi-docker-mailserver.`,
    "# Docker-published ports bypass ufw/firewalld (they are forwarded, not input): this table",
    "# filters both paths, in forward only connections Docker DNAT-ed (outgoing ones pass).",
    "# Policy accept: only mail ports are ever dropped.",
    `table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    "\tchain input {",
    "\t\ttype filter hook input priority filter; policy accept;",
    ...body("input").map((l) => `\t\t${l}`),
    "\t}",
    "\tchain forward {",
    "\t\ttype filter hook forward priority filter - 1; policy accept;",
    ...body("forward").map((l) => `\t\t${l}`),
    "\t}",
    "}",
  ];
  return out.join("\n") + "\n";
}

function set(items: readonly string[]): string {
  return items.length === 1 ? items[0]! : `{ ${items.join(", ")} }`;
}
