/**
 * Which selector signs a domain's mail in a DMS config directory, read from the signing files
 * this tool writes (./files.ts), and the refusal of a one-step selector switch that follows from
 * it. Pure functions over file contents: `dmsctl plan --out` reads the files from its folder, the
 * components from the logs of a container that printed them from the live config volume
 * (src/components/mail-server/rotation-guard.ts); both decide with {@link oneStepSwitch}.
 */
import type { MailServerSpec } from "../spec/schema";
import type { Finding } from "../spec/findings";
import { finding } from "../spec/rules";
import { retiringSelectors } from "../spec/derived";

/** OpenDKIM's signing table, relative to the config directory. */
export const SIGNING_TABLE_FILE = "opendkim/SigningTable";
/** Rspamd's DKIM signing config, relative to the config directory. */
export const RSPAMD_SIGNING_FILE = "rspamd/override.d/dkim_signing.conf";

/** The contents of the two signing files; a missing file is `undefined`. */
export interface SigningFiles {
  readonly signingTable?: string;
  readonly rspamdSigning?: string;
}

/**
 * The selector of `domain` in OpenDKIM's `SigningTable` text (`*@<domain>
 * <selector>._domainkey.<domain>`), or undefined when no line names the domain.
 */
export function selectorFromSigningTable(text: string, domain: string): string | undefined {
  const suffix = `._domainkey.${domain}`;
  for (const line of text.split("\n")) {
    const [who, key] = line.trim().split(/\s+/);
    if (who === `*@${domain}` && key !== undefined && key.endsWith(suffix)) {
      const selector = key.slice(0, -suffix.length);
      if (selector !== "") return selector;
    }
  }
  return undefined;
}

/**
 * The selector of `domain` in Rspamd's `dkim_signing.conf` text (a block `<domain> { ...
 * selector = "<selector>"; }`), or undefined when no block names the domain.
 */
export function selectorFromRspamdSigning(text: string, domain: string): string | undefined {
  const escaped = domain.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
  const m = new RegExp(`^\\s*${escaped}\\s*\\{[^}]*selector\\s*=\\s*"([^"]+)"`, "m").exec(text);
  return m?.[1];
}

/**
 * The selector that signed `domain`'s mail: OpenDKIM's table first, then Rspamd's config (the
 * writer keeps only the active engine's files). Undefined when neither names the domain.
 */
export function signingSelector(files: SigningFiles, domain: string): string | undefined {
  const fromTable =
    files.signingTable === undefined
      ? undefined
      : selectorFromSigningTable(files.signingTable, domain);
  if (fromTable !== undefined) return fromTable;
  return files.rspamdSigning === undefined
    ? undefined
    : selectorFromRspamdSigning(files.rspamdSigning, domain);
}

/**
 * The `dkim-rotation-one-step` finding for domain `index` of `spec` when its signing selector
 * changes from `previous` without `previous` being listed in `dkim.retiring`: the old record
 * (and key) would go in the same change that stops signing with it, while mail it signed is
 * still in flight. Undefined when nothing signed before, the selector is unchanged, DKIM is off,
 * or the old selector retires.
 */
export function oneStepSwitch(
  spec: Pick<MailServerSpec, "domains">,
  index: number,
  previous: string | undefined,
): Finding | undefined {
  const d = spec.domains[index];
  if (d === undefined || !d.dkim.enabled) return undefined;
  if (previous === undefined || previous === d.dkim.selector) return undefined;
  if (retiringSelectors(d.dkim).includes(previous)) return undefined;
  return finding(
    "dkim-rotation-one-step",
    `domains[${index}].dkim.selector`,
    `changes from ${JSON.stringify(previous)} to ${JSON.stringify(d.dkim.selector)} with ${JSON.stringify(previous)} not in retiring: its record would go while mail it signed is in flight; first set retiring: [${JSON.stringify(previous)}], remove it after the overlap`,
  );
}

/** {@link oneStepSwitch} for every domain, with the previous selectors read from `files`. */
export function oneStepSwitches(
  spec: Pick<MailServerSpec, "domains">,
  files: SigningFiles,
): Finding[] {
  return spec.domains.flatMap((d, i) => {
    const f = oneStepSwitch(spec, i, signingSelector(files, d.name));
    return f === undefined ? [] : [f];
  });
}

