/**
 * Reading an MTA-STS policy file as a sending server does (RFC 8461 §3.2): `key: value` lines
 * separated by CRLF (LF accepted), unknown keys ignored, `mx` repeated. Pure: no I/O.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8461#section-3.2
 */

/** The fields of a policy file, as served. */
export interface ParsedMtaStsPolicy {
  /** `version`, e.g. `STSv1`; undefined when absent. */
  readonly version?: string;
  /** `mode`, as written (not yet checked against the three allowed values). */
  readonly mode?: string;
  /** `max_age` as written. */
  readonly maxAge?: string;
  /** Every `mx` value, in file order, lowercased, without a trailing dot. */
  readonly mx: readonly string[];
}

/** RFC 8461 §3.2: `max_age` is at most 31557600 seconds (about one year), 10 digits or fewer. */
export const MTA_STS_MAX_AGE_LIMIT = 31557600;

/** Parses a policy body; the first occurrence of a single-valued key wins. */
export function parseMtaStsPolicy(body: string): ParsedMtaStsPolicy {
  const fields = new Map<string, string>();
  const mx: string[] = [];
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    const colon = line.indexOf(":");
    if (line === "" || colon < 1) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === "mx") mx.push(value.toLowerCase().replace(/\.$/, ""));
    else if (!fields.has(key)) fields.set(key, value);
  }
  const version = fields.get("version");
  const mode = fields.get("mode");
  const maxAge = fields.get("max_age");
  return {
    ...(version !== undefined ? { version } : {}),
    ...(mode !== undefined ? { mode } : {}),
    ...(maxAge !== undefined ? { maxAge } : {}),
    mx,
  };
}

/**
 * Whether an MX host matches a policy `mx` pattern (RFC 8461 §4.1): equal ignoring case and a
 * trailing dot, or the pattern `*.example.com` matching exactly one extra left-most label
 * (`mail.example.com`, not `a.mail.example.com` nor `example.com`).
 */
export function mtaStsMxMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, "");
  const h = host.toLowerCase().replace(/\.$/, "");
  if (!p.startsWith("*.")) return p === h;
  const dot = h.indexOf(".");
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}
