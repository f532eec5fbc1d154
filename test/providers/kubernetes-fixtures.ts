/**
 * A Kubernetes spec and its material for the Kubernetes tests, and the kubelet's reading of a
 * projected volume: which file lands at which path with which mode, given the StatefulSet's
 * volume and the ConfigMaps and Secret it names.
 */
import { generateKeyPairSync } from "node:crypto";
import { sha512Crypt, randomSalt } from "../../src/dms/password";
import { dkimPublicKeyBase64 } from "../../src/records";
import type { MailServerSpec, MailServerSpecInput } from "../../src/spec/schema";
import type { PlanMaterial } from "../../src/spec/material";
import { validateSpec } from "../../src/spec/validate";
import type { KubernetesObject } from "../../src/providers/host/kubernetes";
import type { PayloadFile } from "../servers/projected-volume";

/** The user-named TLS Secret of the Kubernetes fixtures. */
export const TLS_SECRET = "mail-tls";

/** A one-domain server on Kubernetes, its certificate in a user-named TLS Secret. */
export function k8sSpecInput(
  accounts: readonly { address: string; password: string }[],
  extra: Partial<MailServerSpecInput> = {},
): MailServerSpecInput {
  return {
    hostname: "mail.example.com",
    domains: [{ name: "example.com", dkim: { selector: "k8s", keySize: 2048 } }],
    accounts: accounts.map((a) => ({ address: a.address, password: a.password })),
    tls: { type: "letsencrypt" },
    env: { ENABLE_UPDATE_CHECK: "0" },
    platform: { kind: "kubernetes", namespace: "mail", tlsSecret: TLS_SECRET },
    ...extra,
  };
}

/** Validates or throws with every finding. */
export function validated(input: MailServerSpecInput): MailServerSpec {
  const r = validateSpec(input);
  if (!r.ok) throw new Error(r.findings.map((f) => `${f.path}: ${f.message}`).join("\n"));
  return r.spec;
}

/** A fresh 2048-bit RSA key (PKCS#8 PEM) for DKIM. */
export function newDkimKey(): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

/** Real SHA512-CRYPT hashes of the accounts' passwords and the given DKIM key. */
export function k8sMaterial(
  spec: MailServerSpec,
  passwords: Readonly<Record<string, string>>,
  dkimPem: string,
): PlanMaterial {
  return {
    passwordHashes: new Map(
      spec.accounts.map((a) => [
        a.address,
        `{SHA512-CRYPT}${sha512Crypt(passwords[a.address]!, randomSalt())}`,
      ]),
    ),
    dkimKeys: new Map([
      ["example.com", { privateKeyPem: dkimPem, publicKeyBase64: dkimPublicKeyBase64(dkimPem) }],
    ]),
  };
}

/** The object of `kind` named `name`, or a thrown error. */
export function objectOf(
  objects: readonly KubernetesObject[],
  kind: string,
  name: string,
): KubernetesObject {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (o === undefined) throw new Error(`no ${kind} ${name}`);
  return o;
}

interface ItemRef {
  name: string;
  items?: { key: string; path: string; mode?: number }[];
}

interface PodVolume {
  name: string;
  projected?: { defaultMode: number; sources: { configMap?: ItemRef; secret?: ItemRef }[] };
  secret?: { secretName: string; defaultMode?: number; items?: ItemRef["items"] };
}

/**
 * What the kubelet writes for the StatefulSet's volume `volumeName` (projected, or a Secret):
 * each source's keys (all of them, or its `items`) at their paths, with the item's mode or the
 * volume's `defaultMode` (0644 when unset, as in Kubernetes). A key an item names that the object
 * lacks is an error, as for the kubelet (the pod would not start).
 */
export function volumePayload(
  objects: readonly KubernetesObject[],
  statefulSetName: string,
  volumeName: string,
): PayloadFile[] {
  const sts = objectOf(objects, "StatefulSet", statefulSetName) as unknown as {
    spec: { template: { spec: { volumes: PodVolume[] } } };
  };
  const volume = sts.spec.template.spec.volumes.find((v) => v.name === volumeName);
  if (volume === undefined) throw new Error(`no volume ${volumeName}`);
  const sources: { kind: string; ref: ItemRef }[] =
    volume.projected !== undefined
      ? volume.projected.sources.map((s) =>
          s.configMap !== undefined
            ? { kind: "ConfigMap", ref: s.configMap }
            : { kind: "Secret", ref: s.secret! },
        )
      : volume.secret !== undefined
        ? [
            {
              kind: "Secret",
              ref: {
                name: volume.secret.secretName,
                ...(volume.secret.items ? { items: volume.secret.items } : {}),
              },
            },
          ]
        : [];
  if (sources.length === 0)
    throw new Error(`volume ${volumeName} is neither projected nor a Secret`);
  const defaultMode = volume.projected?.defaultMode ?? volume.secret?.defaultMode ?? 0o644;
  const out: PayloadFile[] = [];
  for (const { kind, ref } of sources) {
    const obj = objectOf(objects, kind, ref.name) as {
      data?: Record<string, string>;
      stringData?: Record<string, string>;
    };
    const data = obj.data ?? obj.stringData ?? {};
    const items =
      ref.items ?? Object.keys(data).map((key) => ({ key, path: key, mode: undefined }));
    for (const item of items) {
      const content = data[item.key];
      if (content === undefined) throw new Error(`${ref.name} has no key ${item.key}`);
      out.push({ path: item.path, content, mode: item.mode ?? defaultMode });
    }
  }
  return out;
}
