/**
 * `MailDomain` (`dms:index:MailDomain`): the DNS of one mail domain on its own (MX, SPF, DKIM,
 * DMARC and the optional MTA-STS, TLS-RPT, SRV, CAA), for a mail server managed elsewhere or a
 * program that already owns its zones and providers. The records are the ones `planRecords`
 * gives that domain inside a whole-server plan, so `MailServer` and `MailDomain` never disagree.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { planRecords } from "../plan/records";
import type { DnsRecord } from "../records/types";
import { sortFindings, type Finding } from "../spec/findings";
import { signsDkim } from "../spec/derived";
import type { DomainArgs } from "./args";
import {
  auditRecords,
  bindRecords,
  publishRecords,
  recordKey,
  resolvedRecords,
  zoneFileTexts,
  adoptedKeySource,
  generatedKeySource,
  givenKeySource,
  type DkimPublicSource,
  zoneTargets,
} from "./dns";
import { slug } from "../providers/dns/common";
import {
  PLACEHOLDERS,
  describeErrors,
  fillHoles,
  structuralInput,
  validateFilled,
  validateOrThrow,
} from "./resolve";
import { mapToOutput } from "../providers/inputs";
import { resolveReferences } from "./references";
import { refuseRetiringSelectors } from "./dkim-rotation";
import { selectorKey } from "../spec/material";
import { hostMtaStsPolicies, waitForPolicies, type MtaStsPolicyOutput } from "./mta-sts-hosting";

/** The Pulumi type token of {@link MailDomain}. */
export const MAIL_DOMAIN_TYPE = "dms:index:MailDomain";

/** Arguments of {@link MailDomain}. */
export interface MailDomainArgs {
  /** The mail host's FQDN: the MX target. */
  readonly hostname: string;
  /** The mail host's IPv4 address, for SPF (and the A record with `includeHostRecords`). */
  readonly ipv4?: pulumi.Input<string>;
  /** The mail host's IPv6 address, for SPF (and the AAAA record with `includeHostRecords`). */
  readonly ipv6?: pulumi.Input<string>;
  /** The domain, its DNS target and policies. */
  readonly domain: DomainArgs;
  /**
   * The DKIM public key (base64 SubjectPublicKeyInfo, the `p=` value) of a key the server already
   * has. Without it and without `domain.dkim.privateKey`, a key is generated and its private half
   * is the secret output `dkimPrivateKeyPem`, to install on the server.
   * @default generate a key
   */
  readonly dkimPublicKey?: pulumi.Input<string>;
  /**
   * Also publish the mail host's own A/AAAA and HELO SPF records when the hostname lies in this
   * domain's zone. Leave off when the server's own stack publishes them. @default false
   */
  readonly includeHostRecords?: boolean;
}

/** The DNS records of one mail domain. */
export class MailDomain extends pulumi.ComponentResource {
  /** The records with their final values. No secrets. */
  public readonly records: pulumi.Output<DnsRecord[]>;
  /** Zone file text per zone apex. */
  public readonly zoneFiles: pulumi.Output<Record<string, string>>;
  /** warn/info findings about the domain, sorted. */
  public readonly warnings: pulumi.Output<Finding[]>;
  /** The generated DKIM private key (PEM, secret), when this component generated one. */
  public readonly dkimPrivateKeyPem: pulumi.Output<string | undefined>;
  /** The DNS resources, and those serving the MTA-STS policy (spec `mtaSts.hosting`). */
  public readonly dnsResources: readonly pulumi.Resource[];
  /** The MTA-STS policy to serve (with web server snippets for `files` hosting). No secrets. */
  public readonly mtaStsPolicies: pulumi.Output<MtaStsPolicyOutput[]>;

