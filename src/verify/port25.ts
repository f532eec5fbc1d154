/**
 * Outbound port 25 probe: can this host open SMTP connections to other mail servers? Cloud
 * providers commonly drop or reject outbound TCP 25 (docs/dms-contract.md#outbound-port-25), and a mail server that
 * cannot send is invisible until the first bounce. The probe connects to several well-known MX
 * hosts in parallel, reads the banner, says EHLO and QUIT, and classifies each result.
 *
 * Pure parts (classification, verdict, remediation text) are separate from the network part
 * ({@link probePort25}), so the in-container probe (`./port25-probe-script.ts`) reuses them.
 */
import { CloudProvider } from "../spec/schema";
import { PORT25_POLICIES } from "../plan/warnings";
import { cmp } from "../spec/findings";
import { SmtpConnection, SmtpError, printable, replyText, seconds } from "./smtp";

/**
 * How one connection attempt to port 25 ended.
 * - `open`: a 220 banner and a 250 reply to EHLO: outbound SMTP works.
 * - `refused`: RST in answer to the SYN (a firewall `reject`, or nothing listens).
 * - `timeout`: no SYN-ACK within the bound: the packets are dropped, the usual provider block.
 * - `reset`: the connection was reset after it was established.
 * - `tarpit`: connected, but nothing was said before the bound (a tarpit or filtering proxy).
 * - `unexpected-banner`: the peer answered, but not with 220 and 250 (or not SMTP at all).
 * - `unreachable`: ICMP unreachable or no route.
 * - `error`: anything else, e.g. the target name does not resolve.
 */
export type Port25Outcome =
  | "open"
  | "refused"
  | "timeout"
  | "reset"
  | "tarpit"
  | "unexpected-banner"
  | "unreachable"
  | "error";

/** All outcomes, for parsers and exhaustive tables. */
export const PORT25_OUTCOMES: readonly Port25Outcome[] = [
  "open",
  "refused",
  "timeout",
  "reset",
  "tarpit",
  "unexpected-banner",
  "unreachable",
  "error",
];

/** The result of probing one target. */
export interface Port25TargetResult {
  /** `host:port` as probed. */
  readonly target: string;
  readonly outcome: Port25Outcome;
  /** Milliseconds from the start of the probe until the outcome was known. */
  readonly elapsedMs: number;
  /** What happened, naming what the peer said when it said something. */
  readonly detail: string;
}

/** The verdict over all targets: `open` when any target is open. */
export type Port25Verdict = "open" | "blocked";

/** The probe's result. */
export interface Port25Result {
  readonly verdict: Port25Verdict;
  /** One per target, in the order given. */
  readonly targets: readonly Port25TargetResult[];
  /** A one-line summary: `open: 1 of 3 targets answered with a banner`. */
  readonly summary: string;
  /** What to do when blocked; empty when open. */
  readonly remediation: string;
}

/** A target to probe. */
export interface Port25Target {
  readonly host: string;
  /** @default 25 */
  readonly port?: number;
}

/**
 * Well-known MX hosts of large providers: they always listen on 25 and answer with a banner, so a
 * failure to reach all of them says more about this host than about them. Names as publicly
 * documented; not re-checked from CI, which has no Internet access.
 */
export const DEFAULT_PORT25_TARGETS: readonly Port25Target[] = [
  { host: "gmail-smtp-in.l.google.com" },
  { host: "mx1.hotmail.com" },
  { host: "mx-aol.mail.gm0.yahoodns.net" },
];

/** Options of {@link probePort25}. */
export interface Port25ProbeOptions {
  /** @default {@link DEFAULT_PORT25_TARGETS} */
  readonly targets?: readonly Port25Target[];
  /** Bound on the whole probe (all targets run in parallel), in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
  /** The name sent with EHLO. @default "port25-probe.invalid" */
  readonly ehloName?: string;
  /** The cloud the host runs in, for provider-specific remediation. */
  readonly cloud?: CloudProvider;
}

/** Default bound of the whole probe. */
export const DEFAULT_PORT25_TIMEOUT_MS = 10_000;

