/**
 * The `port25-outbound` check from a probe result, and the pure half of the `Port25Check`
 * component: container logs in, verdict out. No Pulumi import, so it is tested directly (and
 * against real output of the in-container command in a network namespace).
 */
import type { CloudProvider } from "../spec/schema";
import { fail, pass, type Check } from "./checks";
import {
  DEFAULT_PORT25_TARGETS,
  summarizePort25,
  type Port25Result,
  type Port25Target,
} from "./port25";
import { parsePort25ProbeOutput } from "./port25-probe-script";

/** A probe result read from container logs. */
export interface Port25CheckResult extends Port25Result {
  /** Whether the probe printed its end marker (a killed container leaves it out). */
  readonly complete: boolean;
}

/** Parses the one-shot container's logs into a verdict. */
export function port25CheckFromLogs(
  logs: string,
  targets: readonly Port25Target[] = DEFAULT_PORT25_TARGETS,
  cloud?: CloudProvider,
): Port25CheckResult {
  const parsed = parsePort25ProbeOutput(logs, targets);
  return { ...summarizePort25(parsed.results, cloud), complete: parsed.complete };
}

/** The `port25-outbound` check for a probe result. */
export function port25Check(result: Port25Result, subject = "outbound TCP 25"): Check {
  if (result.verdict === "open") return pass("port25-outbound", subject, result.summary);
  const details = result.targets.map((t) => `${t.target} ${t.outcome}: ${t.detail}`).join("; ");
  return fail(
    "port25-outbound",
    subject,
    details === "" ? result.summary : `${result.summary}; ${details}`,
    result.remediation,
  );
}
