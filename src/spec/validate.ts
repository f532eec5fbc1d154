/**
 * `validateSpec`: the one entry point that turns untrusted input (a parsed YAML file, stack config,
 * TypeScript args) into a {@link MailServerSpec}, or into the full list of what is wrong with it.
 *
 * Two passes, one report: the zod schema (shape, types, formats), then the cross-field rules of
 * `./rules/`. When the schema rejects parts of the input, those parts are dropped (a bad field is
 * treated as unset, a bad list element as absent) and the rules still run on the rest, so a typo in
 * one account does not hide an alias loop elsewhere. Validation never throws, whatever the input.
 */
import { z } from "zod";
import { MailServerSpecSchema, type MailServerSpec } from "./schema";
import { formatPath, sortFindings, type Finding } from "./findings";
import { SECRET_ENV_NAME } from "./dms-env";
import {
  checkRules,
  finding,
  show,
  type ListSection,
  type PartialInfo,
  type RuleId,
} from "./rules";

/** The outcome of {@link validateSpec}. Findings are sorted (errors first, then by path). */
export type ValidationResult =
  | {
      readonly ok: true;
      /** The spec with every default applied. */
      readonly spec: MailServerSpec;
      /** Warnings and infos only. */
      readonly findings: Finding[];
    }
  | { readonly ok: false; readonly findings: Finding[] };

/**
 * Validates a spec: every schema problem and every rule finding at once, each naming the field
 * path and the bad value. `ok` is false when any finding is an error.
 *
 * @example
 * const result = validateSpec(YAML.parse(text));
 * if (!result.ok) for (const f of result.findings) console.error(formatFinding(f));
 */
export function validateSpec(input: unknown): ValidationResult {
  let findings: Finding[];
  let spec: MailServerSpec | undefined;
  try {
    ({ findings, spec } = validate(input));
  } catch (err) {
    // A bug in a rule must not become a stack trace for the user.
    const why = err instanceof Error ? err.message : show(err);
    return {
      ok: false,
      findings: [finding("internal-error", "", `validation failed unexpectedly: ${why}`)],
    };
  }
  // Only a spec with findings needs the secrets walked: a clean 10,000-account spec skips it.
  const sorted = sortFindings(
    findings.length === 0 ? findings : redactSecrets(findings, secretValues(input)),
  );
  if (spec === undefined || sorted.some((f) => f.level === "error")) {
    return { ok: false, findings: sorted };
  }
  return { ok: true, spec, findings: sorted };
}

function validate(input: unknown): { findings: Finding[]; spec?: MailServerSpec } {
  const first = MailServerSpecSchema.safeParse(input, { reportInput: true });
  if (first.success)
    return { findings: checkRules(first.data, undefined, input), spec: first.data };

  const findings = first.error.issues.flatMap((issue) => issueFindings(issue));
  const salvage = salvageInput(input, first.error.issues);
  if (salvage !== undefined) {
    // A rule finding on a field the schema rejected (or on its parent or child) would only echo
    // the schema finding with a guess, e.g. "no password" for a password of the wrong type.
    const rejected = new Set(findings.map((f) => f.path));
    const ancestors = new Set([...rejected].flatMap((p) => pathPrefixes(p)));
    for (const f of checkRules(salvage.spec, salvage.partial, input)) {
      const echoes =
        f.path !== "" &&
        (rejected.has(f.path) ||
          ancestors.has(f.path) ||
          pathPrefixes(f.path).some((p) => rejected.has(p)));
      if (!echoes) findings.push(f);
    }
  }
  return { findings };
}

/** Secrets shorter than this are not searched for in messages: they would hide common words. */
const MIN_REDACTED_LENGTH = 4;

/**
 * Every secret value of the input (passwords, hashes, private keys, secret-looking env values). A
 * YAML anchor can put the same text in a field that is not secret (`username: *pw`), where a
 * finding would show it; {@link redactSecrets} removes it from every message.
 */
