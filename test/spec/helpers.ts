/** Shared spec fixtures for the spec tests. */
import type { MailServerSpecInput } from "../../src/spec/schema";

/** A well-formed SHA512-CRYPT hash (16-character salt, 86-character digest). */
export const HASH = `{SHA512-CRYPT}$6$abcdefghijklmnop$${"A".repeat(43)}${"b".repeat(43)}`;

/** The smallest spec that validates without any finding. */
export function baseSpec(): MailServerSpecInput & Record<string, unknown> {
  return {
    hostname: "mail.example.com",
    ipv4: "192.0.2.10",
    domains: [{ name: "example.com" }],
    accounts: [{ address: "alice@example.com", passwordHash: HASH }],
  };
}

/** The base spec with top-level fields replaced. */
export function withSpec(fields: Record<string, unknown>): Record<string, unknown> {
  return { ...baseSpec(), ...fields };
}
