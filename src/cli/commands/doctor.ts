/**
 * `dmsctl doctor [CONTAINER] [--format table|json|markdown]`: checks the Docker host and the
 * running mail container against docker-mailserver's Debugging page (kernel, cgroup, engine
 * version, rootless, userland-proxy, IPv6, nftables, firewall frontends; services, mail log,
 * Fail2ban bans, the client IP Postfix sees). Exit 0 when no error-level check fails, 1
 * otherwise, 2 for usage errors.
 *
 * `dmsctl unban IP [--container NAME]`: lifts a Fail2ban ban (`setup fail2ban unban IP` in the
 * container) and names the jails it was lifted in; exits 3 when the IP was banned nowhere.
 */
import { Option, type Command } from "commander";
import { EXIT_USAGE, type CliIo, type ExitCodeDoc, type ExitHolder } from "../types";
import { exitCodesHelp } from "../conventions";
import { makeReport } from "../../verify/checks";
import { doctorChecks, isUnbannableIp, parseSetupUnban } from "../../verify/doctor";
import { gatherDoctorFacts } from "../../verify/doctor-gather";
import { renderVerify } from "../../verify/render";
import { inspectContainer, runDocker } from "../../providers/host/docker-engine";

/**
 * `dmsctl unban`'s exit code when the IP was banned nowhere: not an error of the command, but
 * worth telling apart from a lift in a script (a mistyped address looks the same to `setup`).
 */
export const EXIT_NOT_BANNED = 3;

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
  { code: 0, meaning: "the ban was lifted (the jails it was lifted in are printed)" },
  {
    code: 1,
    meaning: "no such container, it is not running, Fail2ban does not run, or setup failed",
  },
  { code: EXIT_USAGE, meaning: "usage error: not an IPv4 or IPv6 address" },
  { code: EXIT_NOT_BANNED, meaning: "the IP was not banned in any jail: nothing was changed" },
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
  if (r.code !== 0) {
    // `setup` says "Fail2ban not running" (on stderr or stdout, by release) and exits 1.
    const said = `${r.stderr.trim()} ${r.stdout.trim()}`.trim();
    io.stderr(`dmsctl unban: setup fail2ban unban ${ip} failed (exit ${r.code}): ${said}\n`);
    return 1;
  }
  const jails = parseSetupUnban(r.stdout);
  if (jails.length === 0 && r.stdout.trim() !== "") {
    // Wording this version does not know: pass setup's own words on rather than guess.
    io.stdout(r.stdout.endsWith("\n") ? r.stdout : `${r.stdout}\n`);
    return 0;
  }
  const lifted = jails.filter((j) => j.lifted > 0).map((j) => j.jail);
  if (lifted.length > 0) {
    io.stdout(`unbanned ${ip} in ${info.name}: jail ${lifted.join(", ")}\n`);
    return 0;
  }
  const checked =
    jails.length > 0 ? ` (jails checked: ${jails.map((j) => j.jail).join(", ")})` : "";
  io.stderr(
    `dmsctl unban: ${ip} is not banned in ${info.name}${checked}; nothing changed. ` +
      `\`dmsctl doctor ${info.name}\` lists the banned addresses.\n`,
  );
  return EXIT_NOT_BANNED;
}
