/**
 * Secret material the plan needs but must not compute itself: password hashes (salted, so hashing
 * happens once, outside the pure plan) and DKIM keys (generated at deploy time by the Pulumi
 * component, adopted from the spec, or unknown to the CLI). Callers resolve these and pass them in.
 */

/** A DKIM key pair for one domain and selector. */
export interface DkimKeyMaterial {
  /** PEM private key; when present the plan writes the signing key file for DMS. */
  readonly privateKeyPem?: string;
  /** Base64 DER SubjectPublicKeyInfo: the `p=` of the DKIM record. */
  readonly publicKeyBase64: string;
}

/** Resolved secrets, keyed as documented per field. */
export interface PlanMaterial {
  /** Dovecot `{SCHEME}hash` per account address. An account without one is a plan error. */
  readonly passwordHashes: ReadonlyMap<string, string>;
  /**
   * DKIM keys by domain name. A domain without an entry gets the placeholder value
   * `DKIM_PLACEHOLDER` (`../records/policies`) in its TXT record and no key file.
   */
  readonly dkimKeys: ReadonlyMap<string, DkimKeyMaterial>;
  /**
   * Keys of retiring DKIM selectors (spec `dkim.retiring`), keyed by {@link selectorKey}: still
   * published and kept on disk, never signing. A retiring selector without an entry gets the
   * placeholder value and no key file. @default none
   */
  readonly retiringDkimKeys?: ReadonlyMap<string, DkimKeyMaterial>;
  /** The relay password, when the spec has a relay with credentials. */
  readonly relayPassword?: string;
}

/** The key of {@link PlanMaterial.retiringDkimKeys}: `<domain>/<selector>`. */
export function selectorKey(domain: string, selector: string): string {
  return `${domain}/${selector}`;
}
