/**
 * `dmsctl diff SPEC` and `dmsctl diff --from-preview FILE`: what a change does to the mail DNS
 * records, in mail terms, as a table, JSON or a pull-request comment (Markdown).
 *
 * Exit codes, like `terraform plan -detailed-exitcode`:
 * - 0: no change (only unchanged or unmanaged records);
 * - 1: error (bad spec or preview file, usage error, a DNS lookup failed so the diff is incomplete);
 * - 2: changes (a create, update, delete or conflict);
 * - 3: a guard tripped (`--max-changes`, `--max-deletes`): a human should look.
 *
 * Needs no cloud credentials: the live path asks DNS, the preview path reads a file. Account
 * passwords are not needed either (DNS does not depend on them); DKIM keys come from the spec's
 * key files, and a domain without one is compared by presence only.
 */
import { createReadStream, openSync, type ReadStream } from "node:fs";
import { InvalidArgumentError, Option, type Command } from "commander";
import type { CliIo, ExitCodeDoc, ExitHolder } from "../types";
import { durationOption, exitCodesHelp } from "../conventions";
import type { MailServerSpec } from "../../spec/schema";
import { planRecords, zoneOf } from "../../plan/records";
import type { DnsRecord } from "../../records/types";
import { resolveDnsMaterial } from "../secrets";
import { printInvalid, readSpecFile } from "../spec-file";
import { diffLive } from "../../diff/live";
import { chooseLiveSource } from "../../diff/source";
import { checkGuard, writeCount } from "../../diff/guard";
import { diffFromPreviewStream, NO_SAMES_NOTE, PreviewError } from "../../diff/preview";
import { renderJson } from "../../diff/render/json";
import { markerFor, renderMarkdown } from "../../diff/render/markdown";
import { renderTable } from "../../diff/render/table";
import type { Diff } from "../../diff/types";
import { summarizeUpgrade } from "../../spec/dms-releases";
import { upgradeLines } from "../../plan/render/upgrade";
import { cmp, formatFinding, type Finding } from "../../spec/findings";
import type { ImageContext } from "../spec-file";

/** Output formats of `dmsctl diff`. */
export const DIFF_FORMATS = ["table", "json", "markdown"] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

/** Exit codes of `dmsctl diff`. */
export const DIFF_EXIT = { noChange: 0, error: 1, changes: 2, guard: 3 } as const;

/** The exit codes as `dmsctl diff --help` and docs/cli.md list them. */
export const DIFF_EXIT_DOCS: readonly ExitCodeDoc[] = [
  { code: DIFF_EXIT.noChange, meaning: "no change (only unchanged or unmanaged records)" },
  {
    code: DIFF_EXIT.error,
    meaning: "error: bad spec, preview file or option (usage errors too), or a DNS lookup failed",
  },
  { code: DIFF_EXIT.changes, meaning: "changes: a create, update, delete or conflict" },
  { code: DIFF_EXIT.guard, meaning: "a guard tripped (--max-changes, --max-deletes)" },
];

/** Options of {@link runDiff}. */
export interface DiffOptions {
  /** @default "table" */
  readonly format?: DiffFormat;
  /**
   * `host:port` of one DNS server to ask every question. @default each zone's authoritative
   * server, found through {@link bootstrap}
   */
  readonly resolver?: string;
  /** `host:port` of the resolver that finds the authoritative servers. @default the system's */
  readonly bootstrap?: string;
  /** Port the authoritative servers listen on. @default 53 */
  readonly nsPort?: number;
  /** A `pulumi preview --json` file (`-` for stdin) instead of live DNS. */
  readonly fromPreview?: string;
  /**
   * An earlier spec: records it planned that the new spec drops are deleted, and its image tag
   * is where the new one upgrades from (docs/upgrades.md).
   */
  readonly previous?: string;
  /** Allow the image tag to change major version against `previous`. @default false */
  readonly allowMajorUpgrade?: boolean;
  /** `ZONEID=APEX` pairs for the preview path. @default [] */
  readonly zone?: readonly string[];
  /** Exit 3 when creates + updates + deletes exceed this. */
  readonly maxChanges?: number;
  /** Exit 3 when deletes exceed this. */
  readonly maxDeletes?: number;
  /** Id in the Markdown marker, for several comments on one pull request. */
  readonly commentId?: string;
  /** Per-query timeout in seconds (the CLI accepts `2`, `2s`, `500ms`). @default 2 */
  readonly timeout?: number;
  /** Queries in flight at once. @default 32 */
  readonly concurrency?: number;
}

function count(name: string): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v))
      throw new InvalidArgumentError(`${name} must be a whole number, got ${JSON.stringify(v)}`);
    return Number(v);
  };
}

