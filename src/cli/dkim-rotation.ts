/**
 * DKIM rotation for `dmsctl plan --out`: the folder holds the previous deployment, so it says
 * which selector signed before (the signing tables it wrote) and holds every selector's key. From
 * that and the spec: the retiring selectors' keys (adopted, never generated: only a selector that
 * signed can retire), the refusal of a one-step switch, and the rotations to print as steps.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { MailServerSpec } from "../spec/schema";
import type { Finding } from "../spec/findings";
import { finding } from "../spec/rules";
import { selectorKey, type DkimKeyMaterial } from "../spec/material";
import { dkimPublicKeyBase64 } from "../records/policies";
import { findKeyInConfig } from "./dkim-keys";
import { retiringSelectors } from "../spec/derived";
import {
  RSPAMD_SIGNING_FILE,
  SIGNING_TABLE_FILE,
  oneStepSwitch,
  signingSelector,
} from "../dms/dkim-signing";

/** A signing switch from one selector to another. */
export interface DkimRotation {
  readonly domain: string;
  readonly from: string;
  readonly to: string;
  /** The TTL of the domain's records, in seconds (resolvers may cache the old answer this long). */
  readonly ttl: number;
}

/**
 * The selector that signed `domain`'s mail in a DMS config directory this tool wrote (OpenDKIM's
 * `SigningTable` or Rspamd's `dkim_signing.conf`, read by ../dms/dkim-signing.ts). Undefined when
 * neither says.
 */
export function previousSigningSelector(configDir: string, domain: string): string | undefined {
  const read = (rel: string): string | undefined => {
    const path = join(configDir, rel);
    return existsSync(path) ? readFileSync(path, "utf8") : undefined;
  };
  const signingTable = read(SIGNING_TABLE_FILE);
  const rspamdSigning = read(RSPAMD_SIGNING_FILE);
  return signingSelector(
    {
      ...(signingTable !== undefined ? { signingTable } : {}),
      ...(rspamdSigning !== undefined ? { rspamdSigning } : {}),
    },
    domain,
  );
}

/** What {@link resolveRotation} found. */
export interface RotationState {
  readonly retiringDkimKeys: Map<string, DkimKeyMaterial>;
  readonly rotations: DkimRotation[];
  readonly findings: Finding[];
}

/**
 * Adopts each retiring selector's key from `configDir` and compares the spec with the previous
 * deployment there. `strict` (for `plan --out`) reports a missing retiring key and a one-step
 * switch; without it (verify's `--dkim-config`) keys are only adopted when present.
 */
export function resolveRotation(
  spec: MailServerSpec,
  configDir: string,
  strict: boolean,
): RotationState {
  const retiringDkimKeys = new Map<string, DkimKeyMaterial>();
  const rotations: DkimRotation[] = [];
  const findings: Finding[] = [];
  spec.domains.forEach((d, i) => {
    if (!d.dkim.enabled) return;
    retiringSelectors(d.dkim).forEach((selector, k) => {
      const path = findKeyInConfig(configDir, d.name, selector);
      if (path === undefined) {
        if (strict) {
          findings.push(
            finding(
              "dkim-retiring-key-missing",
              `domains[${i}].dkim.retiring[${k}]`,
              `is ${JSON.stringify(selector)}, but the --out folder holds no key for ${selector}._domainkey.${d.name}: only a selector that signed before can retire`,
            ),
          );
        }
        return;
      }
      const pem = readFileSync(path, "utf8");
      try {
        retiringDkimKeys.set(selectorKey(d.name, selector), {
          privateKeyPem: pem,
          publicKeyBase64: dkimPublicKeyBase64(pem),
        });
      } catch (err) {
        findings.push(
          finding(
            "dkim-key-invalid",
            `domains[${i}].dkim.retiring[${k}]`,
            `key file ${JSON.stringify(path)}: ${(err as Error).message}`,
          ),
        );
      }
    });
    if (!strict) return;
    const previous = previousSigningSelector(configDir, d.name);
    if (previous === undefined || previous === d.dkim.selector) return;
    const oneStep = oneStepSwitch(spec, i, previous);
    if (oneStep !== undefined) {
      findings.push(oneStep);
      return;
    }
    rotations.push({ domain: d.name, from: previous, to: d.dkim.selector, ttl: d.ttl });
  });
  return { retiringDkimKeys, rotations, findings };
}

/**
 * The order to apply a rotation in, as numbered steps (publish before sign): the new record
 * first, then the wait until every authoritative server answers it (what the components wait for
 * too, ../components/mail-server/publish-wait.ts),
 * then the config that switches signing, then, after the overlap, the old selector's removal.
 */
export function rotationSteps(rotations: readonly DkimRotation[], specPath: string): string {
  const out: string[] = [];
  for (const r of rotations) {
    const name = (s: string) => `${s}._domainkey.${r.domain}`;
    out.push(
      `DKIM rotation for ${r.domain}: ${r.from} -> ${r.to}. Apply in this order:`,
      `  1. Publish ${name(r.to)} TXT (zones/ in the --out folder); keep ${name(r.from)}.`,
      `  2. Wait until every authoritative server of the zone answers ${name(r.to)} (dmsctl verify ${specPath} --authoritative: check dkim-signing-authoritative). If anything looked that name up through a resolver before it existed, also wait the zone's negative-caching TTL (its SOA minimum; the record's own TTL is ${r.ttl} s).`,
      `  3. Run docker compose up -d in the --out folder: the signing config is read at startup, so the container's recreate-hash label changed and compose recreates it, mail data stays. DMS signs with ${r.to} from then on.`,
      `  4. After the overlap (at least 2 days; see docs/dkim-rotation.md), remove ${r.from} from dkim.retiring and run dmsctl plan --out again: its record and key go.`,
    );
  }
  return out.map((l) => `${l}\n`).join("");
}
