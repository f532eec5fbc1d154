/**
 * Reading a spec file for a `dmsctl` command: read, parse (YAML or JSON) and validate, with every
 * finding located in the file (`(mailserver.yaml:8:19)`). Each command decides how to report and
 * which exit code an unreadable or invalid file means; none re-implements the reading.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { formatFinding, sortFindings, type Finding } from "../spec/findings";
import { parseSpecText } from "../spec/load";
import type { MailServerSpec } from "../spec/schema";
import { validateSpec } from "../spec/validate";

/** Where a finding is in the file, as ` (file:line:column)`, or "" when it has no position. */
export type Locator = (f: Finding) => string;

/** The outcome of reading a spec file. */
export type SpecFile =
  | { readonly kind: "unreadable"; readonly message: string }
  | { readonly kind: "invalid"; readonly findings: Finding[]; readonly where: Locator }
  | {
      readonly kind: "valid";
      readonly spec: MailServerSpec;
      /** Warnings and infos of parsing and validation. */
      readonly findings: Finding[];
      readonly where: Locator;
      /** Directory of the file: relative `dkim.privateKeyFile` paths resolve against it. */
      readonly specDir: string;
    };

/**
 * What a command adds to the spec's `image` before validation: the tag running now (read from
 * the `--out` tree or a `--previous` spec; the spec's own `upgradeFrom` wins) and the
 * `--allow-major-upgrade` flag.
 */
export interface ImageContext {
  readonly upgradeFrom?: string;
  readonly allowMajorUpgrade?: boolean;
}

/** `value` with the command's image context merged into its `image`, when it is an object. */
function withImageContext(value: unknown, ctx: ImageContext | undefined): unknown {
  if (ctx === undefined || value === null || typeof value !== "object" || Array.isArray(value)) {
    return value;
  }
  const spec = value as Record<string, unknown>;
  const raw = spec.image;
  if (raw !== undefined && (raw === null || typeof raw !== "object" || Array.isArray(raw))) {
    return value; // the schema reports the bad `image`
  }
  const image = { ...((raw ?? {}) as Record<string, unknown>) };
  if (image.upgradeFrom === undefined && ctx.upgradeFrom !== undefined) {
    image.upgradeFrom = ctx.upgradeFrom;
  }
  if (ctx.allowMajorUpgrade === true) image.allowMajorUpgrade = true;
  return { ...spec, image };
}

/**
 * Reads, parses and validates `specPath`, with the command's image context merged in first.
 * Never throws for bad input.
 */
export function readSpecFile(specPath: string, imageContext?: ImageContext): SpecFile {
  let text: string;
  try {
    text = readFileSync(specPath, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    return {
      kind: "unreadable",
      message: `cannot read spec file ${JSON.stringify(specPath)} (${code})`,
    };
  }
  const parsed = parseSpecText(text, specPath);
  const where: Locator = (f) => {
    const pos = f.path === "" ? undefined : parsed.locate(f.path);
    return pos === undefined ? "" : ` (${specPath}:${pos.line}:${pos.column})`;
  };
  if (parsed.findings.some((f) => f.level === "error")) {
    return { kind: "invalid", findings: sortFindings(parsed.findings), where };
  }
  const validated = validateSpec(withImageContext(parsed.value, imageContext));
  const findings = sortFindings([...parsed.findings, ...validated.findings]);
  if (!validated.ok) return { kind: "invalid", findings, where };
  return {
    kind: "valid",
    spec: validated.spec,
    findings,
    where,
    specDir: dirname(resolve(specPath)),
  };
}

/** Prints every finding, located, and the closing `dmsctl <command>: FILE is invalid: N errors`. */
export function printInvalid(
  write: (text: string) => void,
  command: string,
  specPath: string,
  findings: readonly Finding[],
  where: Locator,
): void {
  const sorted = sortFindings(findings);
  for (const f of sorted) write(`${formatFinding(f)}${where(f)}\n`);
  const errors = sorted.filter((f) => f.level === "error").length;
  write(`dmsctl ${command}: ${specPath} is invalid: ${errors} error${errors === 1 ? "" : "s"}\n`);
}
