/**
 * docker-mailserver releases and what each changed in its environment variables, kept in the
 * project from upstream's changelog, so a tag change can say which releases it crosses and which
 * variables were renamed or removed on the way (docs/upgrades.md). Pure data and arithmetic on
 * version numbers; no I/O.
 *
 * @see https://github.com/docker-mailserver/docker-mailserver/blob/master/CHANGELOG.md
 */

/** Where {@link DMS_RELEASES} comes from, and when it was read. */
export const DMS_CHANGELOG_SOURCE = {
  url: "https://github.com/docker-mailserver/docker-mailserver/blob/master/CHANGELOG.md",
  /** The day the table was checked against the changelog (its master branch). */
  read: "2026-11-30",
  /** The newest release the changelog listed that day (later ones are `Unreleased`). */
  latest: "15.1.0",
} as const;

/** One change to an environment variable in a release. */
export interface EnvChange {
  /** The variable, as it was before the release. */
  readonly name: string;
  /** `renamed`: use `replacement`; `removed`: gone; `values-removed`: some values no longer work. */
  readonly change: "renamed" | "removed" | "values-removed";
  /** What to use instead. */
  readonly replacement?: string;
  /** Why nothing replaces a removed variable, when the changelog says. */
  readonly note?: string;
}

/** One release of the table. */
export interface DmsRelease {
  /** `major.minor.patch`, without the `v`. */
  readonly version: string;
  /** For a major release: what breaks, in one sentence (the changelog has the details). */
  readonly breaking?: string;
  readonly env?: readonly EnvChange[];
}

/** Every release from 11.0.0 to the changelog's latest (`DMS_CHANGELOG_SOURCE.latest`), oldest first. */
export const DMS_RELEASES: readonly DmsRelease[] = [
  {
    version: "11.0.0",
    breaking:
      "logging refactored, iptables replaced by nftables (Fail2Ban), PERMIT_DOCKER defaults to none",
    env: [{ name: "DMS_DEBUG", change: "renamed", replacement: "LOG_LEVEL" }],
  },
  { version: "11.1.0" },
  { version: "11.2.0" },
  { version: "11.3.0" },
  { version: "11.3.1" },
  {
    version: "12.0.0",
    breaking:
      "services no longer chrooted, Fail2Ban 1.0, TLS 1.2 minimum, no SMTP AUTH on port 25, ARMv7 dropped",
    env: [
      { name: "SASL_PASSWD", change: "removed", replacement: "postfix-sasl-password.cf" },
      { name: "ENABLE_POSTFIX_VIRTUAL_TRANSPORT", change: "removed" },
    ],
  },
  { version: "12.1.0" },
  {
    version: "13.0.0",
    breaking:
      "Dovecot home moved to a home/ subdirectory, Postfix service smtps renamed submissions, DSNs for authenticated senders only",
    env: [{ name: "ENABLE_LDAP", change: "removed", replacement: "ACCOUNT_PROVISIONER=LDAP" }],
  },
  { version: "13.0.1" },
  { version: "13.1.0" },
  { version: "13.2.0" },
  { version: "13.3.0" },
  { version: "13.3.1" },
  {
    version: "14.0.0",
    breaking:
      "Debian 12 base image (Postfix 3.7, SpamAssassin 4, Dovecot 2.3.19), new DMS log format",
    env: [
      { name: "SA_SPAM_SUBJECT", change: "renamed", replacement: "SPAM_SUBJECT" },
      {
        name: "ONE_DIR",
        change: "removed",
        note: "state is consolidated whenever /var/mail-state is mounted",
      },
    ],
  },
  {
    version: "15.0.0",
    breaking:
      "getmail configuration moved to getmail/, saslauthd mechanisms pam, shadow and mysql removed",
    env: [
      {
        name: "SASLAUTHD_MECHANISMS",
        change: "values-removed",
        replacement: "ldap or rimap",
      },
    ],
  },
  { version: "15.0.1" },
  { version: "15.0.2" },
  { version: "15.1.0" },
];

