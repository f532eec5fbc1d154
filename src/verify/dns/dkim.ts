/**
 * DKIM checks, for every published selector (the signing one and each retiring one): the key
 * record is usable, and the private key matches it (a test message signed with it verifies
 * against the live record, as a receiver would). For the signing selector also that every
 * authoritative server of the zone answers it; for a retiring one, whether it has outstayed the
 * overlap the spec allows (`dkim.retireAfterDays` from its `since` date).
 */
import type { DomainSpec } from "../../spec/schema";
import { retiringDays, retiringEntries, type RetiringSelector } from "../../spec/derived";
import { selectorKey } from "../../spec/material";
import { dkimName } from "../../records/policies";
import { DKIM_PLACEHOLDER, dkimKeyInfo, parseDkim, parseTags } from "../../records/values";
import { DnsClient } from "../../net/dns";
import { findEveryAuthoritative } from "../../net/authoritative";
import { fail, pass, skip, type Check } from "../checks";
import {
  bare,
  cnamePath,
  lookupProblem,
  mailauthResolver,
  quote,
  throughCnameProblem,
  type DnsCheckContext,
} from "./context";
import { cnameTarget } from "../../spec/derived";
import { dkimSign, dkimVerify } from "./mailauth";

const TEST_MESSAGE = (domain: string) =>
  [
    `From: dmsctl verify <postmaster@${domain}>`,
    `To: postmaster@${domain}`,
    "Subject: dmsctl verify DKIM self-test",
    "Date: Thu, 01 Jan 2026 00:00:00 +0000",
    `Message-ID: <dkim-self-test@${domain}>`,
    "",
    "This message is signed with the private key and verified against the published key.",
    "",
  ].join("\r\n");

/** The DKIM checks of one domain: every selector's, then the signing one's visibility. */
export async function checkDkim(ctx: DnsCheckContext, domain: DomainSpec): Promise<Check[]> {
  const d = domain.name;
  if (!domain.dkim.enabled) {
    return [
      skip("dkim-record-usable", d, "DKIM is disabled for this domain"),
      skip("dkim-key-matches", d, "DKIM is disabled for this domain"),
    ];
  }
  const retiring = retiringEntries(domain.dkim);
  const out: Check[] = [];
  const delegated = domain.dkim.cname === undefined ? undefined : cnameTarget(domain.dkim.cname);
  const signing = await checkSelector(
    ctx,
    d,
    domain.dkim.selector,
    undefined,
    retiring.length > 0,
    delegated,
  );
  out.push(...signing.checks);
  for (const entry of retiring) {
    const r = await checkSelector(ctx, d, entry.selector, entry, true, undefined);
    out.push(...r.checks, overdue(ctx, domain, entry, r.published));
  }
  const ask = ctx.authoritative;
  if (ask !== false && (ask !== undefined || retiring.length > 0)) {
    out.push(await checkAuthoritative(ctx, domain, ask?.port ?? 53));
  }
  return out;
}