function secretValues(input: unknown): string[] {
  const out = new Set<string>();
  const seen = new Set<unknown>();
  // One path stack, pushed and popped: a copy per entry was most of the walk's cost on a large
  // spec (10,000 accounts: 100,000 short-lived arrays).
  const path: PropertyKey[] = [];
  const walk = (value: unknown, depth: number) => {
    // Bounded: aliases make a DAG, and `seen` visits each object once.
    if (depth > 64 || value === null || typeof value !== "object" || seen.has(value)) return;
    seen.add(value);
    const list = Array.isArray(value);
    for (const [k, v] of Object.entries(value)) {
      path.push(list ? Number(k) : k);
      if (typeof v === "string" && v.length >= MIN_REDACTED_LENGTH && isSecretPath(path)) {
        out.add(v);
      } else walk(v, depth + 1);
      path.pop();
    }
  };
  walk(input, 0);
  return [...out];
}

/** Replaces each secret in finding messages, raw, JSON-escaped, or cut short by `show`. */
function redactSecrets(findings: readonly Finding[], secrets: readonly string[]): Finding[] {
  if (secrets.length === 0) return [...findings];
  const forms = secrets
    .flatMap((s) => {
      const json = JSON.stringify(s).slice(1, -1);
      // `show` cuts a long value to 77 characters of its JSON, opening quote included.
      return [s, json, ...(json.length > 76 ? [json.slice(0, 76)] : [])];
    })
    .sort((a, b) => b.length - a.length);
  return findings.map((f) => {
    let message = f.message;
    for (const form of forms) message = message.split(form).join("<redacted: secret>");
    return message === f.message ? f : { ...f, message };
  });
}

