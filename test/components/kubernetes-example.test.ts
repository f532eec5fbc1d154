/**
 * `examples/kubernetes` under Pulumi mocks: its exact children, no secret in plain text, and the
 * load balancer's address as the host's A record.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  MOCK_KEY,
  installMocks,
  plainStrings,
  registrations,
  resolvePackageToSource,
  unwrap,
} from "./harness";

const LB_IP = "203.0.113.80";
const PASSWORD = "alice-k8s-example-password";
const regs = registrations;

installMocks({ loadBalancerIp: LB_IP });
pulumi.runtime.setAllConfig({ "project:alicePassword": PASSWORD }, ["project:alicePassword"]);
resolvePackageToSource();

describe("examples/kubernetes under mocks", () => {
  it("registers the Kubernetes objects, keeps secrets secret, and uses the load balancer's IP", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exports = require("../../examples/kubernetes/index.ts") as Record<string, unknown>;
    const values = await Promise.all(
      Object.entries(exports).map(
        ([k, o]) =>
          new Promise<[string, unknown]>((r) =>
            (o as pulumi.Output<unknown>).apply((v) => r([k, v])),
          ),
      ),
    );
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    const out = Object.fromEntries(values);
    assert.equal(out.address, LB_IP);
    const a = (out.records as { type: string; name: string; values: string[] }[]).filter(
      (r) => r.type === "A",
    );
    assert.deepEqual(a, [{ ...a[0], name: "mail.example.com", values: [LB_IP] }]);
    assert.deepEqual(regs.map((r) => `${r.type} ${r.name}`).sort(), [
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
      "kubernetes:core/v1:Service mail-internal",
      "kubernetes:core/v1:Service mail-service",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy mail-network-policy",
      "random:index/randomPassword:RandomPassword mail-salt-key",
      "tls:index/privateKey:PrivateKey mail-dkim-example-com-mail",
    ]);
    const sts = unwrap(regs.find((r) => r.name === "mail-statefulset")!.inputs) as {
      metadata: { name: string };
    };
    assert.equal(sts.metadata.name, "mailserver");
    for (const r of regs) {
      for (const [path, s] of plainStrings(r.inputs)) {
        for (const secret of [
          PASSWORD,
          "$6$",
          "PRIVATE KEY",
          MOCK_KEY.privateKeyPem.split("\n")[1]!,
        ]) {
          assert.ok(
            !s.includes(secret),
            `${r.type} ${r.name} ${path} holds a secret in plain text`,
          );
        }
      }
    }
  });
});