/** `dkim-record-usable` and `dkim-key-matches` for one selector. */
async function checkSelector(
  ctx: DnsCheckContext,
  d: string,
  selector: string,
  retiring: RetiringSelector | undefined,
  rotating: boolean,
  /** The CNAME target the spec delegates the signing selector to (`dkim.cname`). */
  delegated: string | undefined,
): Promise<{ checks: Check[]; published: boolean }> {
  const name = dkimName(selector, d);
  const role = retiring === undefined ? "signing" : "retiring";
  const want = plannedValues(ctx, name);
  // A CNAME at the selector is followed, as receivers do (a selector delegated to a provider).
  const { chain, answer: a } = await ctx.dns.queryFollowing(name, "TXT");
  const keys = a.status === "ok" ? a.values.filter((v) => parseTags(v, "exact").has("p")) : [];
  const via = chain.length > 0 ? `, reached through the CNAME ${cnamePath(name, chain)}` : "";
  const fix =
    delegated !== undefined
      ? `Publish ${name} CNAME ${delegated}, and have the provider publish the selector's key there.`
      : retiring === undefined
        ? `Publish the DKIM key of ${d} at ${name} (TXT; dmsctl plan shows the value once the key is known).`
        : `Keep the retiring selector's key published at ${name} until its overlap ends (mail it signed is still verified), or remove ${selector} from dkim.retiring.`;
  let usable: string | undefined;
  const out: Check[] = [];
  if (delegated !== undefined && chain[0] !== delegated) {
    out.push(
      fail(
        "dkim-record-usable",
        name,
        chain.length === 0
          ? `${name} is not a CNAME; the spec delegates selector ${selector} to ${bare(delegated)}`
          : `${name} is a CNAME to ${bare(chain[0]!)}; the spec delegates selector ${selector} to ${bare(delegated)}`,
        fix,
      ),
    );
  } else if (a.status !== "ok" && a.status !== "nodata" && a.status !== "nxdomain") {
    out.push(
      fail(
        "dkim-record-usable",
        name,
        chain.length > 0
          ? throughCnameProblem(name, chain, a, "DKIM key record")
          : lookupProblem(a),
        fix,
      ),
    );
  } else if (keys.length !== 1) {
    out.push(
      fail(
        "dkim-record-usable",
        name,
        keys.length === 0
          ? chain.length > 0
            ? throughCnameProblem(name, chain, a, "DKIM key record")
            : `no DKIM key record at ${name}`
          : `${keys.length} key records at ${a.name}${via}`,
        fix,
      ),
    );
  } else {
    const info = dkimKeyInfo(keys[0]!);
    if (info.problem === undefined) {
      usable = keys[0]!;
      const what = info.keyType === "rsa" ? `rsa ${info.bits}-bit key` : `${info.keyType} key`;
      // The role is named only during a rotation, when two selectors are published.
      const which = rotating ? `${role} selector` : "selector";
      out.push(pass("dkim-record-usable", name, `${what} (${which} ${selector})${via}`));
    } else {
      out.push(fail("dkim-record-usable", name, `${info.problem}${via}`, fix));
    }
  }
  const published = keys.length > 0;
  if (delegated !== undefined) {
    out.push(
      skip(
        "dkim-key-matches",
        name,
        `selector ${selector} is delegated to ${bare(delegated)}: the provider holding the key signs, DMS does not`,
      ),
    );
    return { checks: out, published };
  }
  if (usable === undefined) {
    out.push(skip("dkim-key-matches", name, "skipped: no usable key record"));
    return { checks: out, published };
  }
  const privateKey =
    retiring === undefined
      ? ctx.dkimPrivateKeys.get(d)
      : ctx.retiringDkimPrivateKeys?.get(selectorKey(d, selector));
  const mismatchFix =
    `The published key is not the ${role} key's: publish ${want.length > 0 ? quote(want) : "the public key of the private key DMS signs with"} at ${name}, ` +
    (retiring === undefined
      ? "or give the key that DMS really uses (dkim.privateKeyFile)."
      : "or give the config folder that holds its key (--dkim-config).");
  if (privateKey === undefined) {
    const plannedP = want.length === 1 ? parseDkim(want[0]!)?.publicKey : undefined;
    if (plannedP === undefined || plannedP === DKIM_PLACEHOLDER) {
      const how = retiring === undefined ? "dkim.privateKeyFile" : "--dkim-config";
      out.push(skip("dkim-key-matches", name, `skipped: no private key given (${how})`));
    } else if (parseDkim(usable)?.publicKey === plannedP) {
      out.push(pass("dkim-key-matches", name, "the published key equals the planned key"));
    } else {
      out.push(
        fail(
          "dkim-key-matches",
          name,
          "the published key differs from the planned key",
          mismatchFix,
        ),
      );
    }
    return { checks: out, published };
  }
  out.push(await signAndVerify(ctx, d, selector, name, privateKey, mismatchFix));
  return { checks: out, published };
}

/** The planned values of the record `name`. */
function plannedValues(ctx: DnsCheckContext, name: string): string[] {
  return ctx.plan.records
    .filter((r) => r.purpose === "dkim" && r.name === name)
    .flatMap((r) => r.values);
}

/**
 * Signs a message with the private key and verifies it against the live record: exactly what a
 * receiver does with real mail.
 */