/** A tag read as a version: `15.1.0`, `v15.1.0`, `15.1`, `15` (missing parts are 0). */
export function parseReleaseTag(tag: string): [number, number, number] | undefined {
  const m = /^v?(\d{1,4})(?:\.(\d{1,4})(?:\.(\d{1,4}))?)?$/.exec(tag);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** What a tag change crosses, from the table. */
export interface UpgradeSummary {
  readonly from: string;
  readonly to: string;
  /** `upgrade`, `downgrade`, `same`, or `unknown` when a tag is not a version number. */
  readonly direction: "upgrade" | "downgrade" | "same" | "unknown";
  /** The major versions differ. */
  readonly major: boolean;
  /** Releases after the older version up to and including the newer one, oldest first. */
  readonly releases: readonly string[];
  /** Major releases crossed, with what breaks. */
  readonly breaking: readonly { readonly version: string; readonly breaking: string }[];
  /** Env changes in the crossed releases, with the release that made each. */
  readonly env: readonly (EnvChange & { readonly version: string })[];
  /** Tags the table cannot place: not a version, or newer than the table. */
  readonly unknownTags: readonly string[];
}

/** The releases crossed going from tag `from` to tag `to`, in either direction. */
export function summarizeUpgrade(from: string, to: string): UpgradeSummary {
  const a = parseReleaseTag(from);
  const b = parseReleaseTag(to);
  const latest = parseReleaseTag(DMS_CHANGELOG_SOURCE.latest)!;
  const unknownTags = [
    ...new Set(
      [
        [from, a],
        [to, b],
      ]
        .filter(([, v]) => v === undefined || compareVersions(v as number[], latest) > 0)
        .map(([t]) => t as string),
    ),
  ];
  if (a === undefined || b === undefined) {
    return {
      from,
      to,
      direction: "unknown",
      major: false,
      releases: [],
      breaking: [],
      env: [],
      unknownTags,
    };
  }
  const order = compareVersions(a, b);
  const [low, high] = order <= 0 ? [a, b] : [b, a];
  const crossed = DMS_RELEASES.filter((r) => {
    const v = parseReleaseTag(r.version)!;
    return compareVersions(v, low) > 0 && compareVersions(v, high) <= 0;
  });
  return {
    from,
    to,
    direction: order < 0 ? "upgrade" : order > 0 ? "downgrade" : "same",
    major: a[0] !== b[0],
    releases: crossed.map((r) => r.version),
    breaking: crossed
      .filter((r) => r.breaking !== undefined)
      .map((r) => ({ version: r.version, breaking: r.breaking! })),
    env: crossed.flatMap((r) => (r.env ?? []).map((e) => ({ ...e, version: r.version }))),
    unknownTags,
  };
}

/**
 * The variables renamed or removed in every release of the table up to and including `tag`'s
 * (all of them for a tag the table cannot place: not a version, or newer than the table), by
 * name, each with the release that made the change. Variables whose values only changed
 * (`values-removed`) are not listed: the name still works.
 */
export function envRemovedBy(tag: string): ReadonlyMap<string, EnvChange & { version: string }> {
  const at = parseReleaseTag(tag);
  const out = new Map<string, EnvChange & { version: string }>();
  for (const r of DMS_RELEASES) {
    if (at !== undefined && compareVersions(parseReleaseTag(r.version)!, at) > 0) break;
    for (const e of r.env ?? []) {
      if (e.change !== "values-removed") out.set(e.name, { ...e, version: r.version });
    }
  }
  return out;
}

/** One env change for humans: `DMS_DEBUG renamed to LOG_LEVEL (11.0.0)`. */
export function describeEnvChange(e: EnvChange & { readonly version: string }): string {
  const what =
    e.change === "renamed"
      ? `renamed to ${e.replacement ?? "?"}`
      : e.change === "removed"
        ? `removed${e.replacement !== undefined ? ` (use ${e.replacement})` : ""}`
        : `values removed (use ${e.replacement ?? "another value"})`;
  return `${e.name} ${what} in ${e.version}`;
}
