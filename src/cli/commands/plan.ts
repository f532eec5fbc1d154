/**
 * `dmsctl plan SPEC [--format table|json|zone|markdown|kubernetes] [--out DIR]`: validates a spec, resolves
 * its secrets, prints the plan, and with `--out` writes a directory `docker compose up` starts.
 *
 * Exit codes: 0 planned; 1 the spec is invalid or a secret cannot be resolved (every problem
 * printed to stderr, no stack trace); 2 usage error (unknown option or format, unreadable file).
 * Secrets never reach stdout or stderr: secret file contents are redacted in every format and
 * only written, mode 0600, under `--out`.
 */
import { rotationSteps } from "../dkim-rotation";
import { mtaStsCaddySnippet, mtaStsNginxSnippet } from "../../providers/mta-sts/files";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Option, type Command } from "commander";
import { EXIT_USAGE, type CliIo, type ExitCodeDoc, type ExitHolder } from "../types";
import { exitCodesHelp } from "../conventions";
import { formatFinding, sortFindings, type Finding } from "../../spec/findings";
import { planMailServer, planWarnings } from "../../plan/plan";
import type { Plan } from "../../plan/types";
import {
  renderCompose,
  renderJson,
  renderKubernetes,
  renderMarkdown,
  renderTable,
  renderZoneFiles,
} from "../../plan/render";
import type { MailServerSpec } from "../../spec/schema";
import { renderEnvFile } from "../../dms";
import { resolveSecrets } from "../secrets";
import { printInvalid, readSpecFile } from "../spec-file";
import { openOutDir, OutDirError, type OutDir, type OutFile } from "../out-dir";
import { previousImageTag } from "../previous-image";

/** Output formats of `dmsctl plan`. */
export const PLAN_FORMATS = ["table", "json", "zone", "markdown", "kubernetes"] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** Options of {@link runPlan}. */
export interface PlanOptions {
  /** @default "table" */
  readonly format?: PlanFormat;
  /**
   * Directory to write the DMS config folder, `mailserver.env` and `compose.yaml` into. The image
   * tag of the `compose.yaml` already there is the `image.upgradeFrom` of this plan (unless the
   * spec sets one).
   */
  readonly out?: string;
  /** Allow the image tag to change major version (`image.allowMajorUpgrade`). @default false */
  readonly allowMajorUpgrade?: boolean;
}

/** The exit codes as `dmsctl plan --help` and docs/cli.md list them. */
export const PLAN_EXIT_DOCS: readonly ExitCodeDoc[] = [
  { code: 0, meaning: "planned (and written, with --out)" },
  {
    code: 1,
    meaning: "the spec is invalid, a secret cannot be resolved, or --out cannot be written",
  },
  { code: EXIT_USAGE, meaning: "usage error: unknown option or format, unreadable spec" },
];

/** Registers `plan` on the program. */
export function registerPlanCommand(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command("plan")
    .description("Validate a spec and print its plan: DNS records, DMS files, ports, warnings")
    .addHelpText("after", exitCodesHelp(PLAN_EXIT_DOCS))
    .argument("<spec>", "the mail server spec, YAML or JSON")
    .addOption(
      new Option("--format <format>", "output format").choices(PLAN_FORMATS).default("table"),
    )
    .option(
      "--out <dir>",
      "also write the DMS config folder, mailserver.env, compose.yaml and zone files to DIR",
    )
    .option(
      "--allow-major-upgrade",
      "allow the image tag to change major version (from the --out tree's or image.upgradeFrom)",
    )
    .action(async (spec: string, opts: PlanOptions) => {
      exit.code = await runPlan(spec, opts, io);
    });
}

