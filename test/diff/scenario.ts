/**
 * The "before" zones and the "after" spec shared by the live-diff tests and golden files: every
 * kind of change, unmanaged records and conflicts, in two zones served by a real BIND.
 */
import {
  MailServerSpecSchema,
  type MailServerSpec,
  type MailServerSpecInput,
} from "../../src/spec/schema";
import type { PlanMaterial } from "../../src/spec/material";
import { KEY_A, KEY_B } from "./keys";

/** The after spec's DNS-relevant fields, as a user writes them (accounts are added per test). */
export const AFTER_INPUT = {
  hostname: "mail.example.com",
  ipv4: "192.0.2.10",
  ipv6: "2001:db8::10",
  domains: [
    {
      name: "example.com",
      dkim: { selector: "mail" },
      dmarc: { policy: "reject", rua: ["mailto:dmarc@example.com"] },
      tlsRpt: { rua: ["mailto:tls@example.com"] },
      caa: { issuers: ["letsencrypt.org"] },
    },
    { name: "example.net", dkim: { selector: "s2025" }, dmarc: { policy: "quarantine" } },
  ],
} satisfies MailServerSpecInput;

/** The spec the "before" zones were published from (`--previous`), without accounts. */
export const PREVIOUS_INPUT = {
  hostname: "mail.example.com",
  ipv4: "104.16.0.10",
  domains: [
    {
      name: "example.com",
      dkim: { selector: "old" },
      dmarc: { policy: "quarantine", rua: ["mailto:dmarc@example.com"] },
      mtaSts: { mode: "enforce", id: "20240101" },
      caa: { issuers: ["letsencrypt.org"] },
    },
    { name: "example.net", dkim: { selector: "s2025" } },
  ],
} satisfies MailServerSpecInput;

const ACCOUNTS = [{ address: "alice@example.com", passwordHash: "{SHA512-CRYPT}$6$salt$hash" }];

/** The spec after the change under review. */
export const AFTER_SPEC: MailServerSpec = MailServerSpecSchema.parse({
  ...AFTER_INPUT,
  accounts: ACCOUNTS,
});

/** The spec the "before" zones were published from (`--previous`). */
export const PREVIOUS_SPEC: MailServerSpec = MailServerSpecSchema.parse({
  ...PREVIOUS_INPUT,
  accounts: ACCOUNTS,
});

/** example.com has a real key in the after spec; example.net's is generated at deploy. */
export const AFTER_MATERIAL: PlanMaterial = {
  passwordHashes: new Map(),
  dkimKeys: new Map([["example.com", { publicKeyBase64: KEY_B }]]),
};

export const PREVIOUS_MATERIAL: PlanMaterial = {
  passwordHashes: new Map(),
  dkimKeys: new Map([
    ["example.com", { publicKeyBase64: KEY_A }],
    ["example.net", { publicKeyBase64: KEY_A }],
  ]),
};

/** Splits a TXT value into quoted 255-character strings for a zone file. */
function txt(value: string): string {
  const chunks: string[] = [];
  for (let i = 0; i < value.length; i += 255) chunks.push(`"${value.slice(i, i + 255)}"`);
  return chunks.join(" ");
}

const SOA = (zone: string) => `$ORIGIN ${zone}.
$TTL 300
@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 300
@ IN NS ns1.${zone}.
ns1 IN A 127.0.0.1
`;

/** What the zones hold now. */
export const BEFORE_ZONES: Record<string, string> = {
  "example.com":
    SOA("example.com") +
    `@ IN MX 10 mail.old.example.
@ IN TXT "v=spf1 mx ip4:104.16.0.10 ~all"
@ IN TXT "google-site-verification=abc123"
@ IN CAA 0 issue "letsencrypt.org"
_dmarc IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com"
mail._domainkey IN TXT ${txt(`v=DKIM1; k=rsa; p=${KEY_A}`)}
old._domainkey IN TXT ${txt(`v=DKIM1; k=rsa; p=${KEY_A}`)}
_mta-sts IN TXT "v=STSv1; id=20240101"
mail IN A 104.16.0.10
www IN A 192.0.2.80
`,
  "example.net":
    SOA("example.net") +
    `@ IN MX 10 mail.example.com.
@ IN TXT "v=spf1 mx -all"
@ IN TXT "v=spf1 include:_spf.google.com ~all"
s2025._domainkey IN TXT ${txt(`v=DKIM1; k=rsa; p=${KEY_A}`)}
_imaps._tcp IN SRV 0 1 993 mail.example.com.
`,
};
