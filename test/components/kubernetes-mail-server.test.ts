/**
 * `KubernetesMailServer` under mocks: the exact children, no plain-text secret in any input, an
 * account change touching only the ConfigMap/Secret data, an env change rolling the pod, the
 * load balancer's address as the default host IP, and the errors.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  MOCK_KEY,
  installMocks,
  isSecretWrapper,
  plainStrings,
  registrations,
  unwrap,
  valueOf,
  type Registration,
} from "./harness";
import type { KubernetesMailServerArgs } from "../../src/components/kubernetes-mail-server";
import type { MailServerArgs } from "../../src/components/args";
import { allSchemaErrors } from "../providers/kubernetes-schema";
import type { KubernetesObject } from "../../src/providers/host/kubernetes";

type Reg = Registration;
const regs = registrations;
const LB_IP = "203.0.113.7";

installMocks({ loadBalancerIp: LB_IP });

/**
 * What the engine learns of each registration beyond its inputs: the resources it depends on
 * (`dependsOn` and parents' dependencies), the property dependencies (which input came from
 * which resource's output) and the replacement options. The engine draws a dependent into a
 * delete-before-replace only through property dependencies (`calculateDependentReplacements`
 * in pulumi/pulumi pkg/resource/deploy/step_generator.go), so these decide whether replacing a
 * ConfigMap could replace the StatefulSet.
 */
interface Edges {
  readonly dependencies: string[];
  readonly propertyDependencies: Record<string, string[]>;
  readonly deleteBeforeReplace: boolean;
  readonly replaceOnChanges: string[];
}
const edges = new Map<string, Edges>();
{
  interface Request {
    getName(): string;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): {
      forEach(f: (v: { getUrnsList(): string[] }, k: string) => void): void;
    };
    getDeletebeforereplace(): boolean;
    getReplaceonchangesList(): string[];
  }
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: Request, callback: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((v, k) => (propertyDependencies[k] = v.getUrnsList()));
    edges.set(req.getName(), {
      dependencies: req.getDependenciesList(),
      propertyDependencies,
      deleteBeforeReplace: req.getDeletebeforereplace(),
      replaceOnChanges: req.getReplaceonchangesList(),
    });
    return register(req, callback);
  };
}

// Loaded after the mocks are installed, as Pulumi requires.
/* eslint-disable @typescript-eslint/no-require-imports */
const { KubernetesMailServer } =
  require("../../src/components/kubernetes-mail-server") as typeof import("../../src/components/kubernetes-mail-server");
const { MailServer } =
  require("../../src/components/mail-server") as typeof import("../../src/components/mail-server");
/* eslint-enable @typescript-eslint/no-require-imports */

const PASSWORD = "alice-k8s-password-123";
const RELAY_PASSWORD = "relay-k8s-secret-456";
const BASE: KubernetesMailServerArgs = {
  hostname: "mail.example.com",
  domains: [{ name: "example.com", dns: { provider: "zonefile" } }],
  accounts: [{ address: "alice@example.com", password: PASSWORD }],
  relay: { host: "smtp.relay.example", username: "u", password: RELAY_PASSWORD },
  platform: {
    kind: "kubernetes",
    namespace: "mail",
    certManager: { issuer: "letsencrypt-prod" },
  },
};

async function run(args: KubernetesMailServerArgs, name = "mail"): Promise<Reg[]> {
  regs.length = 0;
  const m = new KubernetesMailServer(name, args);
  await Promise.all(
    [m.records, m.warnings, m.rolloutHash, ...Object.values(m.objects).map((o) => o.id)].map((o) =>
      valueOf(o as pulumi.Output<unknown>),
    ),
  );
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  return [...regs];
}

const byName = (rs: Reg[]) => new Map(rs.map((r) => [r.name, r] as const));

