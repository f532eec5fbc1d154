/**
 * `HostCheck` (`dms:index:HostCheck`): during `pulumi up`, the host checks of `dmsctl doctor` that
 * a container can answer, run on the mail host by a one-shot container of the docker-mailserver
 * image (already there, so nothing is pulled). The probe (`HOST_PROBE_SCRIPT` in
 * `src/verify/doctor.ts`) prints derived facts only; they become the same `HostFacts` doctor
 * gathers, and `doctorChecks` turns them into the checks of `HOST_CHECK_IDS`, each failure
 * logged with the Debugging page's remedy (`pulumi.log.warn`, `info` for the info-level
 * `host-userland-proxy`).
 *
 * What the container reads, and the privilege that takes:
 * - with no privilege (`networkMode: none`, no capability): the kernel (`host-kernel`; a
 *   container shares the host's kernel), the cgroup filesystem (`host-cgroup`), its own
 *   `/proc/self/uid_map` (`host-rootless`: a rootless engine maps root to an unprivileged user),
 *   the engine's marker file (`host-container-runtime`: `/run/.containerenv` is Podman,
 *   `/.dockerenv` Docker), and the kernel-wide module list, symbols and config
 *   (`host-nftables`);
 * - with `hostAccess` (the default): the host's PID namespace (`pidMode: host`: it sees every
 *   process of the host, to count `docker-proxy` and `firewalld` and to read dockerd's
 *   `--userland-proxy`, `--ipv6` and `--ip6tables` arguments) and read-only bind mounts of the
 *   host's `/etc/docker` and `/etc/ufw` (daemon.json's `userland-proxy`, `ipv6` and `ip6tables`;
 *   ufw.conf's `ENABLED`), for `host-userland-proxy`, `host-ipv6` and `host-firewall-frontend`.
 *   Docker creates a bind source that does not exist, so a host without ufw gets an empty
 *   `/etc/ufw` directory (Podman may refuse it instead: use `hostAccess: false` there). The
 *   probe prints only those derived values, never a file.
 *
 * `host-docker-version` stays `dmsctl doctor`'s: only the Docker API tells the engine's version,
 * and the probe is not given the Docker socket (that would hand it the host). The iptables
 * backend of the host (named in `host-nftables`' message by doctor) is not read either: the
 * container's `iptables` is the image's, not the host's. Rootless and Podman engines do not read
 * `/etc/docker/daemon.json`, so there the daemon settings come from the processes only.
 *
 * Pass the Docker provider of the mail host in `opts.provider`, as for the mail container.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { Check } from "../verify/checks";
import { HOST_PROBE_MOUNTS, HOST_PROBE_SCRIPT, hostCheckFromLogs } from "../verify/doctor";

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
  /**
   * Give the probe the host's PID namespace (`pidMode: host`) and read-only views of the host's
   * `/etc/docker` and `/etc/ufw`, for `host-userland-proxy`, `host-ipv6` and
   * `host-firewall-frontend`. `false` runs it with no access to the host beyond what every
   * container has; those three checks are then skipped.
   * @default true
   */
  readonly hostAccess?: boolean;
}

/**
 * The probe container's settings but its image and trigger: the script, run once with no network
 * and no capability, plus with `hostAccess` the host's PID namespace and the read-only host
 * directories of `HOST_PROBE_MOUNTS`. The real-Docker test runs exactly these.
 */
export function hostProbeContainer(hostAccess: boolean) {
  return {
    entrypoints: ["/bin/sh"],
    command: ["-c", HOST_PROBE_SCRIPT],
    attach: true,
    logs: true,
    mustRun: false,
    restart: "no",
    // The probe needs no network; the host's PID namespace is not its network namespace.
    networkMode: "none",
    ...(hostAccess
      ? {
          pidMode: "host",
          volumes: HOST_PROBE_MOUNTS.map((m) => ({
            hostPath: m.hostPath,
            containerPath: m.containerPath,
            readOnly: true,
          })),
        }
      : {}),
  } satisfies Partial<docker.ContainerArgs>;
}

/** The host checks of `dmsctl doctor` a container can answer, run on the mail host during `pulumi up`. */
export class HostCheck extends pulumi.ComponentResource {
  /** The checks of `HOST_CHECK_IDS`, in that order (skipped when the probe could not see). */
  public readonly checks: pulumi.Output<Check[]>;
  /** The one-shot probe container. */
  public readonly container: docker.Container;

  constructor(name: string, args: HostCheckArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(HOST_CHECK_TYPE, name, {}, opts);
    if (args.hostAccess !== undefined && typeof args.hostAccess !== "boolean")
      throw new Error(
        `hostAccess: must be true or false, got ${JSON.stringify(args.hostAccess)} (HostCheck ${name})`,
      );
    this.container = new docker.Container(
      `${name}-probe`,
      {
        image: args.image,
        ...hostProbeContainer(args.hostAccess ?? true),
        ...(args.trigger !== undefined
          ? { labels: [{ label: "dms.host-check.trigger", value: args.trigger }] }
          : {}),
      },
      { parent: this },
    );
    this.checks = this.container.containerLogs.apply((logs) => {
      const checks = hostCheckFromLogs(logs ?? "");
      for (const c of checks.filter((x) => x.status === "fail")) {
        const text = `${c.id}: ${c.message}\n${c.remediation ?? ""}`;
        if (c.level === "info") void pulumi.log.info(text, this);
        else void pulumi.log.warn(text, this);
      }
      return checks;
    });
    this.registerOutputs({ checks: this.checks });
  }
}
