/**
 * `HostCheck` (`dms:index:HostCheck`): during `pulumi up`, the host checks of `dmsctl doctor` that
 * a container can answer by itself, run on the mail host: a one-shot container of the
 * docker-mailserver image (already there, so nothing is pulled) prints the kernel (`uname -r`: a
 * container shares the host's kernel) and the cgroup filesystem of `/sys/fs/cgroup`; the logs
 * become `host-kernel` and `host-cgroup` checks (`src/verify/doctor.ts`), and each failure is a
 * `pulumi.log.warn` with the Debugging page's remedy. The engine's version, rootless mode,
 * userland-proxy, IPv6 and firewalls need the Docker API or the host itself: `dmsctl doctor` on
 * the Docker host reads those (docs/verify.md).
 *
 * Pass the Docker provider of the mail host in `opts.provider`, as for the mail container.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { Check } from "../verify/checks";
import { HOST_PROBE_SCRIPT, hostCheckFromLogs } from "../verify/doctor";

/** The Pulumi type token of {@link HostCheck}. */
export const HOST_CHECK_TYPE = "dms:index:HostCheck";

/** Arguments of {@link HostCheck}. */
export interface HostCheckArgs {
  /** The docker-mailserver image already on the mail host (`repository:tag` or image id). */
  readonly image: pulumi.Input<string>;
  /**
   * The check runs again whenever this value changes, e.g. the mail container's id.
   * @default runs once, on creation
   */
  readonly trigger?: pulumi.Input<string>;
}

/** The kernel and cgroup checks of `dmsctl doctor`, run on the mail host during `pulumi up`. */
export class HostCheck extends pulumi.ComponentResource {
  /** The `host-kernel` and `host-cgroup` checks (skipped when the probe printed nothing). */
  public readonly checks: pulumi.Output<Check[]>;
  /** The one-shot probe container. */
  public readonly container: docker.Container;

  constructor(name: string, args: HostCheckArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(HOST_CHECK_TYPE, name, {}, opts);
    this.container = new docker.Container(
      `${name}-probe`,
      {
        image: args.image,
        entrypoints: ["/bin/sh"],
        command: ["-c", HOST_PROBE_SCRIPT],
        attach: true,
        logs: true,
        mustRun: false,
        restart: "no",
        networkMode: "none",
        ...(args.trigger !== undefined
          ? { labels: [{ label: "dms.host-check.trigger", value: args.trigger }] }
          : {}),
      },
      { parent: this },
    );
    this.checks = this.container.containerLogs.apply((logs) => {
      const checks = hostCheckFromLogs(logs ?? "");
      for (const c of checks.filter((x) => x.status === "fail"))
        void pulumi.log.warn(`${c.id}: ${c.message}\n${c.remediation ?? ""}`, this);
      return checks;
    });
    this.registerOutputs({ checks: this.checks });
  }
}
