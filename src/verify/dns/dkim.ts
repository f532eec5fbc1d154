/**
 * DKIM checks: the selector's key record is usable, and the private key DMS signs with matches
 * it (a test message signed with it verifies against the live record, as a receiver would).
 */
import type { DomainSpec } from "../../spec/schema";
import { dkimName } from "../../records/policies";
import { DKIM_PLACEHOLDER, dkimKeyInfo, parseDkim, parseTags } from "../../records/values";
import { fail, pass, skip, type Check } from "../checks";
import {
  bare,
  cnamePath,
  lookupProblem,
  mailauthResolver,
  planned,
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

/** `dkim-record-usable` and `dkim-key-matches` for one domain. */
export async function checkDkim(ctx: DnsCheckContext, domain: DomainSpec): Promise<Check[]> {
  const d = domain.name;
  if (!domain.dkim.enabled) {
    return [
      skip("dkim-record-usable", d, "DKIM is disabled for this domain"),
      skip("dkim-key-matches", d, "DKIM is disabled for this domain"),
    ];
  }
  const selector = domain.dkim.selector;
  const name = dkimName(selector, d);
  const want = planned(ctx.plan, "dkim", d)
    .filter((r) => r.name === name)
    .flatMap((r) => r.values);
  const delegated = domain.dkim.cname === undefined ? undefined : cnameTarget(domain.dkim.cname);
  // A CNAME at the selector is followed, as receivers do (a selector delegated to a provider).
  const { chain, answer: a } = await ctx.dns.queryFollowing(name, "TXT");
  const keys = a.status === "ok" ? a.values.filter((v) => parseTags(v, "exact").has("p")) : [];
  const via = chain.length > 0 ? `, reached through the CNAME ${cnamePath(name, chain)}` : "";
  const fix =
    delegated === undefined
      ? `Publish the DKIM key of ${d} at ${name} (TXT; dmsctl plan shows the value once the key is known).`
      : `Publish ${name} CNAME ${delegated}, and have the provider publish the selector's key there.`;
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
      out.push(pass("dkim-record-usable", name, `${what} (selector ${selector})${via}`));
    } else {
      out.push(fail("dkim-record-usable", name, `${info.problem}${via}`, fix));
    }
  }
  if (delegated !== undefined) {
    out.push(
      skip(
        "dkim-key-matches",
        name,
        `selector ${selector} is delegated to ${bare(delegated)}: the provider holding the key signs, DMS does not`,
      ),
    );
    return out;
  }
  if (usable === undefined) {
    out.push(skip("dkim-key-matches", name, "skipped: no usable key record"));
    return out;
  }
  const privateKey = ctx.dkimPrivateKeys.get(d);
  const mismatchFix =
    `The published key is not the signing key's: publish ${want.length > 0 ? quote(want) : "the public key of the private key DMS signs with"} at ${name}, ` +
    "or give the key that DMS really uses (dkim.privateKeyFile).";
  if (privateKey === undefined) {
    const plannedP = want.length === 1 ? parseDkim(want[0]!)?.publicKey : undefined;
    if (plannedP === undefined || plannedP === DKIM_PLACEHOLDER) {
      out.push(
        skip("dkim-key-matches", name, "skipped: no private key given (dkim.privateKeyFile)"),
      );
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
    return out;
  }
  // Sign a message with the private key and verify it against the live record: exactly what a
  // receiver does with real mail.
  const signed = await dkimSign(TEST_MESSAGE(d), {
    canonicalization: "relaxed/relaxed",
    signatureData: [{ signingDomain: d, selector, privateKey }],
    // The bundled types declare only the single-signature form; signatureData is the documented one.
  } as unknown as Parameters<typeof dkimSign>[1]);
  if (signed.signatures === "") {
    const why = signed.errors
      .map((e: unknown) => String((e as { err?: Error }).err?.message ?? e))
      .join("; ");
    out.push(
      fail("dkim-key-matches", name, `cannot sign with the private key: ${why}`, mismatchFix),
    );
    return out;
  }
  const verified = await dkimVerify(signed.signatures + TEST_MESSAGE(d), {
    resolver: mailauthResolver(ctx.dns),
  });
  const status = verified.results[0]?.status;
  if (status?.result === "pass") {
    out.push(pass("dkim-key-matches", name, "a test message signed with the private key verifies"));
  } else {
    out.push(
      fail(
        "dkim-key-matches",
        name,
        `a test message signed with the private key does not verify: ${status?.result ?? "no result"}${status?.comment ? ` (${status.comment})` : ""}`,
        mismatchFix,
      ),
    );
  }
  return out;
}
