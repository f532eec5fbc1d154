/** The storage step of `MailServer`: the pinned image and the named volumes. */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { Plan } from "../../plan/types";
import type { MailServerArgs } from "../args";

/** The pinned image and the named volumes (kept on delete unless the plan says otherwise). */
export function storage(
  parent: pulumi.ComponentResource,
  what: string,
  name: string,
  args: MailServerArgs,
  plan: Plan,
) {
  const image = new docker.RemoteImage(
    `${name}-image`,
    { name: plan.container.image, keepLocally: true },
    { parent },
  );
  const volumes: Record<string, docker.Volume> = {};
  for (const v of plan.container.volumes) {
    volumes[v.name] = new docker.Volume(
      `${name}-${v.name}`,
      { labels: [{ label: "dms.volume", value: v.name }] },
      { parent, retainOnDelete: v.retain, protect: args.protectData ?? false },
    );
  }
  if (volumes["config"] === undefined)
    throw new pulumi.ResourceError(`${what}: the plan has no config volume`, parent);
  return { image, volumes };
}
