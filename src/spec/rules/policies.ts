/** The report and policy records: DMARC report URIs, TLS-RPT, CAA and MTA-STS. */
import type { MailServerSpec } from "../schema";
import { ruleGroup, show, type Context, type Path, type Reporter, type RuleTable } from "./context";

const rules = {
  "dmarc-mailto": {
    level: "error",
    summary: "A DMARC `rua`/`ruf` destination is not a `mailto:` URI (RFC 7489 §6.4).",
    remediation: "Write `mailto:dmarc@example.com`.",
  },
  "dmarc-ruf-without-rua": {
    level: "warn",
    summary: "DMARC failure reports (`ruf`) without aggregate reports (`rua`).",
    remediation: "Add an `rua` destination; most receivers send only aggregate reports.",
  },
  "dmarc-pct-none": {
    level: "info",
    summary: "`pct` below 100 with `policy: none` has no effect.",
    remediation: "Drop `pct`, or use it while moving to `quarantine` or `reject`.",
  },
  "tlsrpt-uri": {
    level: "error",
    summary: "A TLS-RPT `rua` is not a `mailto:` or `https:` URI (RFC 8460 §3).",
    remediation: "Write `mailto:tls-reports@example.com` or an `https://` URL.",
  },
  "caa-iodef-uri": {
    level: "error",
    summary: "A CAA `iodef` is not a `mailto:` or `https:` URI (RFC 8659 §4.4).",
    remediation: "Write `mailto:security@example.com` or an `https://` URL.",
  },
  "caa-issuer": {
    level: "error",
    summary: "A CAA issuer is not a CA domain name (RFC 8659 §4.2).",
    remediation: "Write the CA's domain, such as `letsencrypt.org`.",
  },
  "caa-blocks-letsencrypt": {
    level: "error",
    summary:
      "TLS uses Let's Encrypt but the CAA record covering the hostname does not allow `letsencrypt.org`, so certificates cannot be issued.",
    remediation: "Add `letsencrypt.org` to `caa.issuers`.",
  },
  "mta-sts-certificate": {
    level: "error",
    summary:
      "MTA-STS `enforce` with TLS `none` or `self-signed`: senders that honour the policy refuse to deliver.",
    remediation:
      "Use `letsencrypt` or a `manual` CA-signed certificate, or MTA-STS mode `testing`.",
  },
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** DMARC, TLS-RPT, CAA and MTA-STS. */
export const POLICY_RULES = ruleGroup({ rules, check: checkReports });

const EMAIL = /^[^\s@,;!]+@([^\s@,;!]+\.[^\s@,;!]+)$/;
/** `mailto:addr[!size]` (RFC 7489 §6.4), returning the address's domain. */
function mailtoDomain(uri: string): string | undefined {
  const m = /^mailto:([^!]*)(?:![0-9]+[kmgt]?)?$/i.exec(uri);
  if (m === null) return undefined;
  return EMAIL.exec(m[1]!)?.[1]?.toLowerCase();
}

function isHttpsUrl(uri: string): boolean {
  if (!/^https:\/\/[^\s/]+/i.test(uri) || /[\s,;]/.test(uri)) return false;
  try {
    return new URL(uri).protocol === "https:";
  } catch {
    return false;
  }
}

function checkReports(spec: MailServerSpec, ctx: Context, r: Reporter<Id>): void {
  spec.domains.forEach((d, i) => {
    // Delegated (dmarc.cname): the policy fields are refused whole by dmarc-cname-policy.
    if (d.dmarc.cname !== undefined) return;
    const dm = d.dmarc;
    for (const field of ["rua", "ruf"] as const) {
      dm[field].forEach((uri, k) => {
        const path: Path = ["domains", i, "dmarc", field, k];
        const dest = mailtoDomain(uri);
        if (dest === undefined) {
          r.report(
            "dmarc-mailto",
            path,
            /^mailto:/i.test(uri)
              ? `must be a mailto: URI with one email address, got ${show(uri)}`
              : `must be a mailto: URI, got ${show(uri)}`,
          );
        }
      });
    }
    if (dm.ruf.length > 0 && dm.rua.length === 0) {
      r.report(
        "dmarc-ruf-without-rua",
        ["domains", i, "dmarc", "rua"],
        "is empty while ruf is set; most receivers send only aggregate (rua) reports",
      );
    }
    if (dm.pct < 100 && dm.policy === "none") {
      r.report(
        "dmarc-pct-none",
        ["domains", i, "dmarc", "pct"],
        `is ${dm.pct} with policy "none", which applies to no mail anyway`,
      );
    }
    d.tlsRpt?.rua.forEach((uri, k) => {
      if (mailtoDomain(uri) === undefined && !isHttpsUrl(uri)) {
        r.report(
          "tlsrpt-uri",
          ["domains", i, "tlsRpt", "rua", k],
          `must be a mailto: or https: URI, got ${show(uri)}`,
        );
      }
    });
    if (d.caa !== undefined) {
      if (
        d.caa.iodef !== undefined &&
        mailtoDomain(d.caa.iodef) === undefined &&
        !isHttpsUrl(d.caa.iodef)
      ) {
        r.report(
          "caa-iodef-uri",
          ["domains", i, "caa", "iodef"],
          `must be a mailto: or https: URI, got ${show(d.caa.iodef)}`,
        );
      }
      d.caa.issuers.forEach((issuer, k) => {
        if (
          !/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+(?:\s*;.*)?$/.test(
            issuer,
          )
        ) {
          r.report(
            "caa-issuer",
            ["domains", i, "caa", "issuers", k],
            `must be a CA's domain name such as "letsencrypt.org", got ${show(issuer)}`,
          );
        }
      });
    }
    if (
      d.mtaSts?.mode === "enforce" &&
      (spec.tls.type === "none" || spec.tls.type === "self-signed")
    ) {
      r.report(
        "mta-sts-certificate",
        ["domains", i, "mtaSts", "mode"],
        `is "enforce" but tls.type is ${show(spec.tls.type)}; senders honouring MTA-STS will refuse to deliver`,
      );
    }
  });

  // CAA is looked up at the hostname, then its parents (RFC 8659 §3): the closest declared domain
  // with a CAA entry governs the mail host's certificate.
  if (spec.tls.type === "letsencrypt") {
    for (let name = spec.hostname; name.includes("."); name = name.slice(name.indexOf(".") + 1)) {
      const i = ctx.domainIndex.get(name);
      const caa = i === undefined ? undefined : spec.domains[i]!.caa;
      if (caa === undefined) continue;
      const allowed = caa.issuers.some((s) => s.split(";")[0]!.trim() === "letsencrypt.org");
      if (!allowed) {
        r.report(
          "caa-blocks-letsencrypt",
          ["domains", i!, "caa", "issuers"],
          `must include "letsencrypt.org" for tls.type "letsencrypt" to get a certificate for ${show(spec.hostname)}, got ${show(caa.issuers)}`,
        );
      }
      break;
    }
  }
}
