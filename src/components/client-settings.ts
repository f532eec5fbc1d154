/**
 * Mail client settings per account, from the plan's port rules: what a user types into a mail
 * client. Pure (no `@pulumi/*`). Implicit TLS is listed first where offered (RFC 8314 §3.3 prefers
 * it over STARTTLS).
 */
import type { PortRule } from "../dms/types";
import type { ServiceName } from "../spec/derived";
import { cmp } from "../spec/findings";
import { isLoopback } from "../dms/ports";

/** How a client connects to one service. */
export interface ClientEndpoint {
  readonly host: string;
  readonly port: number;
  /** `tls`: implicit TLS from the first byte; `starttls`: upgrade after connecting. */
  readonly security: "tls" | "starttls";
}

/** The settings of one account. */
export interface ClientSettings {
  /** The login name: the full address. */
  readonly username: string;
  /** Incoming mail over IMAP, best first (empty when IMAP is not reachable). */
  readonly imap: readonly ClientEndpoint[];
  /** Incoming mail over POP3, best first (empty unless POP3 is on and reachable). */
  readonly pop3: readonly ClientEndpoint[];
  /** Outgoing mail (submission with authentication), best first. */
  readonly smtp: readonly ClientEndpoint[];
  /** ManageSieve for server-side filters, when reachable. */
  readonly managesieve: readonly ClientEndpoint[];
}

const SECURITY: Readonly<Record<ServiceName, "tls" | "starttls" | undefined>> = {
  smtp: undefined, // MTA to MTA: not a client port
  submissions: "tls",
  submission: "starttls",
  imaps: "tls",
  imap: "starttls",
  pop3s: "tls",
  pop3: "starttls",
  managesieve: "starttls",
};

/**
 * Settings for each address, sorted by address. Only services a client can reach are listed:
 * `public` ones at the hostname, and `private` ones at their non-loopback bind addresses (a VPN
 * address, say); a private service bound to loopback only is for the host itself and not listed.
 */
export function clientSettings(
  hostname: string,
  ports: readonly PortRule[],
  addresses: readonly string[],
): ClientSettings[] {
  const reachable = (services: ServiceName[]): ClientEndpoint[] =>
    services.flatMap((s) => {
      const rule = ports.find((p) => p.service === s);
      const security = SECURITY[s];
      if (rule === undefined || security === undefined) return [];
      switch (rule.expose) {
        case "off":
          return [];
        case "public":
          return [{ host: hostname, port: rule.port, security }];
        case "private":
          return rule.bind
            .filter((ip) => !isLoopback(ip))
            .map((host) => ({ host, port: rule.port, security }));
        default: {
          const _: never = rule.expose;
          throw new Error(`unknown exposure ${String(_)}`);
        }
      }
    });
  const common = {
    imap: reachable(["imaps", "imap"]),
    pop3: reachable(["pop3s", "pop3"]),
    smtp: reachable(["submissions", "submission"]),
    managesieve: reachable(["managesieve"]),
  };
  return [...new Set(addresses)].sort(cmp).map((username) => ({ username, ...common }));
}
