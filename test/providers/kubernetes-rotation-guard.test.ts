/**
 * The DKIM rotation guard Job of `KubernetesMailServer` (src/providers/host/kubernetes/rotation-guard.ts):
 * its script decides as `oneStepSwitches` does (generated specs, the previous deployment's
 * ConfigMap laid out as the kubelet projects the Job's items, run by `sh` here), and on the real
 * docker-mailserver image, for both DKIM engines, it passes a first deploy (no ConfigMap yet),
 * refuses a one-step switch with the finding, and passes the two-step one.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { planMailServer } from "../../src/plan/plan";
import { kubernetesObjects, type KubernetesObject } from "../../src/providers/host/kubernetes";
import { rotationGuardJob } from "../../src/providers/host/kubernetes/rotation-guard";
import { CONFIG_DIR } from "../../src/dms/files";
import { oneStepSwitches, signingSelector } from "../../src/dms/dkim-signing";
import type { MailServerSpec, MailServerSpecInput } from "../../src/spec/schema";
import { writeProjectedVolume, type PayloadFile } from "../servers/projected-volume";
import { ensureDocker } from "../servers/docker";
import { dmsImage } from "./kubernetes-pod";
import { schemaErrors } from "./kubernetes-schema";
import { k8sMaterial, k8sSpecInput, newDkimKey, validated } from "./kubernetes-fixtures";

const NAME = "mailserver";
const WHAT = 'KubernetesMailServer "mail"';
const DKIM_PEM = newDkimKey();

interface JobShape {
  spec: {
    template: {
      spec: {
        containers: { command: string[] }[];
        volumes: {
          projected: {
            sources: {
              configMap: {
                name: string;
                optional: boolean;
                items: { key: string; path: string }[];
              };
            }[];
          };
        }[];
      };
    };
  };
}

function spec(domains: { name: string; dkim: Record<string, unknown> }[], rspamd: boolean) {
  const input: MailServerSpecInput = {
    ...k8sSpecInput([{ address: `alice@${domains[0]!.name}`, password: "alice-guard-pw-1" }]),
    hostname: `mail.${domains[0]!.name}`,
    domains,
    features: { rspamd },
  };
  return validated(input);
}

/** The previous deployment's objects (real material: the key files exist as in the cluster). */
function objectsOf(s: MailServerSpec): KubernetesObject[] {
  const m = k8sMaterial(s, { [s.accounts[0]!.address]: "alice-guard-pw-1" }, DKIM_PEM);
  const key = [...m.dkimKeys.values()][0]!;
  const material = { ...m, dkimKeys: new Map(s.domains.map((d) => [d.name, key])) };
  return kubernetesObjects(planMailServer(s, material), s, { name: NAME });
}

/**
 * What the kubelet writes for the Job's volume: each item of its `optional` ConfigMap that the
 * previous objects hold (a missing ConfigMap or key is skipped, as `optional` makes it).
 */
function jobPayload(job: JobShape, previous: readonly KubernetesObject[]): PayloadFile[] {
  const out: PayloadFile[] = [];
  for (const { configMap } of job.spec.template.spec.volumes[0]!.projected.sources) {
    assert.equal(configMap.optional, true);
    const cm = previous.find((o) => o.kind === "ConfigMap" && o.metadata.name === configMap.name);
    const data = (cm?.["data"] ?? {}) as Record<string, string>;
    for (const item of configMap.items) {
      if (data[item.key] !== undefined)
        out.push({ path: item.path, content: data[item.key]!, mode: 0o644 });
    }
  }
  return out;
}

