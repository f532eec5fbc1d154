/**
 * `verifyMailServer`: every check a receiving server (and a mail client) makes, run against live
 * DNS and the running server, with expected values from the plan. Returns a sorted report; the
 * renderers and the CLI only display it.
 */
import type { DnsClient } from "../net/dns";
import type { MailServerSpec } from "../spec/schema";
import type { Plan } from "../plan/types";
import { makeReport, skip, type Check, type CheckId, type VerifyReport } from "./checks";
import { groupByRootCause, RecordingDns, type CheckGroup } from "./root-cause";
import {
  checkDkim,
  checkDmarc,
  checkDnsbls,
  checkHeloSpf,
  checkHostAddresses,
  checkMtaStsAndTlsRpt,
  checkMx,
  checkPtr,
  checkSpf,
  type DnsCheckContext,
} from "./dns";
import { checkImplicitTls, checkSmtp } from "./tls-checks";
import { probePort25, type Port25ProbeOptions } from "./port25";
import { MTA_STS_POLICY_IDS, checkMtaStsPolicy, type MtaStsFetchOptions } from "./mta-sts-fetch";
import { port25Check } from "./port25-check";

/** Where the SMTP/TLS checks connect, and how. */
export interface NetworkCheckOptions {
  /** Address to connect to. @default the spec's ipv4, else ipv6, else the hostname */
  readonly connectHost?: string;
  /** Port overrides (e.g. a test server on a high port). @default 25, 465, 993 */
  readonly ports?: {
    readonly smtp?: number;
    readonly submissions?: number;
    readonly imaps?: number;
  };
  /** Extra trusted CA certificates (PEM). @default the system's */
  readonly ca?: string;
  /** Per-connection bound in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
  /**
   * Where the MTA-STS policy fetch connects (`connectAddress`, `port`) and its `max_age` bounds;
   * the CA and the time bound come from this object. @default `mta-sts.<domain>` resolved, 443
   */
  readonly mtaSts?: Pick<MtaStsFetchOptions, "connectAddress" | "port" | "maxAgeBounds">;
}

/** Options of {@link verifyMailServer}. */
export interface VerifyOptions {
  /** The DNS server to ask (bounded, with timeouts). */
  readonly dns: DnsClient;
  /** PEM private keys by domain, for `dkim-key-matches`. @default none */
  readonly dkimPrivateKeys?: ReadonlyMap<string, string>;
  /** PEM private keys of retiring selectors by `<domain>/<selector>`. @default none */
  readonly retiringDkimPrivateKeys?: ReadonlyMap<string, string>;
  /**
   * `dkim-signing-authoritative`: ask every authoritative server of each zone (listening on
   * `port`, default 53) for the signing selector. When unset, asked only for rotating domains
   * (`dkim.retiring` not empty); `false` never. @default rotating domains only
   */
  readonly authoritative?: { readonly port?: number } | false;
  /** SMTP/TLS checks; `false` skips them (e.g. before the server runs). @default connect */
  readonly network?: NetworkCheckOptions | false;
  /** DNSBL zones to look the host up in. @default [] (off) */
  readonly dnsbls?: readonly string[];
  /** Run the outbound port 25 probe from this machine (only meaningful on the mail host). @default off */
  readonly port25?: Port25ProbeOptions;
  /** "now" for certificate validity and retiring DKIM selectors' age. @default new Date() */
  readonly now?: Date;
  /**
   * Called as groups of checks finish, for a progress line on a terminal: `done` of `total`
   * groups, and the checks they produced so far. The last call (`done === total`) comes after
   * failures were grouped by root cause, so its `checks` equals the report's check count.
   */
  readonly onProgress?: (done: number, total: number, checks: number) => void;
  /** How the DNS server is named in root-cause messages. @default "the system's resolver" */
  readonly resolverLabel?: string;
}

