/**
 * Port rules: which of DMS's service ports are published, on which host addresses, and which
 * sources firewalls let in (docs/dms-contract.md#ports). The Rspamd controller (11334) and the internal
 * ports are never listed: they must not be published.
 */
import type { MailServerSpec } from "../spec/schema";
import { cmp } from "../spec/findings";
import {
  SERVICE_DESCRIPTIONS,
  SERVICE_NAMES,
  SERVICE_PORTS,
  serviceExposure,
} from "../spec/derived";
import type { PortRule } from "./types";

/** Where `private` services are published when they name no `bind`: loopback only. */
export const PRIVATE_BIND_DEFAULT: readonly string[] = ["127.0.0.1", "::1"];
/** 127.0.0.0/8 and ::1: reachable from the host itself only. */
export function isLoopback(ip: string): boolean {
  return ip.startsWith("127.") || ip === "::1";
}

/** `allowFrom` of a public service that names none: anywhere. */
export const ANYWHERE: readonly string[] = ["0.0.0.0/0", "::/0"];

const sorted = (xs: readonly string[]) => [...new Set(xs)].sort(cmp);

/**
 * One rule per service (off ones too, so firewalls can close them), sorted by port. Public:
 * bound to the service's `bind` or the server's `bindAddresses`, open to `allowFrom` or anywhere.
 * Private: bound to `bind` or loopback, and not opened in any firewall (`allowFrom` empty).
 */
export function planPorts(spec: MailServerSpec): PortRule[] {
  return SERVICE_NAMES.map((service): PortRule => {
    const exposure = serviceExposure(spec, service);
    const base = {
      service,
      port: SERVICE_PORTS[service],
      protocol: "tcp" as const,
      description: SERVICE_DESCRIPTIONS[service],
    };
    switch (exposure.expose) {
      case "public":
        return {
          ...base,
          expose: "public",
          bind: sorted(exposure.bind ?? spec.bindAddresses),
          allowFrom: sorted(exposure.allowFrom ?? ANYWHERE),
        };
      case "private":
        return {
          ...base,
          expose: "private",
          bind: sorted(exposure.bind ?? PRIVATE_BIND_DEFAULT),
          allowFrom: [],
        };
      case "off":
        return { ...base, expose: "off", bind: [], allowFrom: [] };
      default: {
        const _: never = exposure.expose;
        throw new Error(`unknown exposure ${String(_)}`);
      }
    }
  }).sort((a, b) => a.port - b.port);
}
