/** The mail container of `MailServer` and the recreate hash that decides its replacement. */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { DkimKeyMaterial, PlanMaterial } from "../../spec/material";
import type { Plan } from "../../plan/types";
import { planMailServer } from "../../plan/plan";
import { dkimEngine } from "../../spec/derived";
import type { MailServerSpec } from "../../spec/schema";
import {
  dockerCapabilities,
  dockerEnvs,
  dockerHealthcheck,
  dockerMemoryMb,
  dockerMemorySwapMb,
  dockerPorts,
  recreateLabel,
} from "../../providers/host/docker";
import type { MailServerArgs } from "../args";
import type { Hole } from "../resolve";
import { toRecord, type Replan } from "./replan";

/**
 * The mail container's recreate-hash label ({@link recreateLabel}), not secret: keyed with the
 * stack key, so it reveals nothing of the relay password or DKIM keys it covers. The plan's
 * startup hash depends on the IPs, on the relay password only if the plan's startup files do,
 * and on the DKIM private keys only with OpenDKIM (its keys are startup-only; rspamd's are
 * reloaded live, docs/dms-contract.md#live-reload).
 */
export function recreateHashOf(
  spec: MailServerSpec,
  plan: Plan,
  material: PlanMaterial,
  holes: readonly Hole[],
  dkimKeys: pulumi.Output<Record<string, DkimKeyMaterial>>,
  replan: Replan,
  key: pulumi.Output<string>,
): pulumi.Output<string> {
  const needed = holes.filter(
    (h) => h.kind === "ipv4" || h.kind === "ipv6" || h.kind === "relayPassword",
  );
  const opendkim = dkimEngine(spec) === "opendkim";
  const materialInput = opendkim
    ? dkimKeys.apply((d) => ({ ...toRecord(material), dkimKeys: d }))
    : toRecord(material);
  const startup =
    needed.length === 0 && !opendkim
      ? pulumi.output(plan.container.recreateHash)
      : replan(needed, materialInput, planMailServer).apply((p) => p.container.recreateHash);
  const ports = dockerPorts(plan.ports);
  const healthcheck = dockerHealthcheck(plan.container.healthcheck);
  return pulumi.unsecret(
    pulumi.all([key, startup]).apply(([k, h]) => recreateLabel(k, h, ports, healthcheck)),
  );
}

/**
 * The mail container, replaced (old one deleted first) when its env, image or recreate-hash
 * label changes, and started only after the writer has written the files.
 */
export function mailContainer(
  parent: pulumi.ComponentResource,
  name: string,
  args: MailServerArgs,
  plan: Plan,
  publicPlan: pulumi.Output<Plan> | undefined,
  image: docker.RemoteImage,
  volumes: Readonly<Record<string, docker.Volume>>,
  writer: docker.Container,
  recreateHash: pulumi.Output<string>,
): docker.Container {
  const c = plan.container;
  const memory = dockerMemoryMb(c.memoryBytes);
  return new docker.Container(
    `${name}-container`,
    {
      image: image.imageId,
      ...(args.containerName !== undefined ? { name: args.containerName } : {}),
      hostname: c.hostname,
      envs:
        publicPlan === undefined
          ? dockerEnvs(c.env)
          : publicPlan.apply((p) => dockerEnvs(p.container.env)),
      ports: dockerPorts(plan.ports),
      volumes: [
        ...c.volumes.map((v) => ({
          volumeName: volumes[v.name]!.name,
          containerPath: v.containerPath,
        })),
        ...c.bindMounts.map((b) => ({
          hostPath: b.hostPath,
          containerPath: b.containerPath,
          readOnly: b.readOnly,
        })),
      ],
      ...(c.capAdd.length > 0 ? { capabilities: { adds: dockerCapabilities(c.capAdd) } } : {}),
      ...(memory !== undefined ? { memory, memorySwap: dockerMemorySwapMb(memory) } : {}),
      ...(c.dns !== undefined ? { dns: [...c.dns] } : {}),
      restart: c.restart,
      destroyGraceSeconds: c.stopGracePeriodSeconds,
      healthcheck: dockerHealthcheck(c.healthcheck),
      labels: [
        { label: "dms.recreate-hash", value: recreateHash },
        { label: "dms.role", value: "mailserver" },
      ],
    },
    {
      parent,
      dependsOn: [writer],
      deleteBeforeReplace: true,
      replaceOnChanges: ["envs", "labels", "image"],
      // Docker lists a port's bindings (0.0.0.0 and ::) in no fixed order, the provider's read
      // sorts by port only (`flattenContainerPorts`), and its diff suppression
      // (`suppressIfPortsDidNotChangeForMigrationV0ToV1`) compares each old binding with the
      // first new one of the same internal port: with two bindings per port a read-back that
      // lists :: first replaced the container on an unchanged `up`
      // (kreuzwerker/terraform-provider-docker#909, open; its fix #910 is in no release). So the
      // provider's port diff is ignored and the port table is in the recreate-hash label: a real
      // change still replaces the container, and the engine builds a replacement from the new
      // inputs, ignored ones included (`continueStepsFromDiff` re-checks `goal.Properties`,
      // pulumi/pulumi `pkg/resource/deploy/step_generator.go`).
      ignoreChanges: ["ports"],
    },
  );
}
