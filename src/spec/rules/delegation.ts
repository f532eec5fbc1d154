/**
 * Delegated DMARC and DKIM (`dmarc.cname`, `dkim.cname`): the name then holds a CNAME to the
 * provider's record, so nothing else of ours may live at it, the target must be a domain name, and
 * the fields that only make sense for a record we publish ourselves are refused with it.
 *
 * A CNAME cannot share its owner name with any other data (RFC 1034 §3.6.2, RFC 2181 §10.1): every
 * DNS host refuses the pair, so each contradiction here is an error.
 */
import type { MailServerSpec } from "../schema";
import { retiringSelectors } from "../derived";
import { ruleGroup, show, type Context, type Path, type Reporter, type RuleTable } from "./context";
import { pushTo } from "../order";

const rules = {
  "dns-cname-target": {
    level: "error",
    summary:
      "A `cname` (delegated DMARC or DKIM) is not a domain name, or names the record's own name (a CNAME loop).",
    remediation:
      "Give the target your provider documents, e.g. `example.com._dmarc.provider.net.`: labels of letters, digits, `-` and `_`, at most 63 characters each and 253 in all.",
  },
  "dmarc-cname-policy": {
    level: "error",
    summary:
      "`dmarc.cname` delegates DMARC to a provider, whose record is the policy, and the spec also sets policy fields that would never be published.",
    remediation: "Remove the policy fields and set them at the provider, or remove `cname`.",
  },
  "dkim-cname-key": {
    level: "error",
    summary:
      "`dkim.cname` delegates the selector to a provider that holds its key, and the spec also gives a key, a key size or `enabled: false`.",
    remediation:
      "Remove `privateKey`, `privateKeyFile`, `keySize` and `enabled` from a delegated selector, or remove `cname` to sign with a local key.",
  },
  "dns-cname-shared": {
    level: "error",
    summary:
      "A delegated name (a `cname`) is also the name of another record the plan publishes; a CNAME cannot share its name with other data (RFC 1034 §3.6.2), and DNS hosts refuse it.",
    remediation: "Delegate another name, or stop publishing the other record there.",
  },
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** Delegated DMARC and DKIM. */
export const DELEGATION_RULES = ruleGroup({ rules, check: checkDelegation });

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i;

/**
 * Why `cname` is not a usable CNAME target, or `undefined` when it is: a domain name of at least
 * two labels (letters, digits, `-`, `_`; 1 to 63 characters each, 253 in all without the trailing
 * dot). Every such name is written bare in a zone file, Cloudflare and Route53 alike.
 */
export function cnameTargetProblem(cname: string): string | undefined {
  const name = cname.endsWith(".") ? cname.slice(0, -1) : cname;
  if (name.length === 0) return "is empty";
  if (name.length > 253) return `is ${name.length} characters long, a domain name at most 253`;
  const labels = name.split(".");
  if (labels.length < 2) return "must be a fully qualified domain name (at least two labels)";
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined) {
    return bad === ""
      ? "has an empty label (two dots in a row)"
      : `has the label ${show(bad)}: labels are letters, digits, "-" and "_", 1 to 63 characters, not starting or ending with "-"`;
  }
  return undefined;
}

const DMARC_POLICY_FIELDS = [
  "policy",
  "subdomainPolicy",
  "rua",
  "ruf",
  "pct",
  "adkim",
  "aspf",
] as const;
const DKIM_KEY_FIELDS = ["privateKey", "privateKeyFile", "keySize", "enabled"] as const;

function checkDelegation(spec: MailServerSpec, ctx: Context, r: Reporter<Id>): void {
  // Every owner name the plan publishes for the spec's domains, and what needs it, so that a
  // delegated name that something else also needs is refused here rather than by the DNS host.
  const owners = new Map<string, string[]>();
  const need = (name: string, what: string) => pushTo(owners, name, what);
  spec.domains.forEach((d, i) => {
    if (ctx.domainIndex.get(d.name) !== i) return; // a duplicate: reported by domain-duplicate
    need(d.name, "MX and SPF");
    need(`_dmarc.${d.name}`, "DMARC");
    if (d.dkim.enabled) {
      need(`${d.dkim.selector}._domainkey.${d.name}`, `DKIM selector ${d.dkim.selector}`);
      for (const s of new Set(retiringSelectors(d.dkim))) {
        need(`${s}._domainkey.${d.name}`, `the key of retiring DKIM selector ${s}`);
      }
    }
    if (d.mtaSts !== undefined) need(`_mta-sts.${d.name}`, "MTA-STS");
    if (d.tlsRpt !== undefined) need(`_smtp._tls.${d.name}`, "TLS-RPT");
  });
  need(spec.hostname, "the mail host's address and HELO SPF");

  const checkTarget = (path: Path, owner: string, cname: string): void => {
    const problem = cnameTargetProblem(cname);
    if (problem !== undefined) {
      r.report("dns-cname-target", path, `${problem}, got ${JSON.stringify(cname)}`);
    } else if (cname.toLowerCase().replace(/\.$/, "") === owner) {
      r.report(
        "dns-cname-target",
        path,
        `is ${JSON.stringify(cname)}, the name of the CNAME itself: resolvers would loop`,
      );
    }
  };
  const checkShared = (path: Path, owner: string, own: string): void => {
    const others = (owners.get(owner) ?? []).filter((w) => w !== own);
    if (others.length > 0) {
      r.report(
        "dns-cname-shared",
        path,
        `delegates ${owner} with a CNAME, but ${others.join(" and ")} also needs a record at ${owner}; a CNAME cannot share its name with other data`,
      );
    }
  };

  spec.domains.forEach((d, i) => {
    if (d.dmarc.cname !== undefined) {
      const owner = `_dmarc.${d.name}`;
      const at: Path = ["domains", i, "dmarc", "cname"];
      checkTarget(at, owner, d.dmarc.cname);
      checkShared(at, owner, "DMARC");
      for (const field of DMARC_POLICY_FIELDS) {
        if (!ctx.given(["domains", i, "dmarc", field])) continue;
        r.report(
          "dmarc-cname-policy",
          ["domains", i, "dmarc", field],
          `is ${show(d.dmarc[field])}, but dmarc.cname delegates DMARC to ${show(d.dmarc.cname)}, whose record sets the policy; this field would never be published`,
        );
      }
    }
    if (d.dkim.cname !== undefined) {
      const owner = `${d.dkim.selector}._domainkey.${d.name}`;
      const at: Path = ["domains", i, "dkim", "cname"];
      checkTarget(at, owner, d.dkim.cname);
      if (d.dkim.enabled) checkShared(at, owner, `DKIM selector ${d.dkim.selector}`);
      for (const field of DKIM_KEY_FIELDS) {
        if (!ctx.given(["domains", i, "dkim", field])) continue;
        if (field === "enabled" && d.dkim.enabled) continue; // `enabled: true` says nothing new
        const value = field === "privateKey" ? "a key (value hidden: secret)" : show(d.dkim[field]);
        r.report(
          "dkim-cname-key",
          ["domains", i, "dkim", field],
          field === "enabled"
            ? `is false, but dkim.cname delegates selector ${show(d.dkim.selector)} to ${show(d.dkim.cname)}; a disabled selector publishes nothing, a delegated one publishes the CNAME: keep one`
            : `is ${value}, but dkim.cname delegates selector ${show(d.dkim.selector)} to ${show(d.dkim.cname)}, which holds the key; no local key signs for it`,
        );
      }
    }
  });
}