describe("KubernetesMailServer", () => {
  it("registers exactly its Kubernetes children, the keys, and no Docker resource", async () => {
    const rs = await run(BASE);
    assert.deepEqual(rs.map((r) => `${r.type} ${r.name}`).sort(), [
      "dms:index:KubernetesMailServer mail",
      "kubernetes:apps/v1:StatefulSet mail-statefulset",
      "kubernetes:batch/v1:Job mail-dkim-rotation-guard",
      "kubernetes:cert-manager.io/v1:Certificate mail-tls",
      "kubernetes:core/v1:ConfigMap mail-config",
      "kubernetes:core/v1:ConfigMap mail-config-startup",
      "kubernetes:core/v1:PersistentVolumeClaim mail-mail-data",
      "kubernetes:core/v1:PersistentVolumeClaim mail-mail-logs",
      "kubernetes:core/v1:PersistentVolumeClaim mail-mail-state",
      "kubernetes:core/v1:Secret mail-secrets",
      "kubernetes:core/v1:Service mail-service",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy mail-network-policy",
      "random:index/randomPassword:RandomPassword mail-salt-key",
      "tls:index/privateKey:PrivateKey mail-dkim-example-com-mail",
    ]);
    const sts = unwrap(byName(rs).get("mail-statefulset")!.inputs) as {
      metadata: { name: string; namespace: string };
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    };
    assert.deepEqual(sts.metadata, {
      name: "mail",
      namespace: "mail",
      labels: {
        "app.kubernetes.io/name": "docker-mailserver",
        "app.kubernetes.io/instance": "mail",
        "app.kubernetes.io/managed-by": "pulumi-docker-mailserver",
      },
    });
    assert.equal(sts.spec.replicas, 1);
    assert.equal(
      sts.spec.template.spec.containers[0]!.image,
      "ghcr.io/docker-mailserver/docker-mailserver:15.1.0",
    );
  });

  it("registers inputs that validate against the Kubernetes OpenAPI schema", async () => {
    const rs = await run(BASE);
    const asObject = (r: Reg): KubernetesObject => {
      const [, group, kind] = /^kubernetes:([^:]+):(.+)$/.exec(r.type)!;
      const apiVersion = group!.startsWith("core/") ? group!.slice(5) : group!;
      return { apiVersion, kind: kind!, ...(unwrap(r.inputs) as object) } as KubernetesObject;
    };
    const objects = rs.filter((r) => r.type.startsWith("kubernetes:")).map(asObject);
    assert.equal(objects.length, 11);
    assert.deepEqual(await allSchemaErrors(objects), []);
  });

  it("keeps every secret out of plain text in every registered input", async () => {
    const rs = await run(BASE);
    const secretInputs = [
      PASSWORD,
      RELAY_PASSWORD,
      "{SHA512-CRYPT}",
      MOCK_KEY.privateKeyPem.split("\n")[1]!,
    ];
    for (const r of rs) {
      for (const [path, value] of plainStrings(r.inputs)) {
        for (const s of secretInputs) {
          assert.equal(value.includes(s), false, `${r.name}.${path} holds a secret in plain text`);
        }
      }
    }
    const secret = byName(rs).get("mail-secrets")!;
    assert.ok(isSecretWrapper(secret.inputs.stringData), "the Secret's data is a Pulumi secret");
    const data = unwrap(secret.inputs.stringData) as Record<string, string>;
    assert.deepEqual(Object.keys(data), [
      "postfix-accounts.cf",
      "postfix-sasl-password.cf",
      "rspamd__dkim__rsa-2048-mail-example.com.private.txt",
    ]);
    assert.match(data["postfix-accounts.cf"]!, /^alice@example\.com\|\{SHA512-CRYPT\}\$6\$/);
    assert.ok(data["postfix-sasl-password.cf"]!.includes(`u:${RELAY_PASSWORD}`));
  });

  it("changes only the ConfigMap/Secret data when an account is added", async () => {
    const one = byName(await run(BASE));
    const two = byName(
      await run({
        ...BASE,
        accounts: [
          ...BASE.accounts!,
          {
            address: "bob@example.com",
            password: "bob-password-789",
            aliases: ["info@example.com"],
          },
        ],
      }),
    );
    assert.deepEqual([...two.keys()].sort(), [...one.keys()].sort());
    const changed = [...one.keys()]
      .filter(
        (n) =>
          JSON.stringify(unwrap(one.get(n)!.inputs)) !== JSON.stringify(unwrap(two.get(n)!.inputs)),
      )
      .sort();
    assert.deepEqual(changed, ["mail-config", "mail-secrets"]);
  });

  it("keeps the config objects' names fixed and the StatefulSet independent of them, so an account change cannot roll the pod", async () => {
    edges.clear();
    const one = byName(await run(BASE));
    const two = byName(
      await run({
        ...BASE,
        accounts: [...BASE.accounts!, { address: "bob@example.com", password: "bob-pw-789" }],
      }),
    );
    const config = ["mail-config", "mail-config-startup", "mail-secrets"];
    const objectNameOf = {
      "mail-config": "mail-config",
      "mail-config-startup": "mail-config-startup",
      "mail-secrets": "mail-secrets",
    } as const;
    for (const child of config) {
      for (const rs of [one, two]) {
        const inputs = unwrap(rs.get(child)!.inputs) as {
          metadata: { name?: string };
          immutable?: boolean;
        };
        // A fixed name, never auto-named (an auto-named object gets a new random suffix on
        // every replacement, and the pod template would have to follow it).
        assert.equal(inputs.metadata.name, objectNameOf[child as keyof typeof objectNameOf]);
        assert.equal(inputs.immutable, undefined, `${child} is not marked immutable`);
      }
      const e = edges.get(child)!;
      assert.equal(e.deleteBeforeReplace, false, child);
      assert.deepEqual(e.replaceOnChanges, [], child);
    }
    // The data changed; the pod template, which names the objects by those fixed names, did not.
    assert.notDeepEqual(
      unwrap(one.get("mail-secrets")!.inputs),
      unwrap(two.get("mail-secrets")!.inputs),
    );
    assert.deepEqual(
      unwrap(two.get("mail-statefulset")!.inputs),
      unwrap(one.get("mail-statefulset")!.inputs),
    );
    const sources = (
      unwrap(two.get("mail-statefulset")!.inputs) as {
        spec: {
          template: {
            spec: {
              volumes: {
                name: string;
                projected?: {
                  sources: { configMap?: { name: string }; secret?: { name: string } }[];
                };
              }[];
            };
          };
        };
      }
    ).spec.template.spec.volumes
      .find((v) => v.name === "config")!
      .projected!.sources.map((x) => x.configMap?.name ?? x.secret?.name);
    assert.deepEqual(sources, config);
    // No edge from the StatefulSet to a ConfigMap or the Secret: replacing one of them (what
    // @pulumi/kubernetes does on a data change unless enableConfigMapMutable /
    // enableSecretMutable is set) leaves the StatefulSet alone.
    const sts = edges.get("mail-statefulset")!;
    const urns = [...sts.dependencies, ...Object.values(sts.propertyDependencies).flat()];
    assert.ok(urns.length > 0, "the StatefulSet's edges were recorded");
    assert.deepEqual(
      urns.filter((u) => /kubernetes:core\/v1:(ConfigMap|Secret)::/.test(u)),
      [],
      "the StatefulSet depends on no ConfigMap or Secret",
    );
  });

  it("changes the pod template when the env changes", async () => {
    const template = (rs: Reg[]) =>
      (
        unwrap(byName(rs).get("mail-statefulset")!.inputs) as {
          spec: {
            template: {
              metadata: { annotations: Record<string, string> };
              spec: { containers: { env: { name: string; value: string }[] }[] };
            };
          };
        }
      ).spec.template;
    const a = template(await run(BASE));
    const b = template(await run({ ...BASE, timezone: "Europe/Berlin" }));
    assert.notEqual(
      a.metadata.annotations["dms.docker-mailserver.io/rollout-hash"],
      b.metadata.annotations["dms.docker-mailserver.io/rollout-hash"],
    );
    assert.deepEqual(
      b.spec.containers[0]!.env.find((e) => e.name === "TZ"),
      { name: "TZ", value: "Europe/Berlin" },
    );
  });

  it("takes the host's address from the load balancer unless ipv4 is given", async () => {
    const aOf = async (args: KubernetesMailServerArgs) => {
      regs.length = 0;
      const m = new KubernetesMailServer("mail", args);
      const records = await valueOf(m.records);
      return records.filter((r) => r.type === "A").map((r) => `${r.name} ${r.values.join(",")}`);
    };
    assert.deepEqual(await aOf(BASE), [`mail.example.com ${LB_IP}`]);
    assert.deepEqual(await aOf({ ...BASE, ipv4: "192.0.2.99" }), ["mail.example.com 192.0.2.99"]);
  });

  it("keeps the claims on delete unless retainData is false", async () => {
    const retained = async (args: KubernetesMailServerArgs) => {
      regs.length = 0;
      const m = new KubernetesMailServer("mail", args);
      const claim = m.objects["mail-mail-data"] as pulumi.CustomResource & {
        __opts?: unknown;
      };
      await valueOf(claim.id as pulumi.Output<unknown>);
      // retainOnDelete is not an input; the annotation that carries it to GitOps tools is.
      const r = regs.find((x) => x.name === "mail-mail-data")!;
      return (unwrap(r.inputs) as { metadata: { annotations?: Record<string, string> } }).metadata
        .annotations;
    };
    assert.equal((await retained(BASE))?.["helm.sh/resource-policy"], "keep");
    assert.equal(await retained({ ...BASE, retainData: false }), undefined);
  });

  it("refuses the wrong platform, and a bad object name, with the field and value", () => {
    assert.throws(
      () => new KubernetesMailServer("k", { ...BASE, platform: { kind: "docker" } }),
      /KubernetesMailServer "k": platform\.kind: must be "kubernetes" for a KubernetesMailServer \(use MailServer for Docker\), got "docker"/,
    );
    assert.throws(
      () => new MailServer("d", { ...(BASE as MailServerArgs), ipv4: "192.0.2.1" }),
      /MailServer "d": platform\.kind: MailServer deploys to Docker; use KubernetesMailServer for "kubernetes"/,
    );
    assert.throws(
      () => new KubernetesMailServer("Mail_1", BASE),
      /objectName: must be a Kubernetes name .* got "Mail_1"/,
    );
  });

  it("is what the stack-config program builds for a Kubernetes spec", async () => {
    pulumi.runtime.setAllConfig(
      {
        "mailserver:spec": JSON.stringify({
          hostname: "mail.example.com",
          domains: [{ name: "example.com" }],
          accounts: [{ address: "alice@example.com" }],
          tls: { type: "self-signed" },
          platform: { kind: "kubernetes", namespace: "mail" },
        }),
        "mailserver:passwords": JSON.stringify({ "alice@example.com": PASSWORD }),
        "mailserver:objectName": "mx",
      },
      ["mailserver:passwords"],
    );
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { serverFromConfig } =
      require("../../src/stack/program") as typeof import("../../src/stack/program");
    /* eslint-enable @typescript-eslint/no-require-imports */
    regs.length = 0;
    const m = serverFromConfig("stack");
    assert.ok(m instanceof KubernetesMailServer);
    await valueOf(m.warnings);
    await valueOf(m.objects["mx"]!.id as pulumi.Output<unknown>);
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    const sts = regs.find((r) => r.name === "stack-statefulset");
    assert.ok(sts, "the StatefulSet is registered");
    assert.equal((unwrap(sts.inputs) as { metadata: { name: string } }).metadata.name, "mx");
    for (const r of regs) {
      for (const [path, value] of plainStrings(r.inputs)) {
        assert.equal(value.includes(PASSWORD), false, `${r.name}.${path}`);
      }
    }
  });
});
