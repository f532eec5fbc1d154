/** Port-rule fixtures shared by the host-side tests (nftables, Docker ports, security groups). */
import type { PortRule } from "../../src/dms/types";

/** A public TCP rule on every address from everywhere, with `over` applied. */
export const port = (over: Partial<PortRule> & Pick<PortRule, "service" | "port">): PortRule => ({
  protocol: "tcp",
  expose: "public",
  bind: ["0.0.0.0", "::"],
  allowFrom: ["0.0.0.0/0", "::/0"],
  description: "d",
  ...over,
});

/** One rule of each kind: public, private on loopback, public restricted, off, one address. */
export const PORTS: PortRule[] = [
  port({ service: "smtp", port: 25 }),
  port({ service: "imap", port: 143, expose: "private", bind: ["127.0.0.1"], allowFrom: [] }),
  port({ service: "submissions", port: 465, allowFrom: ["203.0.113.0/24", "2001:db8::/32"] }),
  port({ service: "submission", port: 587, expose: "off", bind: [], allowFrom: [] }),
  port({ service: "imaps", port: 993, bind: ["192.0.2.7"], allowFrom: ["0.0.0.0/0"] }),
];
