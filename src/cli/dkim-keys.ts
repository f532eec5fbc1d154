/** Where `dmsctl` finds DKIM keys a previous `plan --out` wrote. */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { cmp } from "../spec/findings";
import { isDkimKeyFile } from "../dms/files";

/**
 * A DKIM private key for `domain`/`selector` already in a DMS config directory, in either engine's
 * layout (docs/dms-contract.md#file-formats): `opendkim/keys/<d>/<s>.private` or
 * `rspamd/dkim/rsa-<bits>-<s>-<d>.private.txt`. Like DMS's own `setup config dkim`, an existing
 * key is kept, never regenerated, so re-running `--out` is idempotent.
 */
export function findKeyInConfig(
  configDir: string,
  domain: string,
  selector: string,
): string | undefined {
  const opendkim = join(configDir, "opendkim", "keys", domain, `${selector}.private`);
  if (existsSync(opendkim)) return opendkim;
  const rspamdDir = join(configDir, "rspamd", "dkim");
  if (!existsSync(rspamdDir)) return undefined;
  const match = readdirSync(rspamdDir)
    .filter((f) => isDkimKeyFile(`rspamd/dkim/${f}`, domain, selector))
    .sort(cmp)[0];
  return match === undefined ? undefined : join(rspamdDir, match);
}
