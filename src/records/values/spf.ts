/**
 * SPF records (RFC 7208): `v=spf1` and its terms. Rendered from terms and parsed back into them;
 * the builders from a spec (`spfText`, `heloSpfText`) are in `../policies.ts` and render here.
 */

/** An SPF record: its terms after `v=spf1`, in order (order matters in evaluation, §4.6.2). */
export interface SpfValue {
  /** Mechanisms and modifiers, mechanism and modifier names lowercase: `mx`, `-all`, `include:x`. */
  readonly terms: readonly string[];
}

/** One term split into its parts: `-include:_spf.example.net` -> `-`, `include`, `:_spf.example.net`. */
export interface SpfTerm {
  /** `+`, `-`, `~`, `?`, or `""` when none is written (which means `+`, §4.6.2). */
  readonly qualifier: "" | "+" | "-" | "~" | "?";
  /** The mechanism or modifier name, lowercase (names are case-insensitive, §4.6.1). */
  readonly name: string;
  /** What follows the name as written: `""`, `:domain`, `/24`, `=domain` (a modifier). */
  readonly rest: string;
}

/** `v=spf1 mx -all`. @throws Error on an empty term or one containing blanks. */
export function renderSpf(v: SpfValue): string {
  for (const t of v.terms) {
    if (t === "" || /\s/.test(t)) throw new Error(`not an SPF term: ${JSON.stringify(t)}`);
  }
  return ["v=spf1", ...v.terms].join(" ");
}

/**
 * Reads an SPF record into its terms, names lowercased so `Include:` and `include:` compare
 * equal. `undefined` when the text is not an SPF record (RFC 7208 §4.5: exactly `v=spf1`, then a
 * space or the end).
 */
export function parseSpf(text: string): SpfValue | undefined {
  if (!/^v=spf1( |$)/i.test(text)) return undefined;
  const terms = text
    .slice("v=spf1".length)
    .split(/\s+/)
    .filter((t) => t !== "")
    .map((t) => {
      const s = spfTerm(t);
      return `${s.qualifier}${s.name}${s.rest}`;
    });
  return { terms };
}

/** Splits one term into qualifier, lowercase name and the rest. */
export function spfTerm(term: string): SpfTerm {
  const m = /^([+?~-]?)([A-Za-z][A-Za-z0-9._-]*)(.*)$/.exec(term);
  if (m === null) return { qualifier: "", name: "", rest: term };
  return { qualifier: m[1] as SpfTerm["qualifier"], name: m[2]!.toLowerCase(), rest: m[3]! };
}

/**
 * The `all` mechanism of a record with its qualifier (`-all`), the first one: evaluation never
 * goes past it (§5.1). `undefined` without one.
 */
export function spfAll(v: SpfValue): string | undefined {
  return v.terms.find((t) => spfTerm(t).name === "all" && spfTerm(t).rest === "");
}