/** Registers `diff` on the program. */
export function registerDiffCommand(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command("diff")
    .description(
      "Show what a spec change does to the mail DNS records (vs live DNS or a pulumi preview --json), in mail terms",
    )
    .addHelpText("after", exitCodesHelp(DIFF_EXIT_DOCS))
    .argument("[spec]", "the mail server spec (YAML or JSON); optional with --from-preview")
    .addOption(
      new Option("--format <format>", "output format").choices(DIFF_FORMATS).default("table"),
    )
    .option(
      "--resolver <host:port>",
      "one DNS server to ask for every zone; default: each zone's authoritative servers, found by NS lookup",
    )
    .option(
      "--bootstrap <host:port>",
      "resolver that finds the authoritative servers (NS and their addresses); default: the system's",
    )
    .option("--ns-port <port>", "port the authoritative servers listen on", count("--ns-port"), 53)
    .option(
      "--from-preview <file>",
      "read the DNS record steps of `pulumi preview --json` output (- for stdin)",
    )
    .option(
      "--previous <spec>",
      "the spec before the change: records it planned that SPEC drops are deleted, not left alone",
    )
    .option(
      "--zone <id=apex>",
      "map a Cloudflare/Route53 zone id to its apex (repeatable; --from-preview)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      "--max-changes <n>",
      "exit 3 when more than N records would be created, updated or deleted",
      count("--max-changes"),
    )
    .option(
      "--max-deletes <n>",
      "exit 3 when more than N records would be deleted",
      count("--max-deletes"),
    )
    .option(
      "--allow-major-upgrade",
      "allow the image tag to change major version against --previous",
    )
    .option("--comment-id <id>", "id in the hidden Markdown marker, to keep one comment per stack")
    .option(
      "--timeout <duration>",
      "per-query DNS timeout: seconds, or 500ms, 2s (a bare number is seconds)",
      durationOption("--timeout"),
      2,
    )
    .option("--concurrency <n>", "DNS queries in flight at once", count("--concurrency"), 32)
    .exitOverride((err) => {
      // This command documents 1 for errors, so a typo never reads as "changes" (2) in CI.
      if (err.exitCode !== 0) exit.usageCode = DIFF_EXIT.error;
      throw err;
    })
    .action(async (spec: string | undefined, opts: DiffOptions) => {
      exit.code = await runDiff(spec, opts, io);
    });
}

/** Loads, validates and plans the records of a spec file; prints the problems on failure. */
function loadRecords(
  specPath: string,
  io: CliIo,
  imageContext?: ImageContext,
): { spec: MailServerSpec; records: DnsRecord[]; findings: Finding[] } | undefined {
  const file = readSpecFile(specPath, imageContext);
  if (file.kind === "unreadable") {
    io.stderr(`dmsctl diff: ${file.message}\n`);
    return undefined;
  }
  if (file.kind === "invalid") {
    printInvalid(io.stderr, "diff", specPath, file.findings, file.where);
    return undefined;
  }
  const { material, findings } = resolveDnsMaterial(file.spec, { specDir: file.specDir });
  if (findings.some((f) => f.level === "error")) {
    printInvalid(io.stderr, "diff", specPath, findings, file.where);
    return undefined;
  }
  return {
    spec: file.spec,
    records: planRecords(file.spec, material).records,
    findings: file.findings,
  };
}

