/**
 * What every rule group shares: the group shape ({@link ruleGroup}), the reporter a group's check
 * writes findings through, and the indexes of the spec the checks look things up in.
 *
 * This file and the group files import nothing that imports the registry (`../findings.ts` does,
 * for the typed `Finding`), so the registry can be built from the groups without a cycle.
 */
import type { MailServerSpec } from "../schema";
import type { RuleMeta } from "./meta";

/** A field path as a list of keys and indices, e.g. `["domains", 1, "dmarc"]`. */
export type Path = readonly PropertyKey[];

/** The top-level lists whose elements validation may drop (see `validate.ts`). */
export type ListSection = "domains" | "accounts" | "aliases" | "devnull";

/**
 * What `checkRules` needs besides the spec when the schema rejected parts of the input and those
 * parts were dropped so the rules can still run on the rest.
 */
export interface PartialInfo {
  /** For each list, the original index of each remaining element. */
  readonly origin: Partial<Record<ListSection, readonly number[]>>;
  /** Names of dropped domains (treated as declared); `undefined` when one had no readable name. */
  readonly domains: ReadonlySet<string> | undefined;
  /** Addresses of dropped accounts, aliases and devnull entries (treated as deliverable). */
  readonly addresses: ReadonlySet<string>;
  /** The hostname was invalid and replaced by a placeholder: rules comparing with it stay quiet. */
  readonly hostnameUnknown: boolean;
}

/** Where a group's check reports; it accepts only the ids its group declares. */
export interface Reporter<Id extends string> {
  /** Adds a finding for `id` at `path`, with the level and remediation of the registry. */
  report(id: Id, path: Path, message: string): void;
  /** The path as the user wrote it: list indices mapped back when elements were dropped. */
  where(path: Path): string;
}

/** A group's rules by id, in the order of the reference table. */
export type RuleTable = Readonly<Record<string, RuleMeta>>;

/**
 * One group of rules: the ids with their level and docs, and (for the rule pass) the check that
 * reports them. Groups without a check list ids reported elsewhere: reading the file, the schema,
 * planning, the DNS adapters' audits, reading secrets.
 */
export interface RuleGroup<R extends RuleTable = RuleTable> {
  readonly rules: R;
  /** Runs the group on a schema-valid spec; it may report only the ids in {@link rules}. */
  readonly check?: (spec: MailServerSpec, ctx: Context, r: Reporter<keyof R & string>) => void;
  /** Who reports these ids when it is not validation, for the reference in `docs/spec.md`. */
  readonly reportedBy?: string;
}

/**
 * Declares a group; `const` keeps each id and level a literal type, which is what types
 * `Finding.id` and ties each id to its level.
 */
export function ruleGroup<const R extends RuleTable>(group: RuleGroup<R>): RuleGroup<R> {
  return group;
}

/** Indexes of the spec that several groups look things up in, built once per validation. */
export interface Context {
  /** Declared domain name -> index of its first declaration. */
  readonly domainIndex: ReadonlyMap<string, number>;
  /** Account address -> index of its first declaration. */
  readonly accountIndex: ReadonlyMap<string, number>;
  /** Alias keys (incl. account aliases, catch-alls `@d`) -> their resolution targets. */
  readonly aliasTargets: ReadonlyMap<string, readonly string[]>;
  /** Alias keys -> where they are declared. */
  readonly aliasPath: ReadonlyMap<string, Path>;
  readonly devnull: ReadonlySet<string>;
  /** Domains with a catch-all alias. */
  readonly catchAll: ReadonlySet<string>;
  readonly partial: PartialInfo | undefined;
  /**
   * Whether the user wrote the field at `path` (a path into the validated spec): the schema fills
   * defaults, so only the input tells an explicit `policy: none` from the default. `false` when
   * validation was given no input (a spec built in code).
   */
  given(path: Path): boolean;
}

/** The domain of an address or alias key (`@example.com` -> `example.com`). */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1);
}

/** The value at `path` in the raw input, list indices mapped back to the input's own. */
function inputAt(input: unknown, path: Path, partial: PartialInfo | undefined): unknown {
  let node = input;
  path.forEach((part, i) => {
    let key = part;
    if (i === 1 && typeof part === "number" && typeof path[0] === "string") {
      const origin = partial?.origin[path[0] as ListSection];
      if (origin !== undefined && origin[part] !== undefined) key = origin[part]!;
    }
    node =
      node !== null && typeof node === "object" && Object.hasOwn(node, key)
        ? (node as Record<PropertyKey, unknown>)[key]
        : undefined;
  });
  return node;
}

export function buildContext(
  spec: MailServerSpec,
  partial: PartialInfo | undefined,
  input?: unknown,
): Context {
  const domainIndex = new Map<string, number>();
  spec.domains.forEach((d, i) => {
    if (!domainIndex.has(d.name)) domainIndex.set(d.name, i);
  });
  const accountIndex = new Map<string, number>();
  spec.accounts.forEach((a, i) => {
    if (!accountIndex.has(a.address)) accountIndex.set(a.address, i);
  });
  const aliasTargets = new Map<string, readonly string[]>();
  const aliasPath = new Map<string, Path>();
  const catchAll = new Set<string>();
  spec.accounts.forEach((a, i) => {
    a.aliases.forEach((alias, k) => {
      if (aliasTargets.has(alias) || accountIndex.has(alias)) return;
      aliasTargets.set(alias, [a.address]);
      aliasPath.set(alias, ["accounts", i, "aliases", k]);
    });
  });
  spec.aliases.forEach((a, i) => {
    if (aliasTargets.has(a.address) || accountIndex.has(a.address)) return;
    aliasTargets.set(a.address, a.targets);
    aliasPath.set(a.address, ["aliases", i, "address"]);
    if (a.address.startsWith("@")) catchAll.add(a.address.slice(1));
  });
  return {
    domainIndex,
    accountIndex,
    aliasTargets,
    aliasPath,
    devnull: new Set(spec.devnull),
    catchAll,
    partial,
    given: (path) => input !== undefined && inputAt(input, path, partial) !== undefined,
  };
}

/** Is mail to `address` accepted by this server (account, alias, devnull or catch-all)? */
export function deliverable(ctx: Context, address: string): boolean {
  return (
    ctx.accountIndex.has(address) ||
    ctx.aliasTargets.has(address) ||
    ctx.devnull.has(address) ||
    ctx.catchAll.has(domainOf(address)) ||
    (ctx.partial?.addresses.has(address) ?? false)
  );
}

export function isDeclaredDomain(ctx: Context, domain: string): boolean {
  return ctx.domainIndex.has(domain) || (ctx.partial?.domains?.has(domain) ?? false);
}

/** Shows a bad value in a message: JSON, shortened, never throwing (cyclic or BigInt input). */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return `a ${typeof value}`;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
