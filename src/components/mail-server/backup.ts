/**
 * The scheduled backup step of `MailServer` (`spec.backup`): `${name}-backup`, a long-running
 * container of the mail image whose command is the plan's backup loop (`src/dms/backup.ts`): every
 * day at the scheduled UTC time it archives the mail container's volumes, mounted read-only, into
 * the host directory, and deletes the oldest archives beyond the retention. No network; restarted
 * by Docker with the host. Archives restore with `dmsctl restore` (docs/backup.md).
 *
 * Also the optional `HostCheck` step (`hostCheck`), the other side container of the mail host.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { Plan } from "../../plan/types";
import type { MailServerArgs } from "../args";
import { HostCheck } from "../host-check";

/** The backup container, when the plan has one. */
export function backupContainer(
  parent: pulumi.ComponentResource,
  name: string,
  plan: Plan,
  image: docker.RemoteImage,
  volumes: Readonly<Record<string, docker.Volume>>,
): docker.Container | undefined {
  const b = plan.backup;
  if (b === undefined) return undefined;
  return new docker.Container(
    `${name}-backup`,
    {
      image: image.imageId,
      entrypoints: [b.command[0]!],
      command: b.command.slice(1),
      networkMode: "none",
      volumes: [
        ...b.volumes.map((v) => ({
          volumeName: volumes[v.name]!.name,
          containerPath: v.containerPath,
          readOnly: true,
        })),
        { hostPath: b.hostDir, containerPath: b.containerDir },
      ],
      restart: "always",
      labels: [
        { label: "dms.role", value: "backup" },
        { label: "dms.backup.schedule", value: `${b.schedule} UTC` },
        { label: "dms.backup.retention", value: String(b.retention) },
      ],
    },
    // The command holds the schedule and retention: a change replaces the container.
    { parent, replaceOnChanges: ["entrypoints", "command"], deleteBeforeReplace: true },
  );
}

/** The host checks on the mail host, with `hostCheck.mode: warn`. */
export function hostCheck(
  parent: pulumi.ComponentResource,
  name: string,
  args: MailServerArgs,
  image: docker.RemoteImage,
  container: docker.Container,
): HostCheck | undefined {
  if ((args.hostCheck?.mode ?? "off") === "off") return undefined;
  const hostAccess: unknown = args.hostCheck?.hostAccess;
  if (hostAccess !== undefined && typeof hostAccess !== "boolean")
    throw new Error(
      `hostCheck.hostAccess: must be true or false, got ${JSON.stringify(hostAccess)}`,
    );
  return new HostCheck(
    `${name}-host-check`,
    {
      image: image.imageId,
      trigger: container.id,
      ...(args.hostCheck?.hostAccess !== undefined
        ? { hostAccess: args.hostCheck.hostAccess }
        : {}),
    },
    { parent },
  );
}
