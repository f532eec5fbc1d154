/**
 * A mail server spec, its plan, and the zones `dmsctl plan --format zone` renders for it, plus the
 * reverse zones a provider would publish for its addresses: what the verify tests serve from a real
 * BIND (correct, and deliberately broken variants).
 */
import { generateKeyPairSync } from "node:crypto";
import { validateSpec } from "../../src/spec/validate";
import type { MailServerSpec, MailServerSpecInput } from "../../src/spec/schema";
import { planMailServer } from "../../src/plan/plan";
import type { Plan } from "../../src/plan/types";
import type { PlanMaterial } from "../../src/spec/material";
import { renderZoneFiles } from "../../src/plan/render/zone";
import { dkimPublicKeyBase64 } from "../../src/records/policies";

/** A syntactically valid stand-in hash: verify never reads it. */
const HASH =
  "{SHA512-CRYPT}$6$abcdefghijklmnop$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
export const HOSTNAME = "mail.example.com";
export const IPV4 = "192.0.2.10";
export const IPV6 = "2001:db8::10";
/** Reverse zones of the documentation prefixes the addresses are in. */
export const REVERSE_V4 = "2.0.192.in-addr.arpa";
export const REVERSE_V6 = "8.b.d.0.1.0.0.2.ip6.arpa";
export const V6_PTR_OWNER = "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0";

/** A 2048-bit RSA key pair (PKCS#8 PEM, base64 SPKI). */
export function rsaKey(): { pem: string; p: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    pem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    p: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
  };
}

export function specInput(domains = ["example.com", "example.net"]): MailServerSpecInput {
  return {
    hostname: HOSTNAME,
    ipv4: IPV4,
    ipv6: IPV6,
    domains: domains.map((name, i) =>
      i === 0
        ? {
            name,
            dmarc: { policy: "quarantine", rua: [`mailto:dmarc@${domains[1] ?? name}`] },
            mtaSts: { mode: "enforce" },
            tlsRpt: { rua: [`mailto:tls@${name}`] },
          }
        : { name, dmarc: { policy: "reject" } },
    ),
    accounts: [{ address: `postmaster@${domains[0]}`, passwordHash: HASH }],
  };
}

export function validSpec(input: MailServerSpecInput): MailServerSpec {
  const v = validateSpec(input);
  if (!v.ok) throw new Error(v.findings.map((f) => `${f.path}: ${f.message}`).join("\n"));
  return v.spec;
}

export interface Fixture {
  readonly spec: MailServerSpec;
  readonly plan: Plan;
  /** DKIM private keys by domain. */
  readonly keys: Map<string, string>;
  /** Zone apex -> zone file text, forward (from the plan) and reverse. */
  readonly zones: Record<string, string>;
}

/** Builds the fixture; one DKIM key per domain. */
export function makeFixture(input: MailServerSpecInput = specInput()): Fixture {
  const spec = validSpec(input);
  const keys = new Map<string, string>();
  const dkimKeys = new Map<string, { privateKeyPem: string; publicKeyBase64: string }>();
  for (const d of spec.domains) {
    const k = rsaKey();
    keys.set(d.name, k.pem);
    dkimKeys.set(d.name, { privateKeyPem: k.pem, publicKeyBase64: dkimPublicKeyBase64(k.pem) });
  }
  const material: PlanMaterial = {
    passwordHashes: new Map(spec.accounts.map((a) => [a.address, HASH])),
    dkimKeys,
  };
  const plan = planMailServer(spec, material);
  const zones: Record<string, string> = {};
  for (const z of renderZoneFiles(plan)) zones[z.zone] = z.text;
  zones[REVERSE_V4] = reverseZone(REVERSE_V4, [`10 IN PTR ${HOSTNAME}.`]);
  zones[REVERSE_V6] = reverseZone(REVERSE_V6, [`${V6_PTR_OWNER} IN PTR ${HOSTNAME}.`]);
  return { spec, plan, keys, zones };
}

/** A reverse zone with the given records (relative owners). */
export function reverseZone(apex: string, records: readonly string[]): string {
  return [
    `$ORIGIN ${apex}.`,
    "$TTL 300",
    `@ IN SOA ns1.invalid. hostmaster.invalid. 1 3600 600 86400 300`,
    "@ IN NS ns1.invalid.",
    ...records,
    "",
  ].join("\n");
}

/** Replaces the first line of `zone` matching `pattern` with `replacement` (throws if none). */
export function editZone(zone: string, pattern: RegExp, replacement: string): string {
  const lines = zone.split("\n");
  const i = lines.findIndex((l) => pattern.test(l));
  if (i < 0) throw new Error(`no line matches ${pattern}:\n${zone}`);
  lines[i] = replacement;
  return lines.join("\n");
}