/** Parses `host`, `host:port`, `[v6]:port` or a bare IPv6 address. */
export function parseTarget(text: string): Port25Target | undefined {
  const bracket = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracket) return withPort(bracket[1]!, bracket[2]);
  if ((text.match(/:/g) ?? []).length > 1) {
    return /^[0-9a-fA-F:.]+$/.test(text) ? { host: text } : undefined;
  }
  const m = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(text);
  return m ? withPort(m[1]!, m[2]) : undefined;
}

function withPort(host: string, port: string | undefined): Port25Target | undefined {
  if (port === undefined) return { host };
  const n = Number(port);
  return n >= 1 && n <= 65535 ? { host, port: n } : undefined;
}

/** `host:port`, with IPv6 in brackets. */
export function formatTarget(t: Port25Target): string {
  const port = t.port ?? 25;
  return t.host.includes(":") ? `[${t.host}]:${port}` : `${t.host}:${port}`;
}

/** Probes one target by the deadline. Never rejects. */
export async function probeTarget(
  target: Port25Target,
  deadline: number,
  ehloName: string,
): Promise<Port25TargetResult> {
  const started = Date.now();
  const name = formatTarget(target);
  const result = (outcome: Port25Outcome, detail: string): Port25TargetResult => ({
    target: name,
    outcome,
    elapsedMs: Date.now() - started,
    detail,
  });
  let conn: SmtpConnection | undefined;
  try {
    conn = await SmtpConnection.open({ host: target.host, port: target.port ?? 25, deadline });
    const banner = await conn.readReply("banner", deadline);
    if (banner.code !== 220) {
      return result("unexpected-banner", `banner "${printable(replyText(banner))}" is not 220`);
    }
    const ehlo = await conn.command(`EHLO ${ehloName}`, "ehlo", deadline);
    if (ehlo.code !== 250) {
      return result(
        "unexpected-banner",
        `banner "${printable(replyText(banner))}", but EHLO got "${printable(replyText(ehlo))}"`,
      );
    }
    conn.quit();
    conn = undefined;
    return result("open", `banner "${printable(replyText(banner))}"`);
  } catch (err) {
    if (!(err instanceof SmtpError)) return result("error", String(err));
    const waited = seconds(Date.now() - started);
    switch (err.kind) {
      case "refused":
        return result("refused", `connection refused (${err.message})`);
      case "timeout":
        return result("timeout", `no answer to the connection attempt within ${waited} s`);
      case "unreachable":
        return result("unreachable", err.message);
      case "reset":
      case "closed":
        return result(
          "reset",
          `connection ${err.kind === "reset" ? "reset" : "closed"} by the peer during ${err.phase}`,
        );
      case "silent":
        return result(
          "tarpit",
          err.phase === "banner"
            ? `connected, but no banner within ${waited} s`
            : `connected, but no reply to ${err.phase.toUpperCase()} within ${waited} s`,
        );
      case "garbage":
        return result("unexpected-banner", err.message);
      case "tls":
      case "error":
        return result("error", err.message);
      default: {
        const _: never = err.kind;
        return result("error", String(_));
      }
    }
  } finally {
    conn?.close();
  }
}

/**
 * Probes every target in parallel, bounded by `timeoutMs` in total, and decides the verdict.
 * Never rejects.
 */
export async function probePort25(options: Port25ProbeOptions = {}): Promise<Port25Result> {
  const targets = options.targets ?? DEFAULT_PORT25_TARGETS;
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_PORT25_TIMEOUT_MS);
  const ehloName = options.ehloName ?? "port25-probe.invalid";
  const results = await Promise.all(targets.map((t) => probeTarget(t, deadline, ehloName)));
  return summarizePort25(results, options.cloud);
}

/** Decides the verdict and remediation from per-target results (pure). */
export function summarizePort25(
  results: readonly Port25TargetResult[],
  cloud?: CloudProvider,
): Port25Result {
  const open = results.filter((r) => r.outcome === "open").length;
  if (open > 0) {
    return {
      verdict: "open",
      targets: results,
      summary: `open: ${open} of ${results.length} ${plural(results.length, "target")} answered with a banner and EHLO`,
      remediation: "",
    };
  }
  const outcome = dominantOutcome(results);
  return {
    verdict: "blocked",
    targets: results,
    summary:
      results.length === 0
        ? "blocked: no target was probed"
        : `blocked: none of ${results.length} ${plural(results.length, "target")} answered (${outcomeCounts(results)})`,
    remediation: port25Remediation(outcome, cloud),
  };
}

