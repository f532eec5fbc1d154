/**
 * `dmsctl verify SPEC [--resolver HOST:PORT] [--format table|json|markdown] ...`: checks live DNS
 * and the running server against the plan of SPEC. Exit 0 when no error-level check fails, 1
 * otherwise (or when the spec is invalid), 2 for usage errors. Progress goes to stderr when it is a
 * terminal. Needs no passwords: only DKIM private keys, to prove the published key matches.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Option, type Command } from "commander";
import type { CliIo, ExitHolder } from "../main";
import { EXIT_USAGE } from "../main";
import { formatFinding, sortFindings } from "../../spec/findings";
import { parseSpecText } from "../../spec/load";
import { validateSpec } from "../../spec/validate";
import type { MailServerSpec } from "../../spec/schema";
import { planMailServer } from "../../plan/plan";
import type { PlanMaterial } from "../../plan/material";
import { DnsClient } from "../../net/dns";
import { findKeyInConfig, resolveSecrets } from "../secrets";
import { dkimPublicKeyBase64 } from "../../records/policies";
import { verifyMailServer, type VerifyOptions } from "../../verify/verify";
import { parseTarget, type Port25Target } from "../../verify/port25";
import { renderVerifyJson, renderVerifyMarkdown, renderVerifyTable } from "../../verify/render";

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
  readonly ca?: string;
  readonly dnsbl: string[];
  readonly probePort25: boolean;
  readonly port25Target: string[];
  readonly timeout: string;
  readonly dkimConfig?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** Registers `verify`. */
export function registerVerifyCommand(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command("verify")
    .description(
      "Check live DNS (MX, A/AAAA, PTR, SPF, DKIM, DMARC, MTA-STS, TLS-RPT) and SMTP/TLS against the plan",
    )
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
    .option("--timeout <seconds>", "bound of each network operation", "10")
    .option(
      "--dkim-config <dir>",
      "a DMS config directory holding the DKIM private keys DMS signs with",
    )
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
  const timeoutS = Number(opts.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > 300) {
    problems.push(
      `--timeout: must be a number of seconds in (0, 300], got ${JSON.stringify(opts.timeout)}`,
    );
  }
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
  let text: string | undefined;
  try {
    text = readFileSync(specPath, "utf8");
  } catch (err) {
    problems.push(
      `cannot read spec file ${JSON.stringify(specPath)} (${(err as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  if (problems.length > 0 || text === undefined) {
    for (const p of problems) io.stderr(`dmsctl verify: ${p}\n`);
    return EXIT_USAGE;
  }

  const parsed = parseSpecText(text, specPath);
  const validated = parsed.findings.some((f) => f.level === "error")
    ? undefined
    : validateSpec(parsed.value);
  if (validated === undefined || !validated.ok) {
    const findings = sortFindings([...parsed.findings, ...(validated?.findings ?? [])]);
    for (const f of findings) io.stderr(`${formatFinding(f)}\n`);
    io.stderr(`dmsctl verify: ${specPath} is not a valid spec\n`);
    return 1;
  }
  const spec = validated.spec;
  const keys = await dkimKeys(spec, dirname(resolve(specPath)), opts.dkimConfig, io);
  if (keys === undefined) return 1;
  const plan = planMailServer(spec, keys.material);

  const timeoutMs = Math.round(timeoutS * 1000);
  const options: VerifyOptions = {
    dns: new DnsClient({
      ...(opts.resolver !== undefined ? { server: opts.resolver } : {}),
      timeoutMs: Math.min(timeoutMs, 5000),
    }),
    dkimPrivateKeys: keys.privateKeys,
    network: opts.connect
      ? {
          ...(opts.smtpHost !== undefined ? { connectHost: opts.smtpHost } : {}),
          ports: Object.fromEntries(Object.entries(ports).filter(([, v]) => v !== undefined)),
          ...(ca !== undefined ? { ca } : {}),
          timeoutMs,
        }
      : false,
    dnsbls: opts.dnsbl,
    ...(opts.probePort25
      ? { port25: { timeoutMs, ...(port25Targets.length > 0 ? { targets: port25Targets } : {}) } }
      : {}),
    ...(io.stderrIsTty
      ? {
          onProgress: (done: number, total: number) =>
            io.stderr(
              `\rverifying ${spec.hostname}: ${done}/${total}${done === total ? "\n" : ""}`,
            ),
        }
      : {}),
  };
  const report = await verifyMailServer(spec, plan, options);
  io.stdout(
    opts.format === "json"
      ? renderVerifyJson(report)
      : opts.format === "markdown"
        ? renderVerifyMarkdown(report)
        : renderVerifyTable(report),
  );
  return report.ok ? 0 : 1;
}

/**
 * The DKIM keys of the spec (key files, inline keys, or a DMS config directory), and plan material
 * with stand-in password hashes: verify needs no passwords, and the hashes only reach DMS files,
 * which verify never reads or prints.
 */
async function dkimKeys(
  spec: MailServerSpec,
  specDir: string,
  configDir: string | undefined,
  io: CliIo,
): Promise<{ material: PlanMaterial; privateKeys: Map<string, string> } | undefined> {
  const resolved = await resolveSecrets(
    { ...spec, accounts: [], relay: undefined },
    { specDir, env: {} },
  );
  const errors = resolved.findings.filter((f) => f.level === "error");
  if (errors.length > 0) {
    for (const f of sortFindings(errors)) io.stderr(`${formatFinding(f)}\n`);
    return undefined;
  }
  const dkim = new Map(resolved.material.dkimKeys);
  if (configDir !== undefined) {
    for (const d of spec.domains) {
      if (!d.dkim.enabled || dkim.has(d.name)) continue;
      const file = findKeyInConfig(configDir, d.name, d.dkim.selector);
      if (file === undefined) continue;
      const pem = readFileSync(file, "utf8");
      dkim.set(d.name, { privateKeyPem: pem, publicKeyBase64: dkimPublicKeyBase64(pem) });
    }
  }
  const privateKeys = new Map<string, string>();
  for (const [domain, k] of dkim)
    if (k.privateKeyPem !== undefined) privateKeys.set(domain, k.privateKeyPem);
  const passwordHashes = new Map(
    spec.accounts.map((a) => [a.address, "{SHA512-CRYPT}unused-by-verify"] as const),
  );
  return { material: { passwordHashes, dkimKeys: dkim }, privateKeys };
}