/** Runs `dmsctl plan`; resolves to the exit code. */
export async function runPlan(specPath: string, opts: PlanOptions, io: CliIo): Promise<number> {
  const format = opts.format ?? "table";
  // The tag the previous tree runs is where this plan upgrades from (docs/upgrades.md).
  const file = readSpecFile(specPath, {
    ...(opts.out !== undefined ? { upgradeFrom: previousImageTag(opts.out) } : {}),
    ...(opts.allowMajorUpgrade === true ? { allowMajorUpgrade: true } : {}),
  });
  if (file.kind === "unreadable") {
    io.stderr(`dmsctl plan: ${file.message}\n`);
    return EXIT_USAGE;
  }
  const where = file.where;
  if (file.kind === "invalid") return fail(specPath, format, file.findings, io, where);
  if (format === "kubernetes" && file.spec.platform.kind !== "kubernetes") {
    io.stderr(
      `dmsctl plan: --format kubernetes needs platform.kind: kubernetes in ${specPath}, got ${JSON.stringify(file.spec.platform.kind)}\n`,
    );
    return 1;
  }

  // The lock is taken before the DKIM keys in DIR/config are read, so two runs cannot adopt or
  // generate different keys for one tree; recovery of a killed run happens here too.
  let outDir: OutDir | undefined;
  try {
    outDir = opts.out === undefined ? undefined : openOutDir(opts.out);
  } catch (err) {
    if (!(err instanceof OutDirError)) throw err;
    io.stderr(`dmsctl plan: ${err.message}\n`);
    return 1;
  }
  try {
    for (const note of outDir?.recovered ?? []) io.stderr(`dmsctl plan: ${note}\n`);
    const configDir = outDir === undefined ? undefined : join(outDir.root, "config");
    const secrets = await resolveSecrets(file.spec, {
      specDir: file.specDir,
      env: io.env,
      ...(configDir !== undefined ? { configDir } : {}),
    });
    const found = [...file.findings, ...secrets.findings];
    if (found.some((f) => f.level === "error")) {
      // Every problem at once: the plan's own warnings too, not only after the secrets are fixed.
      const warnings = planWarnings(file.spec, secrets.material);
      return fail(specPath, format, [...found, ...warnings], io, where);
    }

    const planned = planMailServer(file.spec, secrets.material);
    const plan: Plan = { ...planned, warnings: sortFindings([...planned.warnings, ...found]) };

    if (outDir !== undefined) {
      const files = outFiles(plan, file.spec);
      try {
        const hashBefore = recreateHashIn(join(outDir.root, "compose.yaml"));
        const report = outDir.replace(files);
        const hashAfter = recreateHashIn(join(outDir.root, "compose.yaml"));
        const secretCount = files.filter((f) => f.mode === 0o600).length;
        io.stderr(
          `dmsctl plan: wrote ${report.written} files to ${opts.out} (${secretCount} secret, mode 0600)` +
            (report.removed.length > 0 ? `; removed ${report.removed.join(", ")}` : "") +
            "\n",
        );
        for (const note of report.notes) io.stderr(`dmsctl plan: ${note}\n`);
        if (report.replaced) {
          // Live files reach a running server through the links at once; the rest needs compose.
          io.stderr(
            hashBefore === hashAfter
              ? "dmsctl plan: a running container reads the changes now (live files only; its recreate-hash label is unchanged)\n"
              : "dmsctl plan: startup-only files or env changed: run `docker compose up -d` to recreate the container (its recreate-hash label changed)\n",
          );
        }
        if (secrets.rotations.length > 0) io.stderr(rotationSteps(secrets.rotations, specPath));
        if (secrets.generatedDkim.length > 0) {
          io.stderr(
            `dmsctl plan: generated DKIM keys for ${secrets.generatedDkim.join(", ")} (kept in ${opts.out}/config, adopted on the next run)\n`,
          );
        }
      } catch (err) {
        if (!(err instanceof OutDirError)) throw err;
        io.stderr(`dmsctl plan: ${err.message}\n`);
        return 1;
      }
    }
    printPlan(plan, format, io, file.spec);
    return 0;
  } finally {
    outDir?.release();
  }
}