/** The most frequent non-open outcome (ties broken by the order of {@link PORT25_OUTCOMES}). */
function dominantOutcome(results: readonly Port25TargetResult[]): Port25Outcome {
  let best: Port25Outcome = "error";
  let bestCount = 0;
  for (const o of PORT25_OUTCOMES) {
    const n = results.filter((r) => r.outcome === o).length;
    if (n > bestCount) {
      best = o;
      bestCount = n;
    }
  }
  return best;
}

function outcomeCounts(results: readonly Port25TargetResult[]): string {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => cmp(a[0], b[0]))
    .map(([o, n]) => `${n} ${o}`)
    .join(", ");
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

/** Where each provider documents its port 25 policy (public pages; not re-checked from CI, which has no Internet). */
const PROVIDER_DOCS: Partial<Record<CloudProvider, string>> = {
  aws: "https://aws.amazon.com/forms/ec2-email-limit-rdns-request",
  azure:
    "https://learn.microsoft.com/azure/virtual-network/troubleshoot-outbound-smtp-connectivity",
  gcp: "https://cloud.google.com/compute/docs/tutorials/sending-mail",
  digitalocean: "https://docs.digitalocean.com/support/why-is-smtp-blocked/",
};

/**
 * Provider-specific paths to outbound port 25, from the same policy table the plan warns with
 * (`PORT25_POLICIES` in `../plan/warnings.ts`), plus where the provider documents it.
 */
export const PROVIDER_PORT25_REMEDIATION: Readonly<Record<CloudProvider, string>> =
  Object.fromEntries(
    CloudProvider.options.map((cloud) => {
      if (cloud === "other") {
        return [
          cloud,
          "Ask the hosting provider whether outbound TCP port 25 is blocked and how to lift the block.",
        ];
      }
      const policy = PORT25_POLICIES[cloud];
      const docs = PROVIDER_DOCS[cloud];
      return [
        cloud,
        `${policy.block}. ${policy.remediation}${docs !== undefined ? ` (${docs})` : ""}`,
      ];
    }),
  ) as Record<CloudProvider, string>;

/** The relay alternative, valid everywhere. */
export const RELAY_REMEDIATION =
  "Alternatively, send through a relay (smarthost) on port 587 or 465: set `relay: { host, port, username, passwordEnv }` in the spec.";

/** Remediation text for a non-open outcome, with the provider's path when the cloud is known. */
export function port25Remediation(outcome: Port25Outcome, cloud?: CloudProvider): string {
  const provider = cloud
    ? PROVIDER_PORT25_REMEDIATION[cloud]
    : "Cloud providers (AWS, Azure, GCP, Vultr, DigitalOcean and others) commonly block outbound port 25; set `cloud` in the spec for the provider's unblock procedure.";
  let what: string;
  switch (outcome) {
    case "open":
      return "";
    case "timeout":
      what =
        "Outbound connections to port 25 are silently dropped: the typical sign of a provider block (or of a host firewall dropping them).";
      break;
    case "refused":
      what =
        "Outbound connections to port 25 are rejected: a firewall on the host or at the provider answers in the remote server's place.";
      break;
    case "reset":
      what =
        "Connections to port 25 are reset after they open: a provider filter or an interception proxy is in the path.";
      break;
    case "tarpit":
      what =
        "Connections to port 25 open, but no server speaks: a transparent proxy or tarpit intercepts port 25.";
      break;
    case "unexpected-banner":
      what =
        "Something answers on port 25 that is not the remote mail server: a provider's interception proxy, or a captive gateway.";
      break;
    case "unreachable":
      what =
        "The network reports the targets unreachable on port 25: a firewall answers with ICMP, or the host has no route.";
      break;
    case "error":
      what =
        "The probe could not run (for example the target names do not resolve): check the host's DNS resolver and network.";
      return `${what} ${RELAY_REMEDIATION}`;
    default: {
      const _: never = outcome;
      return String(_);
    }
  }
  return `${what} ${provider} ${RELAY_REMEDIATION}`;
}
