/**
 * Issue 11, deliverable 3: the DNS record inputs are already in the form each provider reads back,
 * so a refresh shows no diff. Each check below models one normalisation, named after the provider
 * source it follows (sources read 2026-11-30):
 *
 * Cloudflare (cloudflare/terraform-provider-cloudflare v5, `internal/services/dns_record`, bridged
 * by `@pulumi/cloudflare` 6.x), reading the record back from the API:
 * - `name`: the API returns the FQDN, lower case, no trailing dot; `ModifyPlan` (custom.go) only
 *   papers over a relative name when it can prove the zone suffix, so send the FQDN itself.
 * - `content` of CNAME, MX, NS and PTR: the API lowercases the target and drops a trailing dot
 *   (`NormalizeContent`, planmodifier.go); A/AAAA: the address in canonical text (RFC 5952 for
 *   IPv6); TXT: quoted character-strings, each at most 255 bytes, separated by one space.
 * - `ttl`: returned as sent (1 means automatic); 60 to 86400 for an unproxied record.
 * - `comment`: returned as sent, at most 100 characters on the Free plan (longer is refused).
 * - `priority` (MX): an integer, returned as sent; `proxied`: false, as sent.
 *
 * Route53 (hashicorp/terraform-provider-aws, `internal/service/route53/record.go`, bridged by
 * `@pulumi/aws` 7.x):
 * - `name`: `StateFunc` trims a trailing dot and lowercases.
 * - `records` of TXT: written with `flattenTxtEntry` (the whole value wrapped in one pair of
 *   quotes) and read back with `expandTxtEntry` (one outer pair removed), so the value must be
 *   unquoted outside and split inside with `""` (the form the provider documents for long TXT).
 * - `records` is a set: order never matters; `ttl` is returned as sent.
 */
import assert from "node:assert/strict";
import { isIP } from "node:net";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import {
  componentsUnderMocks,
  registrations,
  resetRegistrations,
  unwrap,
  valueOf,
  type Registration,
} from "./harness";
import type { MailServerArgs } from "../../src/components/args";

const { MailServer } = componentsUnderMocks();

const CF = "cloudflare:index/dnsRecord:DnsRecord";
const R53 = "aws:route53/record:Record";

/** A 2048-bit adopted key: its DKIM record is longer than one 255-byte string. */
const LONG_KEY = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
  type: "pkcs1",
  format: "pem",
}) as string;

function args(provider: "cloudflare" | "route53"): MailServerArgs {
  const dns =
    provider === "cloudflare"
      ? { provider: "cloudflare" as const, zoneId: "zone-1" }
      : { provider: "route53" as const, zoneId: "Z1" };
  return {
    hostname: "mail.example.com",
    ipv4: "192.0.2.7",
    // Not in canonical form on purpose: the plan must canonicalise it.
    ipv6: "2001:0db8:0000:0000:0000:0000:0000:0025",
    domains: [
      {
        name: "example.com",
        dns,
        dkim: { privateKey: LONG_KEY },
        dmarc: { policy: "reject", rua: ["mailto:dmarc@example.com"] },
        mtaSts: { mode: "enforce" },
        tlsRpt: { rua: ["mailto:tls@example.com"] },
        autoconfig: true,
      },
      { name: "second-domain-with-a-rather-long-name.example.org", dns },
    ],
    accounts: [{ address: "alice@example.com", password: "alice-password-123" }],
  };
}

async function records(provider: "cloudflare" | "route53", type: string): Promise<Registration[]> {
  resetRegistrations();
  const m = new MailServer("mail", args(provider));
  await valueOf(m.records);
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  const out = registrations.filter((r) => r.type === type);
  assert.ok(out.length >= 8, `only ${out.length} ${type} records`);
  return out;
}

/** The address as the API writes it back: `URL` canonicalises IPv6 as RFC 5952 does. */
function canonicalIp(ip: string): string {
  if (isIP(ip) === 6) return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  return ip;
}