/** Runs `dmsctl diff`; resolves to the exit code. */
export async function runDiff(
  specPath: string | undefined,
  opts: DiffOptions,
  io: CliIo,
): Promise<number> {
  const format = opts.format ?? "table";
  try {
    markerFor(opts.commentId);
  } catch (err) {
    io.stderr(`dmsctl diff: --comment-id: ${(err as Error).message}\n`);
    return DIFF_EXIT.error;
  }
  let diff: Diff;
  if (opts.fromPreview !== undefined) {
    const zones = new Map<string, string>();
    for (const pair of opts.zone ?? []) {
      const m = /^([^=\s]+)=([a-z0-9.-]+)$/.exec(pair);
      if (!m) {
        io.stderr(`dmsctl diff: --zone must be ZONEID=APEX, got ${JSON.stringify(pair)}\n`);
        return DIFF_EXIT.error;
      }
      zones.set(m[1]!, m[2]!.replace(/\.$/, ""));
    }
    if (specPath !== undefined) {
      const loaded = loadRecords(specPath, io);
      if (loaded === undefined) return DIFF_EXIT.error;
      for (const d of loaded.spec.domains) {
        if ("zoneId" in d.dns && !zones.has(d.dns.zoneId)) zones.set(d.dns.zoneId, zoneOf(d));
      }
    }
    const file = opts.fromPreview;
    // Read in chunks and never whole: a preview of a large stack can be hundreds of megabytes.
    const unreadable = (err: unknown) => {
      io.stderr(
        `dmsctl diff: cannot read preview file ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? "error"})\n`,
      );
      return DIFF_EXIT.error;
    };
    let input: AsyncIterable<Uint8Array>;
    try {
      input = file === "-" ? process.stdin : createReadStream("", { fd: openSync(file, "r") });
    } catch (err) {
      return unreadable(err);
    }
    try {
      diff = await diffFromPreviewStream(input, { file: file === "-" ? "stdin" : file, zones });
      // Also on stderr: in CI the rendered note can sit in a comment nobody reads closely.
      if (diff.notes.includes(NO_SAMES_NOTE)) io.stderr(`dmsctl diff: warning: ${NO_SAMES_NOTE}\n`);
    } catch (err) {
      if (err instanceof PreviewError) {
        io.stderr(`dmsctl diff: ${err.message}\n`);
        return DIFF_EXIT.error;
      }
      // A read error after the open (EISDIR on a directory, EIO): the same message as one at it.
      if (typeof (err as NodeJS.ErrnoException).code === "string") return unreadable(err);
      throw err;
    } finally {
      if (file !== "-") (input as ReadStream).destroy();
    }
  } else {
    if (specPath === undefined) {
      io.stderr("dmsctl diff: give a SPEC to compare with live DNS, or --from-preview FILE\n");
      return DIFF_EXIT.error;
    }
    let previous: DnsRecord[] = [];
    let previousTag: string | undefined;
    if (opts.previous !== undefined) {
      const prev = loadRecords(opts.previous, io);
      if (prev === undefined) return DIFF_EXIT.error;
      previous = prev.records;
      previousTag = prev.spec.image.tag;
    }
    // The previous spec's tag is where this one upgrades from; a major jump is an error here too.
    const loaded = loadRecords(specPath, io, {
      ...(previousTag !== undefined ? { upgradeFrom: previousTag } : {}),
      ...(opts.allowMajorUpgrade === true ? { allowMajorUpgrade: true } : {}),
    });
    if (loaded === undefined) return DIFF_EXIT.error;
    const upgrade =
      loaded.spec.image.upgradeFrom === undefined
        ? undefined
        : summarizeUpgrade(loaded.spec.image.upgradeFrom, loaded.spec.image.tag);
    const chosen = await chooseLiveSource(
      loaded.records.map((r) => r.zone),
      {
        ...(opts.resolver !== undefined ? { resolver: opts.resolver } : {}),
        ...(opts.bootstrap !== undefined ? { bootstrap: opts.bootstrap } : {}),
        ...(opts.nsPort !== undefined ? { nsPort: opts.nsPort } : {}),
        timeoutMs: Math.round((opts.timeout ?? 2) * 1000),
        concurrency: opts.concurrency ?? 32,
      },
    );
    if (!chosen.ok) {
      for (const p of chosen.problems) io.stderr(`dmsctl diff: ${p}\n`);
      if (chosen.option === undefined) {
        io.stderr("dmsctl diff: give --resolver HOST:PORT to ask one server instead\n");
      }
      return DIFF_EXIT.error;
    }
    const { source, label } = chosen;
    diff = await diffLive(loaded.records, source, { previous, resolverLabel: label });
    if (upgrade !== undefined && upgrade.direction !== "same") {
      // Not a DNS change, but part of the change under review: one note, and stderr for a terminal.
      const note = `Image upgrade: ${upgradeLines(upgrade).join("; ")}.`;
      diff = { ...diff, notes: [...diff.notes, note].sort(cmp) };
      for (const f of loaded.findings.filter((f) => f.id.startsWith("image-"))) {
        io.stderr(`${formatFinding(f)}\n`);
      }
    }
  }

  io.stdout(render(diff, format, opts.commentId));
  const failed = diff.changes.filter((c) => c.conflict === "lookup-failed").length;
  if (failed > 0 && diff.rootCauses !== undefined && diff.rootCauses.length > 0) {
    for (const cause of diff.rootCauses) io.stderr(`dmsctl diff: ${cause}\n`);
    io.stderr("dmsctl diff: the diff is incomplete\n");
    return DIFF_EXIT.error;
  }
  if (failed > 0) {
    io.stderr(
      `dmsctl diff: ${failed} DNS lookup${failed === 1 ? "" : "s"} failed: the diff is incomplete\n`,
    );
    return DIFF_EXIT.error;
  }
  const writes = writeCount(diff);
  const tripped = checkGuard(diff, {
    ...(opts.maxChanges !== undefined ? { maxChanges: opts.maxChanges } : {}),
    ...(opts.maxDeletes !== undefined ? { maxDeletes: opts.maxDeletes } : {}),
  });
  if (tripped.length > 0) {
    io.stderr(
      `dmsctl diff: guard tripped: ${tripped.join("; ")}; a human should review this change\n`,
    );
    return DIFF_EXIT.guard;
  }
  return writes + diff.counts.conflict > 0 ? DIFF_EXIT.changes : DIFF_EXIT.noChange;
}

function render(diff: Diff, format: DiffFormat, commentId: string | undefined): string {
  switch (format) {
    case "table":
      return renderTable(diff);
    case "json":
      return renderJson(diff);
    case "markdown":
      return renderMarkdown(diff, commentId === undefined ? {} : { id: commentId });
    default: {
      const _: never = format;
      throw new Error(`unknown format ${String(_)}`);
    }
  }
}
