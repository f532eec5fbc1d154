/**
 * The stack-config program: a whole mail server from Pulumi stack configuration, for users who
 * write no TypeScript. The root `Pulumi.yaml` runs `src/stack/index.ts` (built to
 * `dist/cjs/stack/index.js`), which calls {@link mailServerFromConfig}.
 *
 * Configuration (namespace `mailserver`):
 * - `spec` (object, required): the spec, exactly as in a `dmsctl` YAML file (schema:
 *   `schema/mailserver.schema.json`), without plain-text secrets;
 * - `passwords` (secret object, address -> password): `pulumi config set --secret --path
 *   'mailserver:passwords["alice@example.com"]' '<password>'`;
 * - `relayPassword` (secret): the relay's SMTP password;
 * - `dkimPrivateKeys` (secret object, domain -> PEM): keys to adopt instead of generating;
 * - `ptr` (object): `{ kind: "aws-eip", allocationId }` or `{ kind: "cloudflare", zoneId }`;
 * - `awsSecurityGroupId`, `containerName` (strings, Docker); `objectName` (string, Kubernetes).
 * With `platform.kind: kubernetes` in the spec the program builds a `KubernetesMailServer`
 * (docs/kubernetes.md); the cluster comes from the default provider's config (kubeconfig).
 * The Docker host comes from the default provider's config (`docker:host`, e.g.
 * `ssh://admin@mail.example.com`); Cloudflare and AWS credentials likewise (`cloudflare:apiToken`,
 * `aws:region`).
 */
import * as pulumi from "@pulumi/pulumi";
import { MailServer } from "../components/mail-server";
import { KubernetesMailServer } from "../components/kubernetes-mail-server";
import type { AccountArgs, DomainArgs, MailServerArgs, PtrArgs } from "../components/args";
import { showValue } from "../spec/findings";

/** The config namespace the program reads. */
export const CONFIG_NAMESPACE = "mailserver";

/** Reads the stack config and builds the `MailServer` named `name`. */
export function mailServerFromConfig(
  name = "mail",
  config = new pulumi.Config(CONFIG_NAMESPACE),
): MailServer {
  return new MailServer(name, argsFromConfig(config));
}

/**
 * Reads the stack config and builds the server its spec's `platform.kind` names: a `MailServer`
 * (Docker, the default) or a `KubernetesMailServer` (config key `objectName`: the Kubernetes
 * objects' base name).
 */
export function serverFromConfig(
  name = "mail",
  config = new pulumi.Config(CONFIG_NAMESPACE),
): MailServer | KubernetesMailServer {
  const args = argsFromConfig(config);
  const platform = (args as { platform?: { kind?: unknown } }).platform;
  if (platform?.kind !== "kubernetes") return new MailServer(name, args);
  const { awsSecurityGroupId: _sg, containerName: _cn, ...rest } = args;
  const objectName = config.get("objectName");
  return new KubernetesMailServer(name, {
    ...rest,
    ...(objectName !== undefined ? { objectName } : {}),
  });
}

/** The component arguments the stack config describes (secrets as secret Outputs). */
function argsFromConfig(config: pulumi.Config): MailServerArgs {
  const spec = config.requireObject<Record<string, unknown>>("spec");
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw new Error(
      `${CONFIG_NAMESPACE}:spec must be an object (the spec), got ${showValue(spec)}`,
    );
  }
  // The keys first: which accounts and domains have a secret is structure (known now, the values
  // stay secret), and reading them checks each object's shape without showing a value, where
  // getSecretObject's own error prints a value that is not JSON (a bare password or PEM).
  const passwordKeys = new Set(Object.keys(configKeys(config, "passwords")));
  const keyDomains = new Set(Object.keys(configKeys(config, "dkimPrivateKeys")));
  const passwords = config.getSecretObject<Record<string, string>>("passwords");
  const dkimKeys = config.getSecretObject<Record<string, string>>("dkimPrivateKeys");
  const relayPassword = config.getSecret("relayPassword");
  const ptr = config.getObject<PtrArgs>("ptr");
  const awsSecurityGroupId = config.get("awsSecurityGroupId");
  const containerName = config.get("containerName");

  const accounts = Array.isArray(spec.accounts) ? (spec.accounts as AccountArgs[]) : undefined;
  const domains = Array.isArray(spec.domains) ? (spec.domains as DomainArgs[]) : [];

  const args = {
    ...spec,
    domains: domains.map((d) =>
      keyDomains.has(d?.name)
        ? { ...d, dkim: { ...d.dkim, privateKey: dkimKeys!.apply((k) => k[d.name]!) } }
        : d,
    ),
    ...(accounts !== undefined
      ? {
          accounts: accounts.map((a) =>
            passwordKeys.has(a?.address) && a.passwordHash === undefined
              ? { ...a, password: passwords!.apply((p) => p[a.address]!) }
              : a,
          ),
        }
      : {}),
    ...(relayPassword !== undefined && typeof spec.relay === "object" && spec.relay !== null
      ? { relay: { ...(spec.relay as object), password: relayPassword } }
      : {}),
    ...(ptr !== undefined ? { ptr } : {}),
    ...(awsSecurityGroupId !== undefined ? { awsSecurityGroupId } : {}),
    ...(containerName !== undefined ? { containerName } : {}),
  } as MailServerArgs;
  return args;
}

/**
 * The keys (never the values) of a secret object in config. Which addresses have a password
 * decides which children exist, so it must be known without waiting for an Output; the keys of a
 * secret object are not secret (they are addresses and domains, also in the spec).
 */
function configKeys(config: pulumi.Config, key: string): Record<string, unknown> {
  const raw = pulumi.runtime.getConfig(`${config.name}:${key}`);
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    // Never the value: it is a secret (set it with `pulumi config set --secret --path`).
    throw new Error(
      `${config.name}:${key} must be an object, e.g. {"alice@example.com": "..."}: set each entry with \`pulumi config set --secret --path '${config.name}:${key}["<name>"]'\``,
    );
  }
  return parsed as Record<string, unknown>;
}