/** Cloudflare TXT content, parsed into strings and written back canonically. */
function canonicalTxt(content: string): string {
  const strings: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/gy;
  let at = 0;
  for (let m = re.exec(content); m !== null; m = re.exec(content)) {
    strings.push(m[1]!);
    at = re.lastIndex;
    if (content[at] === " ") re.lastIndex = ++at;
  }
  assert.equal(at, content.length, `not quoted character-strings: ${content}`);
  for (const s of strings) {
    const bytes = Buffer.byteLength(s.replace(/\\(.)/g, "$1"), "utf8");
    assert.ok(bytes <= 255, `a string of ${bytes} bytes in ${content}`);
  }
  return strings.map((s) => `"${s}"`).join(" ");
}

/** What the Cloudflare API returns for one record's fields. */
function cloudflareReadBack(i: Record<string, unknown>): Record<string, unknown> {
  const out = { ...i };
  out.name = String(i.name).toLowerCase().replace(/\.$/, "");
  const content = i.content as string | undefined;
  if (content !== undefined) {
    switch (i.type) {
      case "CNAME":
      case "MX":
      case "NS":
      case "PTR":
        out.content = content.toLowerCase().replace(/\.$/, "");
        break;
      case "A":
      case "AAAA":
        out.content = canonicalIp(content);
        break;
      case "TXT":
        out.content = canonicalTxt(content);
        break;
    }
  }
  return out;
}

/** `flattenTxtEntry` then `expandTxtEntry`: what the AWS provider writes, then reads back. */
function route53TxtRoundTrip(value: string): string {
  const written = `"${value}"`;
  const last = written.length - 1;
  return last !== 0 && written[0] === '"' && written[last] === '"'
    ? written.slice(1, last)
    : written;
}

describe("DNS inputs are in the form each provider reads back", () => {
  it("Cloudflare: name, content, ttl, comment, priority and proxied read back unchanged", async () => {
    const regs = await records("cloudflare", CF);
    const types = new Set<string>();
    for (const r of regs) {
      const i = unwrap(r.inputs) as Record<string, unknown>;
      types.add(String(i.type));
      assert.deepEqual(cloudflareReadBack(i), i, `${r.name} reads back differently`);
      const ttl = i.ttl as number;
      assert.ok(Number.isInteger(ttl) && ttl >= 60 && ttl <= 86400, `${r.name} ttl ${ttl}`);
      const comment = String(i.comment);
      assert.ok(comment.length <= 100, `${r.name} comment is ${comment.length} characters`);
      assert.equal(comment, comment.trim());
      assert.equal(i.proxied, false);
      if (i.type === "MX") assert.ok(Number.isInteger(i.priority), `${r.name} priority`);
    }
    for (const t of ["A", "AAAA", "MX", "TXT", "SRV"]) assert.ok(types.has(t), t);
    // The AAAA value is the canonical form of the address given in another spelling.
    const aaaa = regs.find((r) => r.inputs.type === "AAAA")!;
    assert.equal(aaaa.inputs.content, "2001:db8::25");
    // The long DKIM value is two strings.
    const dkim = regs.find((r) => String(r.inputs.name).startsWith("mail._domainkey."))!;
    assert.match(String(dkim.inputs.content), /^"v=DKIM1; k=rsa; p=[^"]{200,}" "[^"]+"$/);
  });

  it("Route53: lower-case names without a trailing dot; TXT round-trips the quoting", async () => {
    const regs = await records("route53", R53);
    let long = 0;
    for (const r of regs) {
      const i = unwrap(r.inputs) as Record<string, unknown>;
      const name = String(i.name);
      assert.equal(name, name.replace(/\.$/, "").toLowerCase(), `${r.name} name`);
      for (const v of i.records as string[]) {
        if (i.type === "TXT") {
          assert.equal(route53TxtRoundTrip(v), v, `${r.name} ${v}`);
          // Unquoted outside (the provider adds the pair); each string at most 255 bytes.
          assert.ok(!v.startsWith('"') && !v.endsWith('"'), `${r.name} is quoted: ${v}`);
          const parts = v.split('""');
          for (const p of parts) assert.ok(Buffer.byteLength(p, "utf8") <= 255, `${r.name}`);
          if (parts.length > 1) long++;
        }
        if (i.type === "AAAA") assert.equal(v, canonicalIp(v));
      }
      // A set: the same values in another order are the same set.
      const values = i.records as string[];
      assert.equal(new Set(values).size, values.length, `${r.name} has a duplicate value`);
    }
    assert.ok(long >= 1, "the 2048-bit DKIM record is split");
  });
});
