/**
 * Resolving the secrets `dmsctl` needs into {@link PlanMaterial}: account passwords (from the
 * environment variable the spec names, a ready hash, or, discouraged, a plain password in the
 * file), DKIM keys (a key file next to the spec, an inline key, a key already in the `--out`
 * directory, or a new one generated for `--out`) and the relay password.
 *
 * Problems come back as findings naming the field path and, for environment variables, the
 * variable's name, never a value. Hashes are deterministic (salt derived from the hostname, the
 * address and the password, see `deriveSalt`), so planning twice writes byte-identical files.
 */
import { resolveRotation, type DkimRotation } from "./dkim-rotation";
import { findKeyInConfig } from "./dkim-keys";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import type { MailServerSpec } from "../spec/schema";
import { signsDkim } from "../spec/derived";
import { cmp, formatPath, type Finding } from "../spec/findings";
import { checkRelayPassword } from "../spec/rules/readers";
import { finding } from "../spec/rules";
import type { DkimKeyMaterial, PlanMaterial } from "../spec/material";
import { dkimPublicKeyBase64 } from "../records/policies";
import { deriveSalt, hashPasswords } from "../dms/password";
import { readSecretEnv, readSecretFile } from "../spec/secret-sources";

/** Where and how to resolve secrets. */
export interface SecretOptions {
  /** Directory of the spec file: `dkim.privateKeyFile` is relative to it. */
  readonly specDir: string;
  /** The environment `passwordEnv` names are read from. */
  readonly env: NodeJS.ProcessEnv;
  /**
   * The DMS config directory `--out` writes (`<DIR>/config`). When given, a DKIM key already there
   * is adopted and a missing one is generated; without it, a domain with no key gets the plan's
   * placeholder.
   */
  readonly configDir?: string;
}

/** Resolved material plus what was found on the way. */
export interface ResolvedSecrets {
  readonly material: PlanMaterial;
  /** Errors (missing variable, unreadable key) and warnings (plain-text secrets), unsorted. */
  readonly findings: Finding[];
  /** Domains whose DKIM key was generated in this run (so the CLI can say so). */
  readonly generatedDkim: string[];
  /** Signing switches since the previous deployment in the `--out` folder (publish before sign). */
  readonly rotations: DkimRotation[];
}