/** The `dms.recreate-hash` label of a compose file dmsctl wrote, if there is one. */
function recreateHashIn(composeFile: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(composeFile, "utf8");
  } catch {
    return undefined;
  }
  return /^\s*dms\.recreate-hash:\s*(\S+)\s*$/m.exec(text)?.[1];
}

function printPlan(plan: Plan, format: PlanFormat, io: CliIo, spec: MailServerSpec): void {
  io.stdout(render(plan, format, spec));
  if (format === "zone") {
    // Zone text must stay loadable as is; warnings go to stderr instead.
    for (const f of plan.warnings) io.stderr(`${formatFinding(f)}\n`);
  }
}

function render(plan: Plan, format: PlanFormat, spec: MailServerSpec): string {
  switch (format) {
    case "table":
      return renderTable(plan);
    case "json":
      return renderJson(plan);
    case "zone":
      return renderZoneFiles(plan)
        .map((z) => z.text)
        .join("\n");
    case "markdown":
      return renderMarkdown(plan);
    case "kubernetes":
      return renderKubernetes(plan, spec);
    default: {
      const _: never = format;
      throw new Error(`unknown format ${String(_)}`);
    }
  }
}

/** Reports an invalid spec: every finding on stderr, and the JSON error document for `json`. */
function fail(
  specPath: string,
  format: PlanFormat,
  findings: readonly Finding[],
  io: CliIo,
  where: (f: Finding) => string,
): number {
  const sorted = sortFindings(findings);
  const errors = sorted.filter((f) => f.level === "error");
  printInvalid(io.stderr, "plan", specPath, sorted, where);
  if (format === "json") {
    io.stdout(renderJson({ errors, warnings: sorted.filter((f) => f.level !== "error") }));
  }
  return 1;
}

/**
 * The `--out` tree: `config/` (the DMS config volume; secrets 0600, `user-patches.sh` 0755),
 * `mailserver.env`, `compose.yaml`, `zones/<zone>.zone` and `mta-sts/<domain>/mta-sts.txt` (with
 * `nginx.conf` and `Caddyfile` beside it for `files` hosting); for a Kubernetes spec also
 * `kubernetes.yaml` (every object, the Secret's data included, 0600).
 */
export function outFiles(plan: Plan, spec?: MailServerSpec): OutFile[] {
  const files: OutFile[] = plan.files.map((f) => ({
    path: `config/${f.path}`,
    content: f.content,
    mode: f.secret ? 0o600 : f.path === "user-patches.sh" ? 0o755 : 0o644,
  }));
  files.push({ path: "mailserver.env", content: renderEnvFile(plan.container.env), mode: 0o644 });
  files.push({ path: "compose.yaml", content: renderCompose(plan), mode: 0o644 });
  for (const z of renderZoneFiles(plan)) {
    files.push({ path: `zones/${z.zone}.zone`, content: z.text, mode: 0o644 });
  }
  for (const p of plan.mtaStsPolicies ?? []) {
    files.push({ path: `mta-sts/${p.domain}/mta-sts.txt`, content: p.text, mode: 0o644 });
    if (p.hosting === "files") {
      // Ready site blocks for the user's own web server (spec mtaSts.hosting: files).
      const nginx = mtaStsNginxSnippet(p.domain);
      files.push({ path: `mta-sts/${p.domain}/nginx.conf`, content: nginx, mode: 0o644 });
      const caddy = mtaStsCaddySnippet(p.domain);
      files.push({ path: `mta-sts/${p.domain}/Caddyfile`, content: caddy, mode: 0o644 });
    }
  }
  if (spec?.platform.kind === "kubernetes") {
    // The complete objects, the Secret's data included: mode 0600 like the secret config files.
    const content = renderKubernetes(plan, spec, { includeSecrets: true });
    files.push({ path: "kubernetes.yaml", content, mode: 0o600 });
  }
  return files;
}
