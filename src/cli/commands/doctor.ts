/**
 * `dmsctl doctor [CONTAINER] [--format table|json|markdown]`: checks the Docker host and the
 * running mail container against docker-mailserver's Debugging page (kernel, cgroup, engine
 * version, rootless, userland-proxy, IPv6, nftables, firewall frontends; services, mail log,
 * Fail2ban bans, the client IP Postfix sees). Exit 0 when no error-level check fails, 1
 * otherwise, 2 for usage errors.
 *
 * `dmsctl unban IP [--container NAME]`: lifts a Fail2ban ban (`setup fail2ban unban IP` in the
 * container).
 */
import { Option, type Command } from "commander";
import { EXIT_USAGE, type CliIo, type ExitCodeDoc, type ExitHolder } from "../types";
import { exitCodesHelp } from "../conventions";
import { makeReport } from "../../verify/checks";
import { doctorChecks, isUnbannableIp } from "../../verify/doctor";
import { gatherDoctorFacts } from "../../verify/doctor-gather";
import { renderVerify } from "../../verify/render";
import { inspectContainer, runDocker } from "../../providers/host/docker-engine";

/** The container name docker-mailserver's compose file uses. */
export const DEFAULT_CONTAINER = "mailserver";

/** The exit codes as `dmsctl doctor --help` and docs/cli.md list them. */
export const DOCTOR_EXIT_DOCS: readonly ExitCodeDoc[] = [
  { code: 0, meaning: "no error-level check failed (warnings may have)" },
  {
    code: 1,
    meaning:
      "an error-level check failed (a service not running, a gateway address seen as the client), or the container does not exist",
  },
  { code: EXIT_USAGE, meaning: "usage error: unknown option or bad option value" },
];

/** The exit codes as `dmsctl unban --help` and docs/cli.md list them. */
export const UNBAN_EXIT_DOCS: readonly ExitCodeDoc[] = [
  { code: 0, meaning: "the ban was lifted (or the IP was not banned; setup's output says which)" },
  { code: 1, meaning: "no such container, it is not running, or setup failed" },
  { code: EXIT_USAGE, meaning: "usage error: not an IPv4 or IPv6 address" },
];

const FORMATS = ["table", "json", "markdown"] as const;

/** Registers `doctor` and `unban`. */
export function registerDoctorCommands(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command("doctor")
    .description(
      "Check the Docker host and the mail container against docker-mailserver's Debugging page",
    )
    .addHelpText("after", exitCodesHelp(DOCTOR_EXIT_DOCS))
    .argument("[container]", "the running mail container (omit to check the host only)")
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("table"))
    .action(async (container: string | undefined, opts: { format: (typeof FORMATS)[number] }) => {
      if (io.stderrIsTty) io.stderr("reading the Docker host...\n");
      const facts = await gatherDoctorFacts(io.env, container);
      if (typeof facts === "string") {
        io.stderr(`dmsctl doctor: ${facts}\n`);
        exit.code = 1;
        return;
      }
      const report = makeReport(
        container === undefined ? "Docker host" : `Docker host and ${facts.container!.name}`,
        doctorChecks(facts),
      );
      io.stdout(renderVerify(report, opts.format));
      exit.code = report.ok ? 0 : 1;
    });
  program
    .command("unban")
    .description("Lift a Fail2ban ban in the mail container (setup fail2ban unban IP)")
    .addHelpText("after", exitCodesHelp(UNBAN_EXIT_DOCS))
    .argument("<ip>", "the banned IPv4 or IPv6 address")
    .option("--container <name>", "the mail container", DEFAULT_CONTAINER)
    .action(async (ip: string, opts: { container: string }) => {
      exit.code = await runUnban(ip, opts.container, io);
    });
}

/** Runs `dmsctl unban`; resolves to the exit code. */
export async function runUnban(ip: string, container: string, io: CliIo): Promise<number> {
  if (!isUnbannableIp(ip)) {
    io.stderr(`dmsctl unban: must be an IPv4 or IPv6 address, got ${JSON.stringify(ip)}\n`);
    return EXIT_USAGE;
  }
  const info = await inspectContainer(container);
  if (typeof info === "string" || !info.running) {
    io.stderr(`dmsctl unban: ${typeof info === "string" ? info : `${info.name} is not running`}\n`);
    return 1;
  }
  const r = await runDocker(["exec", info.id, "setup", "fail2ban", "unban", ip], {
    timeoutMs: 60_000,
  });
  if (r.stdout !== "") io.stdout(r.stdout.endsWith("\n") ? r.stdout : `${r.stdout}\n`);
  if (r.code !== 0) {
    io.stderr(
      `dmsctl unban: setup fail2ban unban ${ip} failed (exit ${r.code}): ${r.stderr.trim()}\n`,
    );
    return 1;
  }
  return 0;
}
