/**
 * DKIM key records (RFC 6376 §3.6.1): `v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo>`. Rendered
 * and parsed here, and the one reader of the key they carry ({@link dkimKeyInfo}) that verify
 * (is the key usable?) and diff (which key is it?) share.
 */
import { createHash, createPublicKey } from "node:crypto";
import { parseTagList, renderTags } from "./tags";

/** The `p=` shown when the key will only exist after deploy (dmsctl without a key). */
export const DKIM_PLACEHOLDER = "<generated-at-deploy>";

/** A DKIM key record's value. */
export interface DkimValue {
  /** `k=`: the key type, `rsa` or `ed25519` (RFC 8463). */
  readonly keyType: string;
  /** `p=`: the base64 public key without blanks; empty for a revoked key. */
  readonly publicKey: string;
}

/**
 * `v=DKIM1; k=rsa; p=MIIB...`, the form DMS's OpenDKIM and Rspamd generators publish.
 * @see https://www.rfc-editor.org/rfc/rfc6376#section-3.6.1
 */
export function renderDkim(v: DkimValue): string {
  return renderTags([
    ["v", "DKIM1"],
    ["k", v.keyType],
    ["p", v.publicKey],
  ]);
}

/**
 * Reads a DKIM key record: `k=` (default `rsa`) and `p=` with its blanks removed (RFC 6376
 * §3.6.1 lets base64 carry whitespace). `undefined` when the tag list is invalid (§3.2), `v=` is
 * present but not `DKIM1`, or `p=` is missing.
 */
export function parseDkim(text: string): DkimValue | undefined {
  const { tags, problems } = parseTagList(text, "exact");
  const v = tags.get("v");
  const p = tags.get("p");
  if (problems.length > 0 || (v !== undefined && v !== "DKIM1") || p === undefined)
    return undefined;
  return { keyType: (tags.get("k") ?? "rsa").toLowerCase(), publicKey: p.replace(/\s+/g, "") };
}

/** What a DKIM key record holds, for humans and for the usability check. */
export interface DkimKeyInfo {
  /** `k=` lowercased; `rsa` when absent (RFC 6376 §3.6.1). */
  readonly keyType: string;
  /** `sha256:` and the first 12 hex digits of the sha256 of the decoded key; `none (revoked)`, or `generated at deploy`. */
  readonly fingerprint: string;
  /** `rsa-2048`, `ed25519`, or the key type alone when the key does not parse. */
  readonly algorithm: string;
  /** The plan's placeholder: the key is generated at deploy. */
  readonly placeholder: boolean;
  /** RSA modulus length, when the key parses as RSA. */
  readonly bits?: number;
  /** Why a receiver cannot use the key; absent when it can. */
  readonly problem?: string;
}

const cache = new Map<string, DkimKeyInfo>();

/**
 * Reads the key in a DKIM record value. Cached by value: parsing a public key costs tens of
 * microseconds, and one key often serves many domains.
 */
export function dkimKeyInfo(value: string): DkimKeyInfo {
  let info = cache.get(value);
  if (info === undefined) {
    info = readKey(value);
    if (cache.size >= 10_000) cache.clear();
    cache.set(value, info);
  }
  return info;
}

function readKey(value: string): DkimKeyInfo {
  const { tags, problems } = parseTagList(value, "exact");
  const keyType = (tags.get("k") ?? "rsa").toLowerCase();
  const p = (tags.get("p") ?? "").replace(/\s+/g, "");
  const base = { keyType, algorithm: keyType };
  if (p === DKIM_PLACEHOLDER) {
    return {
      ...base,
      fingerprint: "generated at deploy",
      placeholder: true,
      problem: "the key is generated at deploy",
    };
  }
  const v = tags.get("v");
  const problem =
    problems.length > 0
      ? `${problems.join("; ")}: the record is invalid (RFC 6376 §3.2)`
      : v !== undefined && v !== "DKIM1"
        ? `v=${v}, expected DKIM1`
        : !tags.has("p")
          ? "no p= tag"
          : undefined;
  if (p === "") {
    return {
      ...base,
      fingerprint: "none (revoked)",
      placeholder: false,
      problem: problem ?? "p= is empty: the key is revoked (RFC 6376 §3.6.1)",
    };
  }
  const der = Buffer.from(p, "base64");
  const fingerprint = `sha256:${createHash("sha256").update(der).digest("hex").slice(0, 12)}`;
  const key = publicKey(keyType, der, p);
  return {
    ...base,
    fingerprint,
    placeholder: false,
    ...(key.algorithm !== undefined ? { algorithm: key.algorithm } : {}),
    ...(key.bits !== undefined ? { bits: key.bits } : {}),
    ...(problem !== undefined || key.problem !== undefined
      ? { problem: problem ?? key.problem }
      : {}),
  };
}

/** The key's algorithm and size, or why it is not a usable key of type `k`. */
function publicKey(
  k: string,
  der: Buffer,
  p: string,
): { algorithm?: string; bits?: number; problem?: string } {
  try {
    if (k === "rsa") {
      const key = createPublicKey({ key: der, format: "der", type: "spki" });
      const bits = key.asymmetricKeyDetails?.modulusLength;
      if (key.asymmetricKeyType !== "rsa")
        return { problem: `p= is a ${key.asymmetricKeyType} key, k=rsa` };
      const algorithm = bits === undefined ? "rsa" : `rsa-${bits}`;
      if ((bits ?? 0) < 1024)
        return {
          algorithm,
          ...(bits !== undefined ? { bits } : {}),
          problem: `RSA key of ${bits ?? 0} bits; receivers require at least 1024 (RFC 8301)`,
        };
      return { algorithm, bits: bits! };
    }
    if (k === "ed25519") {
      // RFC 8463 §4.2: p= is the raw 32-byte public key, not a SubjectPublicKeyInfo.
      const raw = Buffer.from(p, "base64");
      if (raw.length !== 32) return { problem: `ed25519 key of ${raw.length} bytes, expected 32` };
      createPublicKey({
        key: { kty: "OKP", crv: "Ed25519", x: raw.toString("base64url") },
        format: "jwk",
      });
      return {};
    }
    return { problem: `unknown key type k=${k}` };
  } catch {
    return { problem: `p= is not a valid ${k} public key` };
  }
}
