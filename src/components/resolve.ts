/**
 * From Pulumi arguments to plans: how a component knows, at construction time, every child it
 * will have, while values arrive later as Outputs.
 *
 * The structure of a mail server (which domains, accounts, records and files exist) depends only
 * on plain fields of the spec; a few leaves may be Outputs (IPs, zone ids, passwords, adopted DKIM
 * keys, the relay password). So:
 *
 * 1. {@link structuralInput} copies the arguments, replacing every Output leaf with a valid
 *    placeholder of the same kind (`192.0.2.1`, a dummy hash, ...) and remembering it as a
 *    {@link Hole}. Placeholders change values, never which records or files exist.
 * 2. The component validates and plans that once, synchronously: the record and file keys, the
 *    ports and the container structure, so `pulumi preview` lists every child.
 * 3. Values come from the same plan functions run again inside `pulumi.all(...).apply(...)` with
 *    the holes filled ({@link fillHoles}). Each consumer fills only the holes it depends on, so an
 *    unknown value (a DKIM key generated in this deployment) does not make unrelated inputs
 *    unknown in a preview.
 *
 * Nothing here renders or validates on its own: it calls `validateSpec` and `planMailServer`.
 */
import * as pulumi from "@pulumi/pulumi";
import { formatFinding, sortFindings, type Finding } from "../spec/findings";
import { MailServerSpecSchema, type MailServerSpec } from "../spec/schema";
import { validateSpec } from "../spec/validate";
import type { MailServerSpecArgs } from "./args";

/** What an Output leaf is, which decides its placeholder and who depends on it. */
export type HoleKind = "ipv4" | "ipv6" | "zoneId" | "password" | "passwordHash" | "relayPassword";

/** An Output leaf of the arguments, replaced by a placeholder in the structural input. */
export interface Hole {
  readonly kind: HoleKind;
  /** Path into the structural input, e.g. `["accounts", 2, "password"]`. */
  readonly path: readonly (string | number)[];
  readonly value: pulumi.Input<string>;
}

/** Valid stand-ins: documentation addresses (RFC 5737, RFC 3849) and a well-formed dummy hash. */
export const PLACEHOLDERS: Readonly<Record<HoleKind, string>> = {
  ipv4: "192.0.2.1",
  ipv6: "2001:db8::1",
  zoneId: "zone-id-known-at-deploy",
  password: "password-known-at-deploy",
  passwordHash: `{SHA512-CRYPT}$6$placeholder00000$${"0".repeat(86)}`,
  relayPassword: "password-known-at-deploy",
};

/** A plain (already known) string, as opposed to an Output or a Promise. */
export function isPlain(v: unknown): v is string {
  return typeof v === "string";
}

/** The structural input and its holes. */
export interface Structural {
  /** A plain spec input (JSON-like), with placeholders at the holes and no custom DNS functions. */
  readonly input: Record<string, unknown>;
  readonly holes: readonly Hole[];
}

/**
 * Copies `args` (the spec fields only, see `SPEC_KEYS`) into a plain spec input. Custom DNS
 * targets become zone files for planning (their records are published by the user's function);
 * adopted DKIM keys are left out (the component passes keys as plan material, never in the spec).
 */
