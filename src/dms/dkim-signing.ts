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
import { selectorKey } from "../spec/material";
import { createHash } from "node:crypto";
import { isDkimKeyFile } from "./files";

/** OpenDKIM's signing table, relative to the config directory. */
export const SIGNING_TABLE_FILE = "opendkim/SigningTable";
/** Rspamd's DKIM signing config, relative to the config directory. */
export const RSPAMD_SIGNING_FILE = "rspamd/override.d/dkim_signing.conf";

/** The contents of the two signing files; a missing file is `undefined`. */
export interface SigningFiles {
  readonly signingTable?: string;
  readonly rspamdSigning?: string;
  /**
   * The DKIM private key files on the volume, by path relative to the config directory (either
   * engine's layout, see `isDkimKeyFile`), each with the SHA-256 of its public key (SPKI DER,
   * hex). Absent when there is none.
   */
  readonly keys?: ReadonlyMap<string, string>;
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
    // Each key file as its name and the SHA-256 of its public key: what the retiring-key check
    // compares with the key the component holds. A hash of a public key reveals nothing secret.
    // OpenDKIM's keys end in `.private`, Rspamd's in `.private.txt` (DMS's layouts).
    `for f in "$d"/opendkim/keys/*/*.private "$d"/rspamd/dkim/*.private.txt; do`,
    `  [ -f "$f" ] || continue`,
    `  n=\${f#"$d"/}`,
    `  fp=$(openssl pkey -in "$f" -pubout -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1)`,
    `  printf '%s %s %s\\n' "${LISTING_PREFIX}-KEY" "$n" "$fp"`,
    "done",
    `echo "${LISTING_END}"`,
  ].join("\n");
}

/** SHA-256 (hex) of no bytes: what the listing shows for a key file `openssl` could not read. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** SHA-256 (hex) of a public key given as base64 SPKI DER (a DKIM record's `p=`). */
export function publicKeyFingerprint(publicKeyBase64: string): string {
  return createHash("sha256").update(Buffer.from(publicKeyBase64, "base64")).digest("hex");
}

/** The key files (see {@link SigningFiles.keys}) that hold `selector` of `domain`. */
export function keyFilesOf(
  keys: ReadonlyMap<string, string>,
  domain: string,
  selector: string,
): string[] {
  return [...keys.keys()].filter((path) => isDkimKeyFile(path, domain, selector));
}

/**
 * Retiring selectors whose key the component holds but the volume does not, or holds another
 * one: the record would carry a key that never signed, and mail the selector signed would fail
 * DKIM during the overlap. `held` maps `selectorKey(domain, selector)` to the SHA-256 of the
 * public key the component publishes (see {@link publicKeyFingerprint}).
 */
export function retiringKeyProblems(
  spec: Pick<MailServerSpec, "domains">,
  files: SigningFiles,
  held: ReadonlyMap<string, string>,
): Finding[] {
  const onVolume = files.keys ?? new Map<string, string>();
  const out: Finding[] = [];
  spec.domains.forEach((d, i) => {
    if (!d.dkim.enabled) return;
    retiringSelectors(d.dkim).forEach((selector, k) => {
      const mine = held.get(selectorKey(d.name, selector));
      if (mine === undefined) return;
      const path = `domains[${i}].dkim.retiring[${k}]`;
      const name = `${selector}._domainkey.${d.name}`;
      const found = keyFilesOf(onVolume, d.name, selector);
      if (found.length === 0) {
        out.push(
          finding(
            "dkim-retiring-key-missing",
            path,
            `is ${JSON.stringify(selector)}, but the config volume holds no key for ${name}: only a selector that signed on this server can retire (a key made now would never have signed)`,
          ),
        );
      } else if (!found.some((n) => onVolume.get(n) === mine)) {
        out.push(
          finding(
            "dkim-retiring-key-mismatch",
            path,
            `is ${JSON.stringify(selector)}, but the key for ${name} the component holds is not the one on the config volume (${found.join(", ")}), the key that signed: its record would fail the mail ${selector} signed`,
          ),
        );
      }
    });
  });
  return out;
}

/**
 * The signing files from a {@link signingFilesScript} listing in container logs. Other lines, and
 * anything before the prefix on a line (a log frame header), are ignored; `\r` line ends (a TTY)
 * are accepted. Throws when the end line is missing: a cut listing could hide the selector that
 * signs, and passing on it would let a one-step switch through.
 */
export function signingFilesFromListing(logs: string): SigningFiles {
  const sections = new Map<string, string[]>();
  const keys = new Map<string, string>();
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
    const key = /^DMS-DKIM-SIGNING-KEY (\S+) ([0-9a-f]{64})\s*$/.exec(line);
    if (key !== null) keys.set(key[1]!, key[2]!);
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
    ...(keys.size > 0 ? { keys } : {}),
  };
}
