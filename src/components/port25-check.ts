/**
 * `Port25Check` (`dms:index:Port25Check`): during `pulumi up`, probes outbound TCP 25 *from the
 * mail host*, behind the same provider firewall as the mail server. It runs a one-shot container
 * of the docker-mailserver image (already on that Docker host, so nothing is pulled) whose command
 * is the bash probe of `src/verify/port25-probe-script.ts`, reads the container's logs, and
 * exposes the verdict as the output `result`. By the user's choice a blocked port warns
 * (`pulumi.log.warn`) or fails the update (`ResourceError`).
 *
 * Pass the Docker provider of the mail host in `opts.provider` (or `opts.providers`), as for the
 * mail container itself.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { CloudProvider } from "../spec/schema";
import {
  DEFAULT_PORT25_TARGETS,
  DEFAULT_PORT25_TIMEOUT_MS,
  type Port25Target,
} from "../verify/port25";
import { PROBE_LINE_PREFIX, port25ProbeCommand } from "../verify/port25-probe-script";
import { READY_HANDSHAKE, runOnceGate } from "../providers/host/docker";
import { port25CheckFromLogs, type Port25CheckResult } from "../verify/port25-check";

/** The Pulumi type token of {@link Port25Check}. */
export const PORT25_CHECK_TYPE = "dms:index:Port25Check";

/** What a blocked port 25 does to the update. */
export type Port25CheckMode = "warn" | "fail";

/** Arguments of {@link Port25Check}. */
export interface Port25CheckArgs {
  /**
   * The image to run the probe in: the docker-mailserver image already on the mail host (its
   * `repository:tag` or image id), which has bash and coreutils.
   */
  readonly image: pulumi.Input<string>;
  /** `warn` logs a warning when blocked; `fail` fails the update. @default "warn" */
  readonly mode?: Port25CheckMode;
  /** Hosts to probe. @default well-known MX hosts (`DEFAULT_PORT25_TARGETS`) */
  readonly targets?: readonly Port25Target[];
  /** Bound of the whole probe, in seconds. @default 10 */
  readonly timeoutSeconds?: number;
  /** The cloud the host runs in, for provider-specific remediation. */
  readonly cloud?: CloudProvider;
  /**
   * The probe runs again whenever this value changes, e.g. the mail container's id, so a
   * replaced server is re-checked. @default runs once, on creation
   */
  readonly trigger?: pulumi.Input<string>;
  /**
   * Docker network mode of the probe container: use the mail container's network so the probe
   * leaves the host the same way. @default Docker's default bridge
   */
  readonly networkMode?: pulumi.Input<string>;
}

/** Outbound port 25 from the mail host, checked during `pulumi up`. */
export class Port25Check extends pulumi.ComponentResource {
  /** The verdict, per-target results and remediation. */
  public readonly result: pulumi.Output<Port25CheckResult>;
  /** `open` or `blocked`. */
  public readonly verdict: pulumi.Output<"open" | "blocked">;
  /** The one-shot probe container. */
  public readonly container: docker.Container;

  constructor(name: string, args: Port25CheckArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super(PORT25_CHECK_TYPE, name, {}, opts);
    const mode = args.mode ?? "warn";
    const targets = args.targets ?? DEFAULT_PORT25_TARGETS;
    const timeoutMs = (args.timeoutSeconds ?? DEFAULT_PORT25_TIMEOUT_MS / 1000) * 1000;
    const probe = port25ProbeCommand({ targets, timeoutMs });
    // In `fail` mode a blocked port fails the probe's create, so the next `up` probes again by
    // itself (runOnceGate says why): the probe's output is gated on an open target.
    const argv =
      mode === "fail" ? ["/bin/bash", "-c", PORT25_FAIL_GATE, "dms-port25-gate", ...probe] : probe;
    this.container = new docker.Container(
      `${name}-probe`,
      {
        image: args.image,
        entrypoints: [argv[0]!],
        command: argv.slice(1),
        // Run to completion and keep its output: attach + logs fill `containerLogs`; mustRun
        // false because the container exits by design.
        attach: true,
        logs: true,
        // A TTY makes the log stream raw: the provider keeps `containerLogs` as the Engine API
        // sends it, so without one every write carries Docker's 8-byte frame header, whose size
        // bytes are not UTF-8 for a write of 128 bytes or more.
        tty: true,
        mustRun: false,
        restart: "no",
        ...(args.networkMode !== undefined ? { networkMode: args.networkMode } : {}),
        ...(mode === "fail" ? runOnceGate(Math.ceil(timeoutMs / 1000) + 60) : {}),
        ...(args.trigger !== undefined
          ? { labels: [{ label: "dms.port25-check.trigger", value: args.trigger }] }
          : {}),
      },
      { parent: this, ...(mode === "fail" ? { replaceOnChanges: ["*"] } : {}) },
    );
    this.result = pulumi
      .all([this.container.containerLogs, this.container.urn])
      .apply(([logs, urn]) => {
        const result = port25CheckFromLogs(logs ?? "", targets, args.cloud);
        if (result.verdict === "blocked") {
          const text = describe(result);
          // `fail` must stop the update; `warn` reports and lets it finish.
          // Reached only if the gate let a blocked verdict through; then only `--replace` runs the
          // probe again, so the message names it.
          if (mode === "fail") {
            throw new pulumi.ResourceError(
              `${text}\nfix the cause, then run \`pulumi up --replace '${urn}'\``,
              this,
            );
          }
          void pulumi.log.warn(text, this);
        }
        return result;
      });
    this.verdict = this.result.apply((r) => r.verdict);
    this.registerOutputs({ result: this.result, verdict: this.verdict });
  }
}

/**
 * Runs the probe (its argv follows), prints its output, and passes the run-once handshake only
 * when a target was open: the same rule as the verdict (`open` when any target is open).
 */
export const PORT25_FAIL_GATE = [
  "set -u",
  'out=$("$@")',
  "printf '%s\\n' \"$out\"",
  `printf '%s\\n' "$out" | grep -q '^${PROBE_LINE_PREFIX} [^ ]* open ' || exit 1`,
  READY_HANDSHAKE,
].join("\n");

/** The message of a blocked verdict: summary, each target, remediation. */
export function describe(result: Port25CheckResult): string {
  return [
    `outbound port 25 from the mail host is ${result.summary}${result.complete ? "" : " (the probe did not finish)"}`,
    ...result.targets.map((t) => `  ${t.target}: ${t.outcome}, ${t.detail}`),
    result.remediation,
  ].join("\n");
}