/** The proper, non-empty prefixes of a rendered path: `a[1].b` -> `a`, `a[1]`. */
function pathPrefixes(path: string): string[] {
  const out: string[] = [];
  for (let i = 1; i < path.length; i++) {
    if (path[i] === "." || path[i] === "[") out.push(path.slice(0, i));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// zod issues -> findings
// ---------------------------------------------------------------------------------------------

type Issue = z.core.$ZodIssue;

/** Fields whose values are secrets: never shown in a message. */
const SECRET_KEYS = new Set(["password", "passwordHash", "privateKey"]);

function isSecretPath(path: readonly PropertyKey[]): boolean {
  const last = path[path.length - 1];
  if (typeof last === "string" && SECRET_KEYS.has(last)) return true;
  return path[0] === "env" && typeof path[1] === "string" && SECRET_ENV_NAME.test(path[1]);
}

/**
 * Schema findings with a rule of their own, by path pattern (`*` matches any list index), and the
 * one message they use for any wrong value (a missing value stays `schema-required`).
 */
const SPECIFIC: readonly [readonly (string | "*")[], RuleId, string][] = [
  [["hostname"], "hostname-fqdn", "must be a lowercase fully qualified domain name"],
  [
    ["accounts", "*", "quota"],
    "quota-syntax",
    "must be 0 or a whole number with a unit B, k, M, G or T, such as 512M",
  ],
];

function specific(path: readonly PropertyKey[]): { id: RuleId; what: string } | undefined {
  for (const [pattern, id, what] of SPECIFIC) {
    if (
      pattern.length === path.length &&
      pattern.every((p, i) => (p === "*" ? typeof path[i] === "number" : p === path[i]))
    ) {
      return { id, what };
    }
  }
  return undefined;
}

const TYPE_NAMES: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping (object)",
};

/** Names what the input is, for "got ...": the value itself, or only its kind when secret. */
function got(input: unknown, secret: boolean): string {
  if (!secret) return show(input);
  const kind = Array.isArray(input) ? "a list" : input === null ? "null" : `a ${typeof input}`;
  return `${kind} (value hidden: secret)`;
}

const FORMAT_NAMES: Record<string, string> = {
  ipv4: "an IPv4 address",
  ipv6: "an IPv6 address",
  cidrv4: "an IPv4 CIDR such as 192.0.2.0/24",
  cidrv6: "an IPv6 CIDR such as 2001:db8::/32",
  email: "an email address",
  url: "a URL",
};

/** The input of an issue, when zod reported one (`reportInput`). */
function inputOf(issue: { input?: unknown }): { present: boolean; value: unknown } {
  return { present: "input" in issue, value: issue.input };
}

function issueFindings(issue: Issue): Finding[] {
  const path = issue.path;
  const secret = isSecretPath(path);
  const at = formatPath(path);
  const make = (id: RuleId, message: string): Finding[] => [finding(id, at, message)];
  const input = inputOf(issue as { input?: unknown });
  const missing = issue.code === "invalid_type" && (!input.present || input.value === undefined);
  if (path.length === 0 && issue.code === "invalid_type") {
    return make("schema-type", `the spec must be a mapping (object), got ${show(input.value)}`);
  }
  const own = specific(path);
  if (own !== undefined && !missing && issue.code !== "unrecognized_keys") {
    return make(own.id, `${own.what}, got ${got(input.value, secret)}`);
  }
  switch (issue.code) {
    case "invalid_type": {
      if (missing) return make("schema-required", "is required");
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      return make("schema-type", `must be ${expected}, got ${got(input.value, secret)}`);
    }
    case "invalid_format": {
      const what =
        issue.format === "regex"
          ? issue.message
          : `must be ${FORMAT_NAMES[issue.format] ?? issue.format}`;
      return make("schema-format", `${what}, got ${got(input.value, secret)}`);
    }
    case "invalid_value": {
      const values = issue.values.map((v) => show(v));
      const allowed = values.length === 1 ? values[0]! : `one of ${values.join(", ")}`;
      return make("schema-value", `must be ${allowed}, got ${got(input.value, secret)}`);
    }
    case "too_small":
    case "too_big":
      return make("schema-range", rangeMessage(issue, input.value, secret));
    case "unrecognized_keys":
      return issue.keys.map((key) =>
        finding(
          "schema-unknown-key",
          formatPath([...path, key]),
          `unknown key ${show(key)}${suggestion(key, knownKeys(path, input.value))}`,
        ),
      );
    case "invalid_key": {
      const inner = issue.issues[0];
      const why =
        inner?.code === "invalid_format" && inner.format === "regex"
          ? inner.message
          : "is not an allowed key";
      return make("schema-format", `${why}, got ${show(path[path.length - 1])}`);
    }
    case "invalid_union":
      return make(...unionMessage(issue, input.value, secret));
    case "invalid_element":
    case "not_multiple_of":
    case "custom":
      return make("schema-invalid", `${issue.message}, got ${got(input.value, secret)}`);
    default: {
      const _: never = issue;
      void _;
      const other = issue as { message?: unknown };
      return make(
        "schema-invalid",
        typeof other.message === "string" ? other.message : "is invalid",
      );
    }
  }
}

function rangeMessage(
  issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig,
  value: unknown,
  secret: boolean,
): string {
  const small = issue.code === "too_small";
  const bound = Number(
    small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum,
  );
  const inclusive = issue.inclusive !== false;
  const word = small ? (inclusive ? "at least" : "more than") : inclusive ? "at most" : "less than";
  switch (issue.origin) {
    case "array":
    case "set": {
      const n = Array.isArray(value) ? value.length : undefined;
      if (small && bound === 1 && inclusive) return "must not be empty";
      return `must have ${word} ${bound} item${bound === 1 ? "" : "s"}${n === undefined ? "" : `, got ${n}`}`;
    }
    case "string":
      if (small && bound === 1 && inclusive) return "must not be empty";
      return `must be ${word} ${bound} characters long${secret ? "" : `, got ${show(value)}`}`;
    default:
      return `must be ${word} ${bound}, got ${got(value, secret)}`;
  }
}

/** A union failed: name what each branch wanted (IP or CIDR families, literal choices). */
function unionMessage(
  issue: z.core.$ZodIssueInvalidUnion,
  value: unknown,
  secret: boolean,
): [RuleId, string] {
  const disc = (issue as { discriminator?: unknown }).discriminator;
  const options = (issue as { options?: unknown }).options;
  if (typeof disc === "string" && Array.isArray(options)) {
    // A discriminated union: the path already ends at the discriminator key.
    const actual =
      value !== null && typeof value === "object"
        ? (value as Record<string, unknown>)[disc]
        : undefined;
    const allowed = `one of ${options.map((o) => show(o)).join(", ")}`;
    if (actual === undefined) return ["schema-required", `is required, ${allowed}`];
    return ["schema-value", `must be ${allowed}, got ${got(actual, secret)}`];
  }
  const firsts = issue.errors.map((branch) => branch[0]).filter((b) => b !== undefined);
  if (firsts.length > 0 && firsts.every((b) => b.code === "invalid_value")) {
    const values = firsts.flatMap((b) =>
      (b as z.core.$ZodIssueInvalidValue).values.map((v) => show(v)),
    );
    return ["schema-value", `must be one of ${values.join(", ")}, got ${got(value, secret)}`];
  }
  if (firsts.length > 0 && firsts.every((b) => b.code === "invalid_format")) {
    const formats = firsts.map((b) => (b as z.core.$ZodIssueInvalidStringFormat).format);
    if (formats.every((f) => f === "ipv4" || f === "ipv6")) {
      return ["schema-format", `must be an IPv4 or IPv6 address, got ${got(value, secret)}`];
    }
    if (formats.every((f) => f === "cidrv4" || f === "cidrv6")) {
      return [
        "schema-format",
        `must be an IPv4 or IPv6 CIDR such as 192.0.2.0/24, got ${got(value, secret)}`,
      ];
    }
  }
  // Branches that differ: report the one that got furthest (a string branch for a string input).
  const typed = issue.errors.find((branch) => branch.every((b) => b.code !== "invalid_type"));
  const best = typed?.[0];
  if (best !== undefined) {
    const inner = issueFindings({ ...best, path: issue.path, input: value } as Issue)[0]!;
    return [inner.id as RuleId, inner.message];
  }
  return ["schema-type", `has the wrong type, got ${got(value, secret)}`];
}

// ---------------------------------------------------------------------------------------------
// Unknown-key suggestions
// ---------------------------------------------------------------------------------------------

interface StructDef {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  options?: z.core.$ZodType[];
  discriminator?: string;
}

/** The known keys of the object schema at `path` (walking the zod schema alongside the input). */
function knownKeys(path: readonly PropertyKey[], objectInput: unknown): string[] {
  let schema: z.core.$ZodType | undefined = MailServerSpecSchema;
  for (const part of [...path, null]) {
    // Unwrap defaults, optionals and pipes to the structural schema.
    for (let guard = 0; schema !== undefined && guard < 10; guard++) {
      const def = schema._zod.def as {
        type: string;
        innerType?: z.core.$ZodType;
        in?: z.core.$ZodType;
      };
      if (
        (def.type === "default" || def.type === "optional" || def.type === "prefault") &&
        def.innerType
      )
        schema = def.innerType;
      else if (def.type === "pipe" && def.in) schema = def.in;
      else break;
    }
    if (schema === undefined) return [];
    let def = schema._zod.def as StructDef;
    if (def.type === "union" && def.options) {
      // A discriminated union: take the branch whose literal matches the input's discriminator.
      const disc: string = def.discriminator ?? "";
      const source: unknown = part === null ? objectInput : undefined;
      const value: unknown =
        source !== null && typeof source === "object"
          ? (source as Record<string, unknown>)[disc]
          : undefined;
      const branch: z.core.$ZodType | undefined = def.options.find((o) => {
        const lit = (o._zod.def as StructDef).shape?.[disc]?._zod.def as
          { values?: unknown[] } | undefined;
        return lit?.values?.includes(value) ?? false;
      });
      if (branch === undefined) return [];
      def = branch._zod.def as StructDef;
    }
    if (part === null) return def.shape !== undefined ? Object.keys(def.shape) : [];
    schema = typeof part === "number" ? def.element : def.shape?.[String(part)];
  }
  return [];
}

/** ` (did you mean "dkim"?)` when a known key is within two edits of the typo. */
function suggestion(key: string, known: readonly string[]): string {
  let best: string | undefined;
  // Up to one edit per four characters (at least one), so "dkmi" finds "dkim" but "colour" does
  // not find "cloud".
  let bestDistance = Math.max(1, Math.floor(key.length / 4)) + 1;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best === undefined ? "" : ` (did you mean ${show(best)}?)`;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions: "dkmi"). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64 || b.length > 64) return 99;
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