/** The prefix of every line of a {@link signingFilesScript} listing. */
export const LISTING_PREFIX = "DMS-DKIM-SIGNING";
/** The last line of a complete listing: without it the listing is not trusted. */
export const LISTING_END = `${LISTING_PREFIX}-END`;

/**
 * A POSIX sh script that lists the two signing files under `configDir`: for each file present a
 * line `DMS-DKIM-SIGNING-FILE <path>`, then each kept line of it as `DMS-DKIM-SIGNING-LINE <path>
 * <line>`, and last `DMS-DKIM-SIGNING-END`.
 *
 * It keeps only what names a selector, because the listing lands in container logs and in the
 * Pulumi state: `SigningTable` lines `<signer> <key name>` (no key material in that format), and
 * of `dkim_signing.conf` only block openings (`<domain> {`), `selector = ...` lines and closing
 * braces; a `path` (or an inline `key`, which a hand-edited file could hold) never leaves.
 *
 * Every output line carries the prefix, so a reader finds the listing by searching for it: a
 * container's log stream without a TTY puts an 8-byte frame header before each write, and a
 * reader that does not strip it sees bytes before the prefix.
 */
export function signingFilesScript(configDir: string): string {
  const list = (file: string, keep: string) => [
    `if [ -f "$d/${file}" ]; then`,
    `  echo "${LISTING_PREFIX}-FILE ${file}"`,
    `  grep -E '${keep}' "$d/${file}" | while IFS= read -r line; do printf '%s %s\\n' "${LISTING_PREFIX}-LINE ${file}" "$line"; done`,
    "fi",
  ];
  return [
    "set -eu",
    `d=${configDir}`,
    ...list(
      SIGNING_TABLE_FILE,
      "^[[:space:]]*\\*@[^[:space:]]+[[:space:]]+[^[:space:]]+[[:space:]]*$",
    ),
    ...list(
      RSPAMD_SIGNING_FILE,
      '^[[:space:]]*([A-Za-z0-9.-]+[[:space:]]*[{][[:space:]]*|selector[[:space:]]*=[[:space:]]*"[^"]*";?[[:space:]]*|[}][[:space:]]*)$',
    ),
    `echo "${LISTING_END}"`,
  ].join("\n");
}

/**
 * The signing files from a {@link signingFilesScript} listing in container logs. Other lines, and
 * anything before the prefix on a line (a log frame header), are ignored; `\r` line ends (a TTY)
 * are accepted. Throws when the end line is missing: a cut listing could hide the selector that
 * signs, and passing on it would let a one-step switch through.
 */
export function signingFilesFromListing(logs: string): SigningFiles {
  const sections = new Map<string, string[]>();
  let complete = false;
  for (const raw of logs.split("\n")) {
    const at = raw.indexOf(LISTING_PREFIX);
    if (at < 0) continue;
    const line = raw.slice(at).replace(/\r$/, "");
    if (line.trimEnd() === LISTING_END) {
      complete = true;
      break;
    }
    const file = /^DMS-DKIM-SIGNING-FILE (\S+)\s*$/.exec(line);
    if (file !== null) {
      if (!sections.has(file[1]!)) sections.set(file[1]!, []);
      continue;
    }
    const kept = /^DMS-DKIM-SIGNING-LINE (\S+) (.*)$/.exec(line);
    if (kept !== null) sections.get(kept[1]!)?.push(kept[2]!);
  }
  if (!complete) {
    throw new Error(`the listing of the signing files is incomplete (no ${LISTING_END} line)`);
  }
  const text = (path: string) =>
    sections
      .get(path)
      ?.map((l) => `${l}\n`)
      .join("");
  const signingTable = text(SIGNING_TABLE_FILE);
  const rspamdSigning = text(RSPAMD_SIGNING_FILE);
  return {
    ...(signingTable !== undefined ? { signingTable } : {}),
    ...(rspamdSigning !== undefined ? { rspamdSigning } : {}),
  };
}