/** Runs every check; never rejects for network problems (they become failed checks). */
export async function verifyMailServer(
  spec: MailServerSpec,
  plan: Plan,
  options: VerifyOptions,
): Promise<VerifyReport> {
  const base: DnsCheckContext = {
    spec,
    plan,
    dns: options.dns,
    dkimPrivateKeys: options.dkimPrivateKeys ?? new Map(),
    ...(options.retiringDkimPrivateKeys !== undefined
      ? { retiringDkimPrivateKeys: options.retiringDkimPrivateKeys }
      : {}),
    ...(options.authoritative !== undefined ? { authoritative: options.authoritative } : {}),
    now: options.now ?? new Date(),
  };
  type DnsTask = (ctx: DnsCheckContext) => Promise<Check | Check[]>;
  const dnsTasks: DnsTask[] = [
    (ctx) => checkHostAddresses(ctx),
    (ctx) => checkPtr(ctx),
    (ctx) => checkHeloSpf(ctx),
    (ctx) => checkDnsbls(ctx, options.dnsbls ?? []),
  ];
  for (const d of spec.domains) {
    dnsTasks.push(
      (ctx) => checkMx(ctx, d),
      (ctx) => checkSpf(ctx, d),
      (ctx) => checkDkim(ctx, d),
      (ctx) => checkDmarc(ctx, d),
      (ctx) => checkMtaStsAndTlsRpt(ctx, d),
    );
  }
  // Each DNS group asks through its own recorder, so a failure can be traced to the lookups
  // behind it (a dead resolver or zone) and reported once.
  const tasks: Array<() => Promise<CheckGroup>> = dnsTasks.map((t) => async () => {
    const dns = new RecordingDns(options.dns);
    const checks = [await t({ ...base, dns })].flat();
    return { checks, lookups: dns.lookups };
  });
  for (const t of networkTasks(spec, plan, options)) {
    tasks.push(async () => ({ checks: [await t()].flat(), lookups: [], network: true }));
  }
  // The MTA-STS policy fetch is HTTPS to a web host, not the mail host: not one of the mail
  // host's ports, so it never joins the "same failure on every port" grouping.
  for (const t of mtaStsTasks(spec, plan, options)) {
    tasks.push(async () => ({ checks: [await t()].flat(), lookups: [] }));
  }
  if (options.port25 !== undefined) {
    const probe = options.port25;
    tasks.push(async () => ({
      checks: [
        port25Check(await probePort25({ ...probe, ...(spec.cloud ? { cloud: spec.cloud } : {}) })),
      ],
      lookups: [],
    }));
  } else {
    tasks.push(async () => ({
      checks: [
        skip(
          "port25-outbound",
          "outbound TCP 25",
          "skipped: run with --probe-port25 on the mail host",
        ),
      ],
      lookups: [],
    }));
  }
  let done = 0;
  let produced = 0;
  const total = tasks.length;
  options.onProgress?.(0, total, 0);
  const groups = await Promise.all(
    tasks.map(async (t) => {
      const g = await t();
      produced += g.checks.length;
      if (++done < total) options.onProgress?.(done, total, produced);
      return g;
    }),
  );
  const checks = groupByRootCause(groups, {
    resolverLabel: options.resolverLabel ?? "the system's resolver",
    // The hostname stands for a zone of its own only when no mail domain holds it.
    zones: [
      ...spec.domains.map((d) => d.name),
      ...(spec.domains.some((d) => plan.hostname.endsWith(`.${d.name}`)) ? [] : [plan.hostname]),
    ],
  });
  options.onProgress?.(total, total, checks.length);
  return makeReport(plan.hostname, checks);
}

/** The MTA-STS policy fetch of each domain declaring `mtaSts`: HTTPS, so off with `network`. */
function mtaStsTasks(
  spec: MailServerSpec,
  plan: Plan,
  options: VerifyOptions,
): Array<() => Promise<Check | Check[]>> {
  const network = options.network;
  return spec.domains
    .filter((d) => d.mtaSts !== undefined)
    .map((d) => async () => {
      if (network === false) {
        return MTA_STS_POLICY_IDS.map((id) =>
          skip(id, d.name, "skipped: network checks are off (--no-connect)"),
        );
      }
      return checkMtaStsPolicy({ plan, dns: options.dns }, d, {
        ...network?.mtaSts,
        ...(network?.ca !== undefined ? { ca: network.ca } : {}),
        ...(network?.timeoutMs !== undefined ? { timeoutMs: network.timeoutMs } : {}),
        ...(options.now !== undefined ? { now: options.now } : {}),
      });
    });
}

function networkTasks(
  spec: MailServerSpec,
  plan: Plan,
  options: VerifyOptions,
): Array<() => Promise<Check | Check[]>> {
  const tasks: Array<() => Promise<Check | Check[]>> = [];
  const network = options.network;
  if (network === false) {
    const why = "skipped: SMTP/TLS checks are off (--no-connect)";
    const subject = plan.hostname;
    for (const id of ["smtp-banner", "smtp-starttls", "tls-465", "tls-993"] as const) {
      tasks.push(async () => skip(id, subject, why));
    }
  } else {
    const exposed = (service: string) =>
      plan.ports.find((p) => p.service === service && p.expose !== "off") !== undefined;
    const port = (service: "smtp" | "submissions" | "imaps", standard: number) =>
      exposed(service) ? (network?.ports?.[service] ?? standard) : undefined;
    const skipReasons: Partial<Record<CheckId, string>> = {
      "smtp-banner": "skipped: smtp is not published (spec services.smtp)",
      "smtp-starttls": "skipped: smtp is not published (spec services.smtp)",
      "tls-465": "skipped: submissions (465) is not published (spec services.submissions)",
      "tls-993": "skipped: imaps (993) is not published (spec features.imap, services.imaps)",
    };
    const tlsOptions = {
      hostname: plan.hostname,
      connectHost: network?.connectHost ?? spec.ipv4 ?? spec.ipv6 ?? plan.hostname,
      ports: {
        smtp: port("smtp", 25),
        submissions: port("submissions", 465),
        imaps: port("imaps", 993),
      },
      skipReasons,
      ...(network?.ca !== undefined ? { ca: network.ca } : {}),
      ...(network?.timeoutMs !== undefined ? { timeoutMs: network.timeoutMs } : {}),
      ...(options.now !== undefined ? { now: options.now } : {}),
    };
    tasks.push(
      () => checkSmtp(tlsOptions),
      () => checkImplicitTls("tls-465", tlsOptions),
      () => checkImplicitTls("tls-993", tlsOptions),
    );
  }
  return tasks;
}