// ---------------------------------------------------------------------------------------------
// Salvage: drop what the schema rejected, so the rules can judge the rest
// ---------------------------------------------------------------------------------------------

const LISTS: readonly ListSection[] = ["domains", "accounts", "aliases", "devnull"];
const MAX_ROUNDS = 8;

interface Salvaged {
  spec: MailServerSpec;
  partial: PartialInfo;
}

/**
 * Removes every rejected value from a copy of the input and parses again, a bounded number of
 * rounds. A bad field is deleted (its default applies); a missing required field takes its parent
 * with it; an element of a top-level list is removed and the original indices remembered, so rule
 * findings still point at what the user wrote. Nested lists are dropped whole. Returns undefined
 * when nothing usable remains (e.g. no domain survives). An invalid hostname is replaced by a
 * placeholder.
 */
function salvageInput(input: unknown, issues: readonly Issue[]): Salvaged | undefined {
  if (input === null || typeof input !== "object" || Array.isArray(input)) return undefined;
  let root: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  const origin: Partial<Record<ListSection, number[]>> = {};
  for (const list of LISTS) {
    const value = root[list];
    if (Array.isArray(value)) {
      origin[list] = value.map((_, i) => i);
      root[list] = [...value];
    }
  }
  let hostnameUnknown = false;
  let droppedDomains: Set<string> | undefined = new Set<string>();
  const droppedAddresses = new Set<string>();
  let current = issues;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const drops = new Map<ListSection, Set<number>>();
    for (const issue of current) {
      const targets =
        issue.code === "unrecognized_keys"
          ? issue.keys.map((k) => [...issue.path, k])
          : [issue.path];
      for (const target of targets) {
        if (target[0] === "hostname") {
          // Without a hostname nothing could be checked; a placeholder that matches no domain
          // lets the other rules run, and the rules comparing with the hostname stay quiet.
          root.hostname = "hostname.invalid";
          hostnameUnknown = true;
          continue;
        }
        if (!dropAt(root, target, drops)) return undefined;
      }
    }
    for (const [list, indices] of drops) {
      const arr = root[list] as unknown[];
      const map = origin[list]!;
      for (const i of [...indices].sort((a, b) => b - a)) {
        const el = arr[i];
        const name =
          el !== null && typeof el === "object"
            ? (el as Record<string, unknown>)[list === "domains" ? "name" : "address"]
            : el;
        if (list === "domains") {
          if (typeof name === "string") droppedDomains?.add(name);
          else droppedDomains = undefined;
        } else if (typeof name === "string") {
          droppedAddresses.add(name);
        }
        arr.splice(i, 1);
        map.splice(i, 1);
      }
    }
    const next = MailServerSpecSchema.safeParse(root, { reportInput: true });
    if (next.success) {
      return {
        spec: next.data,
        partial: { origin, domains: droppedDomains, addresses: droppedAddresses, hostnameUnknown },
      };
    }
    current = next.error.issues;
  }
  return undefined;
}