function jobOf(s: MailServerSpec): JobShape {
  const plan = planMailServer(
    s,
    k8sMaterial(s, { [s.accounts[0]!.address]: "alice-guard-pw-1" }, DKIM_PEM),
  );
  const job = rotationGuardJob(WHAT, plan, s, NAME);
  assert.ok(job, "no guard Job");
  return job as unknown as JobShape;
}

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,6}[a-z0-9])?$/);
const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe("the rotation guard Job's script", () => {
  it("is a valid batch/v1 Job (Kubernetes OpenAPI schema)", async () => {
    const s = spec([{ name: "example.com", dkim: { selector: "s2026b" } }], true);
    assert.deepEqual(await schemaErrors(jobOf(s) as unknown as KubernetesObject), []);
  });

  it("decides as oneStepSwitches on generated deployments (sh and awk here)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(label, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(label, label, fc.boolean()), { minLength: 3, maxLength: 3 }),
        fc.boolean(),
        (names, selectors, rspamd) => {
          const domainNames = names.map((n) => `${n}.example`);
          const before = spec(
            domainNames.map((name, i) => ({ name, dkim: { selector: selectors[i]![0] } })),
            rspamd,
          );
          const afterSpec = spec(
            domainNames.map((name, i) => {
              const [old, next, retire] = selectors[i]!;
              return {
                name,
                dkim: { selector: next, retiring: retire && old !== next ? [old] : [] },
              };
            }),
            rspamd,
          );
          const job = jobOf(afterSpec);
          const root = mkdtempSync(join(tmpdir(), "k8s-guard-"));
          roots.push(root);
          const payload = jobPayload(job, objectsOf(before));
          writeProjectedVolume(root, payload);
          const script = job.spec.template.spec.containers[0]!.command[2]!.split(
            `${CONFIG_DIR}/`,
          ).join(`${root}/`);
          const run = spawnSync("sh", ["-c", script], { encoding: "utf8", timeout: 20_000 });
          const files = {
            signingTable: payload.find((f) => f.path === "opendkim/SigningTable")?.content,
            rspamdSigning: payload.find((f) => f.path.endsWith("dkim_signing.conf"))?.content,
          };
          const clean = Object.fromEntries(
            Object.entries(files).filter(([, v]) => v !== undefined),
          );
          // The payload is what the readers see too.
          domainNames.forEach((n, i) => assert.equal(signingSelector(clean, n), selectors[i]![0]));
          const expected = oneStepSwitches(afterSpec, clean);
          assert.equal(run.status, expected.length === 0 ? 0 : 1, run.stdout + run.stderr);
          for (const f of expected) {
            assert.ok(
              run.stdout.includes(`error dkim-rotation-one-step ${f.path}: ${f.message}`),
              run.stdout,
            );
          }
        },
      ),
      { numRuns: 25, seed: 20261130 },
    );
  });
});

describe("the rotation guard Job on the real DMS image", () => {
  for (const rspamd of [true, false]) {
    const engine = rspamd ? "rspamd" : "OpenDKIM";
    it(`passes a first deploy, refuses one step, passes two steps (${engine})`, async (t) => {
      if (!(await ensureDocker())) {
        if (process.env.CI === "true") throw new Error("no Docker engine");
        return t.skip("no Docker engine");
      }
      const image = dmsImage();
      if (image === undefined) return t.skip("no docker-mailserver image");
      const dom = (dkim: Record<string, unknown>) => spec([{ name: "example.com", dkim }], rspamd);
      const previous = objectsOf(dom({ selector: "s2026a" }));
      const run = (s: MailServerSpec, deployed: readonly KubernetesObject[]) => {
        const job = jobOf(s);
        const root = mkdtempSync(join(tmpdir(), "k8s-guard-real-"));
        roots.push(root);
        // No ConfigMap yet (a first deploy): the optional source leaves the volume empty.
        const payload = jobPayload(job, deployed);
        if (payload.length > 0) writeProjectedVolume(root, payload);
        const [entry, ...rest] = job.spec.template.spec.containers[0]!.command;
        const r = spawnSync(
          "docker",
          ["run", "--rm", "--entrypoint", entry!, "-v", `${root}:${CONFIG_DIR}:ro`, image, ...rest],
          { encoding: "utf8", timeout: 120_000 },
        );
        return { status: r.status, out: `${r.stdout}${r.stderr}` };
      };
      const first = run(dom({ selector: "s2026a" }), []);
      assert.equal(first.status, 0, first.out);
      assert.match(first.out, /allowed/);
      const oneStep = run(dom({ selector: "s2026b" }), previous);
      assert.equal(oneStep.status, 1, oneStep.out);
      assert.match(
        oneStep.out,
        /KubernetesMailServer "mail": DKIM signing does not switch:\n {2}error dkim-rotation-one-step domains\[0\]\.dkim\.selector: changes from "s2026a" to "s2026b" with "s2026a" not in retiring/,
      );
      assert.match(oneStep.out, /first set retiring: \["s2026a"\]/);
      assert.match(oneStep.out, /Nothing was applied to the ConfigMaps/);
      const twoStep = run(dom({ selector: "s2026b", retiring: ["s2026a"] }), previous);
      assert.equal(twoStep.status, 0, twoStep.out);
    });
  }
});
