/**
 * Breaking a written file on purpose, to show that the e2e cases notice: `DMS_E2E_BREAK` names one
 * or more breaks (comma-separated), each applied to the files after planning, before DMS reads
 * them (the `plan --out` folder, and the uploads of the component's writer). Unset, nothing
 * changes: the normal run. Read by this harness only; the library never sees it.
 *
 * - `accounts-separator`: `postfix-accounts.cf` with `:` instead of `|` between address and hash
 *   (Dovecot's passwd-file separator, a plausible slip).
 * - `dkim-key-path`: every DKIM private key path in the signer's config (rspamd's
 *   `dkim_signing.conf`, OpenDKIM's `KeyTable`) points one folder off, at a file that is not there.
 *
 * See docs/testing.md ("Breaking a file on purpose") for which cases fail with each.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const BREAKS = ["accounts-separator", "dkim-key-path"] as const;
export type Break = (typeof BREAKS)[number];

/** The breaks `DMS_E2E_BREAK` asks for; an unknown name is an error, never ignored. */
export function requestedBreaks(env: NodeJS.ProcessEnv = process.env): Break[] {
  const raw = env.DMS_E2E_BREAK?.trim();
  if (raw === undefined || raw === "") return [];
  const names = raw.split(",").map((s) => s.trim());
  const unknown = names.filter((n) => !(BREAKS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new Error(`DMS_E2E_BREAK: unknown ${unknown.join(", ")}; known: ${BREAKS.join(", ")}`);
  }
  return names as Break[];
}

/** `content` of the config file at `path` (relative to the config volume) with the breaks applied. */
export function breakFile(path: string, content: string, breaks: readonly Break[]): string {
  let out = content;
  for (const b of breaks) {
    switch (b) {
      case "accounts-separator":
        if (path === "postfix-accounts.cf") out = out.replace(/^([^|\n]+)\|/gm, "$1:");
        break;
      case "dkim-key-path":
        if (path === "rspamd/override.d/dkim_signing.conf") {
          out = out.replace(/(path = "[^"]*)\/rspamd\/dkim\//g, "$1/rspamd/dkim-broken/");
        } else if (path === "opendkim/KeyTable") {
          out = out.replace(/:\/etc\/opendkim\/keys\//g, ":/etc/opendkim/keys-broken/");
        }
        break;
      default: {
        const _: never = b;
        throw new Error(`unknown break ${String(_)}`);
      }
    }
  }
  return out;
}

/**
 * Applies the requested breaks to a `plan --out` folder's config files in place; returns the
 * paths it changed (so a run with a break that touched nothing fails loudly instead of passing).
 */
export function breakPlanOut(dir: string, written: readonly string[], breaks: readonly Break[]) {
  const changed: string[] = [];
  for (const rel of written) {
    if (!rel.startsWith("config/")) continue;
    const file = join(dir, rel);
    const before = readFileSync(file, "utf8");
    const after = breakFile(rel.slice("config/".length), before, breaks);
    if (after !== before) {
      writeFileSync(file, after);
      changed.push(rel);
    }
  }
  return changed;
}