/**
 * Marks or performs the removal of the value at `path` in `root` (copying containers on the way,
 * never touching the caller's input). Returns false when the path is the root itself.
 */
function dropAt(
  root: Record<string, unknown>,
  path: readonly PropertyKey[],
  drops: Map<ListSection, Set<number>>,
): boolean {
  let target = [...path];
  for (;;) {
    if (target.length === 0) return false;
    const [section, index] = target;
    if (
      target.length === 2 &&
      typeof index === "number" &&
      LISTS.includes(section as ListSection)
    ) {
      // An element of a top-level list: removed after this round, indices remembered.
      const set = drops.get(section as ListSection) ?? new Set<number>();
      set.add(index);
      drops.set(section as ListSection, set);
      return true;
    }
    const parentPath = target.slice(0, -1);
    const key = target[target.length - 1]!;
    // Elements of nested lists: drop the whole list (its default applies).
    if (typeof key === "number") {
      target = parentPath;
      continue;
    }
    const parent = containerAt(root, parentPath);
    // An ancestor already removed for another issue: nothing left to do.
    if (parent === undefined) return true;
    if (!Object.prototype.hasOwnProperty.call(parent, key) || parent[key as string] === undefined) {
      // Missing required value: the parent goes instead.
      target = parentPath;
      continue;
    }
    delete parent[key as string];
    return true;
  }
}

/** The plain object at `path`, copied on the way so the user's input is never mutated. */
function containerAt(
  root: Record<string, unknown>,
  path: readonly PropertyKey[],
): Record<string, unknown> | undefined {
  let node: Record<string, unknown> | unknown[] = root;
  for (const part of path) {
    const child: unknown = (node as Record<PropertyKey, unknown>)[part as string];
    if (child === null || typeof child !== "object") return undefined;
    const copy: Record<string, unknown> | unknown[] = Array.isArray(child)
      ? [...child]
      : { ...(child as Record<string, unknown>) };
    (node as Record<PropertyKey, unknown>)[part as string] = copy;
    node = copy;
  }
  return Array.isArray(node) ? undefined : node;
}
