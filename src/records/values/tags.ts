/**
 * Tag lists, the `tag=value; tag=value` syntax of DKIM key records (RFC 6376 §3.2), which DMARC
 * (RFC 7489 §6.4), MTA-STS (RFC 8461 §3.1) and TLS-RPT (RFC 8460 §3) records reuse. The one
 * parser every reader of those records uses.
 *
 * What RFC 6376 §3.2 asks, and this parser does:
 * - whitespace around names, `=` and values is not part of them; whitespace inside a value is kept;
 * - a name is a letter followed by letters, digits or `_`;
 * - a name that occurs twice makes the whole list invalid: the first value is kept for display,
 *   and the duplicate is reported in `problems`;
 * - an empty value is a value (the empty string), not an absent tag;
 * - a trailing `;` is allowed; an empty tag-spec elsewhere (`;;`) is skipped without complaint,
 *   as receivers do.
 *
 * Tag names are case-sensitive in DKIM (RFC 6376 §3.2), MTA-STS and TLS-RPT (their ABNF uses
 * `%s` strings), but not in DMARC, whose ABNF uses plain quoted strings (RFC 5234 §2.3): readers
 * say which with {@link TagNameCase}.
 */

/** `exact`: names compared as written (DKIM, MTA-STS, TLS-RPT); `fold`: lowercased (DMARC). */
export type TagNameCase = "exact" | "fold";

/** A parsed tag list. */
export interface TagList {
  /** Tags by name (lowercased under `fold`), in order of first appearance; the first value wins. */
  readonly tags: ReadonlyMap<string, string>;
  /** Why the list is invalid (duplicate names, parts without `=`, bad names); empty when valid. */
  readonly problems: readonly string[];
}

const TAG_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** FWS (RFC 6376 §2.8): spaces, tabs and folded line breaks. */
const FWS = /^[ \t\r\n]+|[ \t\r\n]+$/g;

/** Parses a tag list (see the module comment for the rules). */
export function parseTagList(text: string, names: TagNameCase): TagList {
  const tags = new Map<string, string>();
  const problems: string[] = [];
  for (const part of text.split(";")) {
    const spec = part.replace(FWS, "");
    if (spec === "") continue;
    const eq = spec.indexOf("=");
    if (eq < 0) {
      problems.push(`${JSON.stringify(spec)} is not a tag=value pair`);
      continue;
    }
    const written = spec.slice(0, eq).replace(FWS, "");
    if (!TAG_NAME.test(written)) {
      problems.push(`${JSON.stringify(written)} is not a tag name`);
      continue;
    }
    const name = names === "fold" ? written.toLowerCase() : written;
    if (tags.has(name)) {
      problems.push(`tag ${name}= appears more than once`);
      continue;
    }
    tags.set(name, spec.slice(eq + 1).replace(FWS, ""));
  }
  return { tags, problems };
}

/** The tags of a list by name, first value winning; see {@link parseTagList} for validity. */
export function parseTags(text: string, names: TagNameCase): Map<string, string> {
  return new Map(parseTagList(text, names).tags);
}

/**
 * `v=DKIM1; k=rsa; p=...`: tags in the given order, joined by `; `. Values are written as given:
 * one containing `;` would end early when read back (no valid `mailto:` or `https:` URI, key or
 * policy word contains one).
 * @throws Error on a bad tag name (a programming error: names are constants).
 */
export function renderTags(tags: readonly (readonly [string, string])[]): string {
  return tags
    .map(([name, value]) => {
      if (!TAG_NAME.test(name)) throw new Error(`not a tag name: ${JSON.stringify(name)}`);
      return `${name}=${value}`;
    })
    .join("; ");
}

/**
 * The URIs of a comma-separated list value (DMARC `rua`/`ruf`, TLS-RPT `rua`), trimmed, empty
 * entries dropped: `mailto:a@x, mailto:b@x` -> `["mailto:a@x", "mailto:b@x"]`.
 */
export function splitUris(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
