/** DKIM keys: one source, an RSA key of a sound size, and an engine that signs with it. */
import { createPrivateKey } from "node:crypto";
import type { MailServerSpec } from "../schema";
import { dkimEngine, signsDkim } from "../derived";
import { ruleGroup, show, type Context, type Reporter, type RuleTable } from "./context";

const rules = {
  "dkim-key-source": {
    level: "error",
    summary: "A DKIM key is given twice (`privateKey` and `privateKeyFile`).",
    remediation: "Keep one of them.",
  },
  "dkim-key-format": {
    level: "error",
    summary: "A DKIM `privateKey` is not an RSA private key in PEM form of at least 1024 bits.",
    remediation:
      "Give the PEM (`-----BEGIN PRIVATE KEY-----` or `-----BEGIN RSA PRIVATE KEY-----`) of an RSA key.",
  },
  "dkim-key-size": {
    level: "warn",
    summary: "An adopted DKIM key's size differs from `keySize`; the key wins.",
    remediation: "Set `keySize` to the key's size.",
  },
  "dkim-weak-key": {
    level: "warn",
    summary: "A 1024-bit DKIM key; RFC 8301 §3.2 asks signers for 2048 bits.",
    remediation: "Use `keySize: 2048`.",
  },
  "dkim-no-signer": {
    level: "warn",
    summary: "DKIM is enabled on domains but neither rspamd nor OpenDKIM runs, so nothing signs.",
    remediation: "Turn on rspamd or OpenDKIM, or set `dkim.enabled: false` on those domains.",
  },
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** DKIM keys and signing. */
export const DKIM_RULES = ruleGroup({ rules, check: checkDkim });

function checkDkim(spec: MailServerSpec, _ctx: Context, r: Reporter<Id>): void {
  const unsigned: string[] = [];
  spec.domains.forEach((d, i) => {
    const k = d.dkim;
    if (k.privateKey !== undefined && k.privateKeyFile !== undefined) {
      r.report(
        "dkim-key-source",
        ["domains", i, "dkim"],
        "has both privateKey and privateKeyFile; keep one",
      );
    }
    let bits: number | undefined;
    if (k.privateKey !== undefined) {
      bits = rsaKeyBits(k.privateKey);
      if (bits === undefined || bits < 1024) {
        r.report(
          "dkim-key-format",
          ["domains", i, "dkim", "privateKey"],
          bits === undefined
            ? "must be an RSA private key in PEM form (value hidden: secret)"
            : `is a ${bits}-bit RSA key; RFC 8301 §3.2 requires at least 1024 bits (value hidden: secret)`,
        );
      } else if (bits !== k.keySize) {
        r.report(
          "dkim-key-size",
          ["domains", i, "dkim", "keySize"],
          `is ${k.keySize} but the adopted key has ${bits} bits; the key's size is what counts`,
        );
      }
    }
    if ((bits ?? k.keySize) === 1024 && signsDkim(d)) {
      r.report(
        "dkim-weak-key",
        ["domains", i, "dkim", bits === undefined ? "keySize" : "privateKey"],
        "is a 1024-bit key; RFC 8301 §3.2 asks for 2048 bits",
      );
    }
    if (signsDkim(d)) unsigned.push(d.name);
  });
  if (unsigned.length > 0 && dkimEngine(spec) === "none") {
    const names = unsigned
      .slice(0, 3)
      .map((n) => show(n))
      .join(", ");
    r.report(
      "dkim-no-signer",
      ["features"],
      `runs neither rspamd nor OpenDKIM, so nothing signs mail for ${unsigned.length} domain${unsigned.length === 1 ? "" : "s"} with DKIM enabled (${names}${unsigned.length > 3 ? ", ..." : ""})`,
    );
  }
}

const keyBitsCache = new Map<string, number | undefined>();
/** The modulus size of a PEM RSA private key, or undefined when it is none. */
function rsaKeyBits(pem: string): number | undefined {
  if (keyBitsCache.has(pem)) return keyBitsCache.get(pem);
  let bits: number | undefined;
  try {
    const key = createPrivateKey({ key: pem, format: "pem" });
    bits = key.asymmetricKeyType === "rsa" ? key.asymmetricKeyDetails?.modulusLength : undefined;
  } catch {
    bits = undefined;
  }
  keyBitsCache.set(pem, bits);
  return bits;
}
