/**
 * `dmsctl verify SPEC [--resolver HOST:PORT] [--format table|json|markdown] ...`: checks live DNS
 * and the running server against the plan of SPEC. Exit 0 when no error-level check fails, 1
 * otherwise (or when the spec is invalid), 2 for usage errors. Progress goes to stderr when it is a
 * terminal. Needs no passwords: only DKIM private keys, to prove the published key matches.
 */
import { readFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { EXIT_USAGE, type CliIo, type ExitCodeDoc, type ExitHolder } from "../types";
import { exitCodesHelp, parseDuration } from "../conventions";
import { planMailServer } from "../../plan/plan";
import { DnsClient } from "../../net/dns";
import { resolveDnsMaterial } from "../secrets";
import { resolverAddress } from "../../net/resolver-address";
import { printInvalid, readSpecFile } from "../spec-file";
import { verifyMailServer, type VerifyOptions } from "../../verify/verify";
import { parseTarget, type Port25Target } from "../../verify/port25";
import { renderVerify } from "../../verify/render";

/** Output formats of `dmsctl verify`. */
export const VERIFY_FORMATS = ["table", "json", "markdown"] as const;
export type VerifyFormat = (typeof VERIFY_FORMATS)[number];

/** Parsed options of `dmsctl verify`. */
export interface VerifyCliOptions {
  readonly resolver?: string;
  readonly format: VerifyFormat;
  readonly connect: boolean;
  readonly smtpHost?: string;
  readonly smtpPort?: string;
  readonly submissionsPort?: string;
  readonly imapsPort?: string;
  readonly mtaStsHost?: string;
  readonly mtaStsPort?: string;
  readonly ca?: string;
  readonly dnsbl: string[];
  readonly probePort25: boolean;
  readonly port25Target: string[];
  readonly timeout: string;
  readonly dkimConfig?: string;
  readonly authoritative?: boolean;
  readonly nsPort?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** The exit codes as `dmsctl verify --help` and docs/cli.md list them. */
export const VERIFY_EXIT_DOCS: readonly ExitCodeDoc[] = [
  { code: 0, meaning: "no error-level check failed (warnings may have)" },
  { code: 1, meaning: "an error-level check failed, or the spec is invalid" },
  { code: EXIT_USAGE, meaning: "usage error: unknown option, bad option value, unreadable spec" },
];

/** Registers `verify`. */
export function registerVerifyCommand(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command("verify")
    .description(
      "Check live DNS (MX, A/AAAA, PTR, SPF, DKIM, DMARC, MTA-STS, TLS-RPT) and SMTP/TLS against the plan",
    )
    .addHelpText("after", exitCodesHelp(VERIFY_EXIT_DOCS))
    .argument("<spec>", "the mail server spec, YAML or JSON")
    .option("--resolver <host:port>", "DNS server to ask (default: the system's resolvers)")
    .addOption(
      new Option("--format <format>", "output format").choices(VERIFY_FORMATS).default("table"),
    )
    .option("--no-connect", "skip the SMTP and TLS checks (DNS only)")
    .option("--smtp-host <host>", "connect SMTP/TLS checks here instead of the spec's IP")
    .option("--smtp-port <port>", "port of SMTP (default 25)")
    .option("--submissions-port <port>", "port of submissions, implicit TLS (default 465)")
    .option("--imaps-port <port>", "port of IMAPS (default 993)")
    .option(
      "--mta-sts-host <address>",
      "fetch the MTA-STS policies from this address (default: mta-sts.<domain> resolved)",
    )
    .option("--mta-sts-port <port>", "port of the MTA-STS policy server (default 443)")
    .option("--ca <file>", "extra trusted CA certificates (PEM) for the TLS checks")
    .option(
      "--dnsbl <zone>",
      "a DNSBL zone to look the host up in (repeatable; default none)",
      collect,
      [] as string[],
    )
    .option(
      "--probe-port25",
      "also probe outbound port 25 from this machine (run it on the mail host)",
      false,
    )
    .option(
      "--port25-target <host[:port]>",
      "targets of the port 25 probe (repeatable)",
      collect,
      [] as string[],
    )
    .option(
      "--timeout <duration>",
      "bound of each network operation: seconds, or 500ms, 10s, 2m",
      "10",
    )
    .option(
      "--dkim-config <dir>",
      "a DMS config directory holding the DKIM private keys DMS signs with",
    )
    .option(
      "--authoritative",
      "ask every authoritative server of each zone for the signing DKIM selector (default: rotating domains only)",
    )
    .option("--no-authoritative", "never ask the authoritative servers directly")
    .option("--ns-port <port>", "port the authoritative servers listen on (default 53)")
    .action(async (spec: string, opts: VerifyCliOptions) => {
      exit.code = await runVerify(spec, opts, io);
    });
}

function parsePort(
  value: string | undefined,
  flag: string,
  problems: string[],
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    problems.push(`${flag}: must be a port number 1-65535, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return n;
}

/** Runs `dmsctl verify`; resolves to the exit code. */
export async function runVerify(
  specPath: string,
  opts: VerifyCliOptions,
  io: CliIo,
): Promise<number> {
  const problems: string[] = [];
  const duration = parseDuration("--timeout", opts.timeout);
  if (typeof duration === "string") problems.push(duration);
  const timeoutS = typeof duration === "number" ? duration : 10;
  if (
    opts.resolver !== undefined &&
    !/^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:.]+|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(opts.resolver)
  ) {
    problems.push(`--resolver: must be HOST[:PORT], got ${JSON.stringify(opts.resolver)}`);
  }
  const ports = {
    smtp: parsePort(opts.smtpPort, "--smtp-port", problems),
    submissions: parsePort(opts.submissionsPort, "--submissions-port", problems),
    imaps: parsePort(opts.imapsPort, "--imaps-port", problems),
  };
  const mtaStsPort = parsePort(opts.mtaStsPort, "--mta-sts-port", problems);
  const nsPort = parsePort(opts.nsPort, "--ns-port", problems);
  const port25Targets: Port25Target[] = [];
  for (const t of opts.port25Target) {
    const parsed = parseTarget(t);
    if (parsed) port25Targets.push(parsed);
    else problems.push(`--port25-target: must be HOST[:PORT], got ${JSON.stringify(t)}`);
  }
  for (const z of opts.dnsbl) {
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(z))
      problems.push(`--dnsbl: must be a DNS zone, got ${JSON.stringify(z)}`);
  }
  let ca: string | undefined;
  if (opts.ca !== undefined) {
    try {
      ca = readFileSync(opts.ca, "utf8");
    } catch (err) {
      problems.push(
        `--ca: cannot read ${JSON.stringify(opts.ca)} (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      );
    }
  }
  const file = readSpecFile(specPath);
  // An unreadable spec is a usage problem, reported with the option problems, all at once.
  if (file.kind === "unreadable") problems.push(file.message);
  if (problems.length > 0 || file.kind === "unreadable") {
    for (const p of problems) io.stderr(`dmsctl verify: ${p}\n`);
    return EXIT_USAGE;
  }
  if (file.kind === "invalid") {
    printInvalid(io.stderr, "verify", specPath, file.findings, file.where);
    return 1;
  }
  const spec = file.spec;
  // Verify needs no passwords: DKIM keys only, from key files or --dkim-config (a DMS config dir).
  const { material, findings } = resolveDnsMaterial(spec, {
    specDir: file.specDir,
    ...(opts.dkimConfig !== undefined ? { configDir: opts.dkimConfig } : {}),
  });
  if (findings.some((f) => f.level === "error")) {
    printInvalid(io.stderr, "verify", specPath, findings, file.where);
    return 1;
  }
  const privateKeys = new Map<string, string>();
  for (const [domain, k] of material.dkimKeys) {
    if (k.privateKeyPem !== undefined) privateKeys.set(domain, k.privateKeyPem);
  }
  const retiringPrivateKeys = new Map<string, string>();
  for (const [id, k] of material.retiringDkimKeys ?? []) {
    if (k.privateKeyPem !== undefined) retiringPrivateKeys.set(id, k.privateKeyPem);
  }
  const plan = planMailServer(spec, material);
  let server: string | undefined;
  try {
    server = opts.resolver === undefined ? undefined : await resolverAddress(opts.resolver);
  } catch (err) {
    io.stderr(
      `dmsctl verify: --resolver ${JSON.stringify(opts.resolver)}: ${(err as Error).message}\n`,
    );
    return EXIT_USAGE;
  }

  const timeoutMs = Math.round(timeoutS * 1000);
  const options: VerifyOptions = {
    dns: new DnsClient({
      ...(server !== undefined ? { server } : {}),
      timeoutMs: Math.min(timeoutMs, 5000),
    }),
    dkimPrivateKeys: privateKeys,
    retiringDkimPrivateKeys: retiringPrivateKeys,
    ...(opts.authoritative === false
      ? { authoritative: false as const }
      : opts.authoritative === true || nsPort !== undefined
        ? { authoritative: nsPort !== undefined ? { port: nsPort } : {} }
        : {}),
    resolverLabel: opts.resolver ?? "the system's resolver",
    network: opts.connect
      ? {
          ...(opts.smtpHost !== undefined ? { connectHost: opts.smtpHost } : {}),
          ports: Object.fromEntries(Object.entries(ports).filter(([, v]) => v !== undefined)),
          ...(ca !== undefined ? { ca } : {}),
          mtaSts: {
            ...(opts.mtaStsHost !== undefined ? { connectAddress: opts.mtaStsHost } : {}),
            ...(mtaStsPort !== undefined ? { port: mtaStsPort } : {}),
          },
          timeoutMs,
        }
      : false,
    dnsbls: opts.dnsbl,
    ...(opts.probePort25
      ? { port25: { timeoutMs, ...(port25Targets.length > 0 ? { targets: port25Targets } : {}) } }
      : {}),
    ...(io.stderrIsTty
      ? {
          // Groups finish in any order and hold several checks each: both counts are shown, and
          // the last line's check count is the one the summary adds up to.
          onProgress: (done: number, total: number, checks: number) =>
            io.stderr(
              `\rverifying ${spec.hostname}: ${done}/${total} groups, ${checks} checks${done === total ? "\n" : ""}`,
            ),
        }
      : {}),
  };
  const report = await verifyMailServer(spec, plan, options);
  io.stdout(renderVerify(report, opts.format));
  return report.ok ? 0 : 1;
}
