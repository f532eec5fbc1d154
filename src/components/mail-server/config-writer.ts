/**
 * The config writer of `MailServer`: a one-shot container (the DMS image) that writes the plan's
 * config files into the config volume, and the check of its exit code.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { DmsFile } from "../../dms/types";
import { cmp } from "../../spec/findings";
import {
  CONFIG_DIR,
  MANIFEST,
  READY_HANDSHAKE,
  STAGING_DIR,
  WRITER_SCRIPT,
  runOnceGate,
} from "../../providers/host/docker";

/** How long the writer's create waits for its handshake: files are small, 60 s is ample. */
export const WRITER_WAIT_SECONDS = 60;

/**
 * The config writer's exit code, 0; any other code throws, which fails the update. The Docker
 * provider waits for an attached run-once container but does not fail on its exit code, so
 * without this a write that failed would leave the previous files in place and report success.
 * A failed write normally fails the writer's create already (see {@link runOnceGate}) and is
 * retried by the next `up`; this catches a writer that reached its handshake and still exited
 * non-zero, which only `--replace` can re-run (nothing else changes its inputs), so the error
 * names that exact command. It is in the component's outputs, not in the mail container's
 * inputs: there it would be unknown in every preview that re-runs the writer (every account
 * change) and show the container as replaced.
 */
export function writerExitCode(
  what: string,
  name: string,
  writer: docker.Container,
): pulumi.Output<number> {
  return pulumi.all([writer.exitCode, writer.urn]).apply(([code, urn]) => {
    if (code !== undefined && code !== null && code !== 0) {
      throw new Error(
        `${what}: the config writer ${name}-config-writer exited with ${code}, so the config files were not all written; ` +
          `see \`docker logs\` of that container, fix the cause and run \`pulumi up --replace '${urn}'\``,
      );
    }
    return 0;
  });
}

/**
 * Uploads for the writer: each file under the staging directory with the mode the plan gives it
 * (`user-patches.sh` 0755, secret files 0600, the rest 0644: the same modes `dmsctl plan --out`
 * writes), plus the manifest listing them. The writer copies with `cp -p`, so the mode reaches the
 * config volume.
 */
export function writerUploads(
  files: readonly DmsFile[],
): { file: string; content: string; permissions: string }[] {
  const sorted = [...files].sort((a, b) => cmp(a.path, b.path));
  return [
    ...sorted.map((f) => ({
      file: `${STAGING_DIR}/${f.path}`,
      content: f.content,
      permissions: (f.mode ?? (f.secret ? 0o600 : 0o644)).toString(8).padStart(4, "0"),
    })),
    {
      file: `${STAGING_DIR}/${MANIFEST}`,
      content: sorted.map((f) => `${f.path}\n`).join(""),
      permissions: "0644",
    },
  ];
}

/** The one-shot writer of the config files into the config volume (see the file comment). */
export function configWriterContainer(
  parent: pulumi.ComponentResource,
  name: string,
  image: docker.RemoteImage,
  volumes: Readonly<Record<string, docker.Volume>>,
  uploads: pulumi.Output<ReturnType<typeof writerUploads>>,
  after: readonly pulumi.Resource[] = [],
): docker.Container {
  return new docker.Container(
    `${name}-config-writer`,
    {
      image: image.imageId,
      entrypoints: ["/bin/sh", "-c"],
      command: [`${WRITER_SCRIPT}\n${READY_HANDSHAKE}`],
      volumes: [{ volumeName: volumes["config"]!.name, containerPath: CONFIG_DIR }],
      uploads,
      // Runs once: attach waits for it to exit, and it is never restarted.
      attach: true,
      logs: false,
      mustRun: false,
      restart: "no",
      // Create fails unless the script succeeded, and a failed writer is run again by the next
      // `up` (runOnceGate says why both are needed). The timeout bounds a failed run's wait.
      ...runOnceGate(WRITER_WAIT_SECONDS),
      labels: [{ label: "dms.role", value: "config-writer" }],
    },
    { parent, replaceOnChanges: ["*"], ...(after.length > 0 ? { dependsOn: [...after] } : {}) },
  );
}