/** Resolves every secret of a validated spec. Never throws for bad input: it returns findings. */
export async function resolveSecrets(
  spec: MailServerSpec,
  options: SecretOptions,
): Promise<ResolvedSecrets> {
  const findings: Finding[] = [];
  const hashes = new Map<string, string>();
  const toHash: { address: string; password: string; salt: string }[] = [];

  spec.accounts.forEach((account, i) => {
    const path = `accounts[${i}]`;
    if (account.passwordHash !== undefined) {
      hashes.set(account.address, account.passwordHash);
      return;
    }
    let password: string | undefined;
    if (account.passwordEnv !== undefined) {
      password = readEnv(options.env, account.passwordEnv, `${path}.passwordEnv`, findings);
    } else if (account.password !== undefined) {
      findings.push(plaintextWarning(`${path}.password`, "passwordEnv or passwordHash"));
      password = account.password;
    }
    if (password === undefined) return;
    // The key is the hostname: one user on two servers gets two salts (see deriveSalt).
    toHash.push({
      address: account.address,
      password,
      salt: deriveSalt(spec.hostname, account.address, password),
    });
  });
  if (toHash.length > 0) {
    try {
      const hashed = await hashPasswords(toHash);
      toHash.forEach((e, i) => hashes.set(e.address, hashed[i]!));
    } catch (err) {
      // hashPasswords names index and address, never the password.
      findings.push({
        id: "password-unhashable",
        level: "error",
        path: "accounts",
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }

  let relayPassword: string | undefined;
  if (spec.relay !== undefined) {
    if (spec.relay.passwordEnv !== undefined) {
      relayPassword = readEnv(options.env, spec.relay.passwordEnv, "relay.passwordEnv", findings);
    } else if (spec.relay.password !== undefined) {
      findings.push(plaintextWarning("relay.password", "relay.passwordEnv"));
      relayPassword = spec.relay.password;
    }
  }

  // A password in the spec itself was checked with the spec's rules.
  if (spec.relay?.passwordEnv !== undefined) {
    checkRelayPassword(spec, { relayPassword }, (id, path, message) =>
      findings.push(finding(id, formatPath(path), message)),
    );
  }

  const dkim = resolveDkimKeys(spec, {
    specDir: options.specDir,
    ...(options.configDir !== undefined ? { configDir: options.configDir } : {}),
    generateMissing: options.configDir !== undefined,
  });
  findings.push(...dkim.findings);
  const { dkimKeys, generatedDkim } = dkim;
  // The previous deployment in the --out folder: retiring keys, and no one-step switch.
  const rotation =
    options.configDir === undefined ? undefined : resolveRotation(spec, options.configDir, true);
  findings.push(...(rotation?.findings ?? []));

  return {
    material: {
      passwordHashes: hashes,
      dkimKeys,
      ...(rotation !== undefined ? { retiringDkimKeys: rotation.retiringDkimKeys } : {}),
      ...(relayPassword !== undefined ? { relayPassword } : {}),
    },
    findings,
    generatedDkim,
    rotations: rotation?.rotations ?? [],
  };
}

/** Where DKIM keys come from, for {@link resolveDkimKeys}. */
export interface DkimKeyOptions {
  /** Directory of the spec file: `dkim.privateKeyFile` is relative to it. */
  readonly specDir: string;
  /** A DMS config directory whose keys (either engine's layout) are adopted. */
  readonly configDir?: string;
  /** Generate a key for a domain that has none (only for `plan --out`, which writes it). */
  readonly generateMissing: boolean;
}

/**
 * The DKIM keys of the spec's enabled domains: a key file next to the spec, an inline key, a key in
 * `configDir`, or a new one. A domain with none of these is left out (the plan then shows the
 * placeholder). Problems are findings by field path.
 */
export function resolveDkimKeys(
  spec: MailServerSpec,
  options: DkimKeyOptions,
): { dkimKeys: Map<string, DkimKeyMaterial>; generatedDkim: string[]; findings: Finding[] } {
  const findings: Finding[] = [];
  const dkimKeys = new Map<string, DkimKeyMaterial>();
  const generatedDkim: string[] = [];
  const domains = spec.domains.map((d, i) => ({ d, i })).sort((a, b) => cmp(a.d.name, b.d.name));
  for (const { d, i } of domains) {
    if (!signsDkim(d)) continue; // delegated (dkim.cname): the provider holds the key
    const path = `domains[${i}].dkim`;
    let pem: string | undefined;
    let where = "";
    if (d.dkim.privateKeyFile !== undefined) {
      where = `privateKeyFile ${JSON.stringify(d.dkim.privateKeyFile)}`;
      pem = readSecretFile(
        d.dkim.privateKeyFile,
        options.specDir,
        `${path}.privateKeyFile`,
        findings,
      );
      if (pem === undefined) continue;
    } else if (d.dkim.privateKey !== undefined) {
      pem = d.dkim.privateKey;
      where = "privateKey";
      findings.push(plaintextWarning(`${path}.privateKey`, "dkim.privateKeyFile"));
    } else if (options.configDir !== undefined) {
      const adopted = findKeyInConfig(options.configDir, d.name, d.dkim.selector);
      if (adopted !== undefined) {
        pem = readFileSync(adopted, "utf8");
        where = `key file ${JSON.stringify(adopted)}`;
      } else if (options.generateMissing) {
        pem = generateDkimKey(d.dkim.keySize);
        generatedDkim.push(d.name);
      }
    }
    if (pem === undefined) continue;
    try {
      dkimKeys.set(d.name, { privateKeyPem: pem, publicKeyBase64: dkimPublicKeyBase64(pem) });
    } catch (err) {
      findings.push({
        id: "dkim-key-invalid",
        level: "error",
        path,
        message: `${where}: ${(err as Error).message}`,
      });
    }
  }

  return { dkimKeys, generatedDkim, findings };
}

/** The stand-in hash of {@link resolveDnsMaterial}: DNS never depends on passwords. */
export const DNS_ONLY_PASSWORD_HASH = "{SHA512-CRYPT}not-needed-for-dns";

/**
 * Plan material for commands that only look at DNS (`verify`, `diff`): the DKIM keys (from key
 * files, inline keys or a DMS config directory; never generated), stand-in password hashes and no
 * relay password, so CI can run them without any account secret. The stand-ins reach only DMS
 * files, which these commands never read or print.
 */
export function resolveDnsMaterial(
  spec: MailServerSpec,
  options: { readonly specDir: string; readonly configDir?: string },
): { material: PlanMaterial; findings: Finding[] } {
  const dkim = resolveDkimKeys(spec, { ...options, generateMissing: false });
  const passwordHashes = new Map(spec.accounts.map((a) => [a.address, DNS_ONLY_PASSWORD_HASH]));
  const rotation =
    options.configDir === undefined ? undefined : resolveRotation(spec, options.configDir, false);
  return {
    material: {
      passwordHashes,
      dkimKeys: dkim.dkimKeys,
      ...(rotation !== undefined ? { retiringDkimKeys: rotation.retiringDkimKeys } : {}),
    },
    findings: [...dkim.findings, ...(rotation?.findings ?? [])],
  };
}

/**
 * A new RSA DKIM key of `bits`, PKCS#1 PEM as `opendkim-genkey` writes it (docs/dms-contract.md#dkim-keys
 * `example-opendkim`).
 */
export function generateDkimKey(bits: number): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return privateKey.export({ type: "pkcs1", format: "pem" }).toString();
}

function readEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  path: string,
  findings: Finding[],
): string | undefined {
  return readSecretEnv(
    env,
    name,
    path,
    findings,
    `Export ${name} before running dmsctl, or give a ready hash (passwordHash).`,
  );
}

function plaintextWarning(path: string, instead: string): Finding {
  return {
    id: "secret-plaintext-in-file",
    level: "warn",
    path,
    message: "a plain-text secret in the spec file: anyone who can read the file can read it",
    remediation: `Use ${instead} instead, and keep the spec file out of version control until then.`,
  };
}