  constructor(name: string, given: MailDomainArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(MAIL_DOMAIN_TYPE, name, {}, opts);
    const what = `MailDomain ${JSON.stringify(name)}`;
    // A `dkim.privateKeyFile` is read as a secret key (./references.ts).
    const references = resolveReferences({ domains: [given.domain] });
    const args: MailDomainArgs = { ...given, domain: references.args.domains[0]! };
    const domainName = args.domain.name;
    // A whole-server spec around the one domain; the account only satisfies server rules
    // (records never depend on accounts).
    const { input, holes } = structuralInput({
      hostname: args.hostname,
      ...(args.ipv4 !== undefined ? { ipv4: args.ipv4 } : {}),
      ...(args.ipv6 !== undefined ? { ipv6: args.ipv6 } : {}),
      domains: [args.domain],
      accounts: [{ address: `postmaster@${domainName}`, passwordHash: PLACEHOLDERS.passwordHash }],
    });
    // Findings name the one-domain server spec's paths; the user wrote `domain`.
    // (`domains[0].x` and the list itself, `domains`, both mean the one domain here).
    const rename = (path: string) => path.replace(/^domains(\[0\])?/, "domain");
    const { spec, findings: validation } = validateOrThrow(
      what,
      input,
      this,
      references.findings,
      rename,
    );
    refuseRetiringSelectors(what, spec, this, rename);
    const keep = (r: DnsRecord) =>
      r.domain === domainName || (args.includeHostRecords === true && r.domain === args.hostname);
    const material = { passwordHashes: new Map(), dkimKeys: new Map() };
    const structural = planRecords(spec, material);
    const records = structural.records.filter(keep);

    const ipHoles = holes.filter((h) => h.kind === "ipv4" || h.kind === "ipv6");
    const resolved =
      ipHoles.length === 0
        ? undefined
        : pulumi.all(ipHoles.map((h) => h.value)).apply((values) => {
            const real = planRecords(
              validateFilled(what, fillHoles(input, ipHoles, values), rename),
              material,
            );
            return Object.fromEntries(real.records.map((r) => [recordKey(r), r] as const));
          });

    const dkim = spec.domains[0]!.dkim;
    const sources = new Map<string, DkimPublicSource>();
    let privatePem: pulumi.Output<string | undefined> = pulumi.output(undefined);
    // A delegated selector (dkim.cname) has no key here: the provider holding it signs.
    if (signsDkim({ dkim })) {
      const adopted = args.domain.dkim?.privateKey;
      if (args.dkimPublicKey !== undefined) {
        sources.set(selectorKey(domainName, dkim.selector), givenKeySource(args.dkimPublicKey));
      } else if (adopted !== undefined) {
        sources.set(selectorKey(domainName, dkim.selector), adoptedKeySource(adopted));
      } else {
        const key = new tls.PrivateKey(
          `${name}-dkim-${slug(domainName)}-${dkim.selector}`,
          { algorithm: "RSA", rsaBits: dkim.keySize },
          { parent: this },
        );
        sources.set(selectorKey(domainName, dkim.selector), generatedKeySource(key));
        privatePem = pulumi.secret(key.privateKeyPem);
      }
    }
    this.dkimPrivateKeyPem = privatePem;

    const targets = zoneTargets([args.domain]);
    const bindings = bindRecords(records, resolved, sources, targets);
    const audit = auditRecords(bindings, targets);
    if (audit.some((f) => f.level === "error"))
      throw new pulumi.ResourceError(describeErrors(what, audit), this);
    const hosting = hostMtaStsPolicies(
      name,
      [args.domain],
      structural.mtaStsPolicies.filter((p) => p.domain === domainName),
      this,
    );
    this.mtaStsPolicies = pulumi.output(hosting.policies.map((p) => ({ ...p })));
    this.dnsResources = [
      ...hosting.resources,
      ...publishRecords(name, bindings, targets, this, waitForPolicies(hosting)),
    ];
    const sourceKey = selectorKey(domainName, dkim.selector);
    const source = sources.get(sourceKey);
    this.records = resolvedRecords(
      records,
      resolved,
      source === undefined
        ? undefined
        : mapToOutput(source.from, (from) => ({ [sourceKey]: source.toBase64(from) })),
    );
    const zones = structural.zones.filter((z) => records.some((r) => r.zone === z.zone));
    this.zoneFiles = zoneFileTexts(zones, this.records);
    const relevant = (f: Finding) =>
      f.path === "" || f.path.startsWith("domain") || ["hostname", "ipv4", "ipv6"].includes(f.path);
    this.warnings = pulumi.output(
      sortFindings(
        [
          ...validation, // already renamed by validateOrThrow
          ...[...structural.findings, ...audit].map((f) => ({ ...f, path: rename(f.path) })),
        ].filter(
          (f) =>
            relevant(f) &&
            f.id !== "dkim-generated-at-deploy" &&
            !f.path.startsWith("accounts") &&
            f.id !== "no-accounts",
        ),
      ),
    );
    this.registerOutputs({
      records: this.records,
      zoneFiles: this.zoneFiles,
      warnings: this.warnings,
      mtaStsPolicies: this.mtaStsPolicies,
    });
  }
}