async function signAndVerify(
  ctx: DnsCheckContext,
  d: string,
  selector: string,
  name: string,
  privateKey: string,
  mismatchFix: string,
): Promise<Check> {
  const signed = await dkimSign(TEST_MESSAGE(d), {
    canonicalization: "relaxed/relaxed",
    signatureData: [{ signingDomain: d, selector, privateKey }],
    // The bundled types declare only the single-signature form; signatureData is the documented one.
  } as unknown as Parameters<typeof dkimSign>[1]);
  if (signed.signatures === "") {
    const why = signed.errors
      .map((e: unknown) => String((e as { err?: Error }).err?.message ?? e))
      .join("; ");
    return fail("dkim-key-matches", name, `cannot sign with the private key: ${why}`, mismatchFix);
  }
  const verified = await dkimVerify(signed.signatures + TEST_MESSAGE(d), {
    resolver: mailauthResolver(ctx.dns),
  });
  const status = verified.results[0]?.status;
  if (status?.result === "pass") {
    return pass("dkim-key-matches", name, "a test message signed with the private key verifies");
  }
  return fail(
    "dkim-key-matches",
    name,
    `a test message signed with the private key does not verify: ${status?.result ?? "no result"}${status?.comment ? ` (${status.comment})` : ""}`,
    mismatchFix,
  );
}

/**
 * `dkim-signing-authoritative`: every authoritative server of the zone answers the signing
 * selector with a key (the planned one, when the plan knows it). Asked directly, so no resolver
 * cache hides a server that lags.
 */
async function checkAuthoritative(
  ctx: DnsCheckContext,
  domain: DomainSpec,
  port: number,
): Promise<Check> {
  const d = domain.name;
  const name = dkimName(domain.dkim.selector, d);
  if (domain.dkim.cname !== undefined) {
    // DMS does not sign with a delegated selector; its key is the provider's to publish.
    return skip(
      "dkim-signing-authoritative",
      name,
      `selector ${domain.dkim.selector} is delegated (dkim.cname): DMS does not sign with it`,
    );
  }
  const record = ctx.plan.records.find((r) => r.purpose === "dkim" && r.name === name);
  const zone = record?.zone ?? d;
  const plannedP = record === undefined ? undefined : parseDkim(record.values[0]!)?.publicKey;
  const wantP = plannedP === DKIM_PLACEHOLDER ? undefined : plannedP;
  const fix = `Publish ${name} on every name server of ${zone} (a secondary that has not transferred the zone yet lags: check its SOA serial) before DMS signs with ${domain.dkim.selector}.`;
  const found = await findEveryAuthoritative(zone, ctx.dns, port);
  if (found.servers.length === 0) {
    return fail("dkim-signing-authoritative", name, found.problems.join("; "), fix);
  }
  const missing: string[] = [...found.problems];
  for (const s of found.servers) {
    const client = new DnsClient({ server: s.server, tries: 1 });
    const a = await client.query(name, "TXT");
    const ps = a.values.map((v) => parseDkim(v)?.publicKey).filter((p) => p !== undefined);
    if (a.status !== "ok" || ps.length === 0) {
      missing.push(`${s.nameserver} (${s.server}): ${lookupProblem(a)}`);
    } else if (wantP !== undefined && !ps.includes(wantP)) {
      missing.push(`${s.nameserver} (${s.server}): another key than the planned one`);
    }
  }
  if (missing.length > 0) {
    return fail("dkim-signing-authoritative", name, `not answered by ${missing.join("; ")}`, fix);
  }
  return pass(
    "dkim-signing-authoritative",
    name,
    `answered by all ${found.servers.length} authoritative servers of ${zone} (${found.servers.map((s) => s.nameserver).join(", ")})`,
  );
}

/** `dkim-retiring-overdue` for one retiring selector. */
function overdue(
  ctx: DnsCheckContext,
  domain: DomainSpec,
  entry: RetiringSelector,
  published: boolean,
): Check {
  const name = dkimName(entry.selector, domain.name);
  const max = domain.dkim.retireAfterDays;
  if (!published) {
    return pass("dkim-retiring-overdue", name, "no longer published");
  }
  if (entry.since === undefined) {
    return skip(
      "dkim-retiring-overdue",
      name,
      `skipped: no since date (write retiring: [{ selector: ${entry.selector}, since: YYYY-MM-DD }] to be told after ${max} days)`,
    );
  }
  const days = retiringDays(entry.since, ctx.now);
  if (days > max) {
    return fail(
      "dkim-retiring-overdue",
      name,
      `retiring since ${entry.since}, ${days} days ago, still published (dkim.retireAfterDays: ${max})`,
      `The overlap is over: remove ${entry.selector} from dkim.retiring of ${domain.name} and deploy; its record and key go (docs/dkim-rotation.md).`,
    );
  }
  return pass(
    "dkim-retiring-overdue",
    name,
    `retiring since ${entry.since}, ${Math.max(days, 0)} of ${max} days`,
  );
}