export function structuralInput(args: MailServerSpecArgs): Structural {
  const holes: Hole[] = [];
  const leaf = (kind: HoleKind, path: (string | number)[], v: pulumi.Input<string> | undefined) => {
    if (v === undefined || isPlain(v)) return v;
    holes.push({ kind, path, value: v });
    return PLACEHOLDERS[kind];
  };
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    if (SPEC_KEYS.has(key) && value !== undefined) input[key] = value;
  }
  if (args.ipv4 !== undefined) input.ipv4 = leaf("ipv4", ["ipv4"], args.ipv4);
  if (args.ipv6 !== undefined) input.ipv6 = leaf("ipv6", ["ipv6"], args.ipv6);
  input.domains = (args.domains ?? []).map((d, i) => {
    const out: Record<string, unknown> = { ...d };
    if (d.dns !== undefined) {
      if (d.dns.provider === "custom") {
        out.dns = {
          provider: "zonefile",
          ...(d.dns.zone !== undefined ? { zone: d.dns.zone } : {}),
        };
      } else if (d.dns.provider === "cloudflare" || d.dns.provider === "route53") {
        out.dns = {
          ...d.dns,
          zoneId: leaf("zoneId", ["domains", i, "dns", "zoneId"], d.dns.zoneId),
        };
      }
    }
    if (d.dkim !== undefined) {
      const { privateKey: _adopted, ...dkim } = d.dkim;
      out.dkim = dkim;
    }
    return out;
  });
  if (args.accounts !== undefined) {
    input.accounts = args.accounts.map((a, i) => {
      const out: Record<string, unknown> = { ...a };
      if (a.password !== undefined)
        out.password = leaf("password", ["accounts", i, "password"], a.password);
      if (a.passwordHash !== undefined) {
        out.passwordHash = leaf("passwordHash", ["accounts", i, "passwordHash"], a.passwordHash);
      }
      return out;
    });
  }
  if (args.relay !== undefined) {
    input.relay = {
      ...args.relay,
      ...(args.relay.password !== undefined
        ? { password: leaf("relayPassword", ["relay", "password"], args.relay.password) }
        : {}),
    };
  }
  return { input, holes };
}

/**
 * Spec fields copied from the arguments (the schema's own top-level keys, so a new spec field is
 * never dropped); everything else in `MailServerArgs` is Pulumi-only.
 */
const SPEC_KEYS: ReadonlySet<string> = new Set(Object.keys(MailServerSpecSchema.shape));

/** A deep copy of `input` with `holes[i]` set to `values[i]`. */
export function fillHoles(
  input: Record<string, unknown>,
  holes: readonly Hole[],
  values: readonly string[],
): Record<string, unknown> {
  const copy = structuredClone(input);
  holes.forEach((h, i) => {
    let node: Record<string | number, unknown> = copy;
    for (const part of h.path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
    node[h.path[h.path.length - 1]!] = values[i];
  });
  return copy;
}

/** One message listing every error finding, one per line (STYLE.md convention 7). */
export function describeErrors(what: string, findings: readonly Finding[]): string {
  const errors = findings.filter((f) => f.level === "error");
  const lines = errors.map((f) => `  ${formatFinding(f)}`);
  return `${what}: ${errors.length} problem${errors.length === 1 ? "" : "s"}:\n${lines.join("\n")}`;
}

/** Renames a finding's spec path to the caller's argument path (identity for `MailServer`). */
export type PathRenamer = (path: string) => string;

const samePath: PathRenamer = (path) => path;

function renamed(findings: readonly Finding[], rename: PathRenamer): Finding[] {
  return rename === samePath
    ? [...findings]
    : findings.map((f) => ({ ...f, path: rename(f.path) }));
}

/**
 * Validates the structural input; throws one `pulumi.ResourceError` listing every error, its own
 * and those of `earlier` (e.g. unreadable secret references), so all problems come at once.
 * @param what how the error names the resource, e.g. `MailServer "mail"`.
 * @param rename maps spec paths to the caller's argument paths (`MailDomain` validates a
 * one-domain server spec, and its users wrote `domain`, not `domains[0]`).
 */
export function validateOrThrow(
  what: string,
  input: unknown,
  resource: pulumi.Resource | undefined,
  earlier: readonly Finding[] = [],
  rename: PathRenamer = samePath,
): { spec: MailServerSpec; findings: Finding[] } {
  const result = validateSpec(input);
  if (!result.ok || earlier.some((f) => f.level === "error")) {
    const all = sortFindings(renamed([...earlier, ...result.findings], rename));
    throw new pulumi.ResourceError(describeErrors(what, all), resource);
  }
  return { spec: result.spec, findings: renamed(result.findings, rename) };
}

/**
 * Validates a filled-in input inside an apply (values known only at deploy, e.g. an IP from an
 * instance). Throws a plain Error: an apply cannot throw a ResourceError usefully.
 */
export function validateFilled(
  what: string,
  input: unknown,
  rename: PathRenamer = samePath,
): MailServerSpec {
  const result = validateSpec(input);
  if (!result.ok) throw new Error(describeErrors(what, renamed(result.findings, rename)));
  return result.spec;
}
