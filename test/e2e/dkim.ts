/**
 * DKIM verification of a delivered message with `mailauth`, asking the BIND that serves the
 * planned zones: the verdict a receiving server would reach with those zones published.
 */
import { dkimVerify } from "mailauth/lib/dkim/verify";

/** One signature's verdict. */
export interface DkimVerdict {
  readonly domain: string;
  readonly selector: string;
  /** `pass`, `fail`, `neutral`, `policy`, `temperror`, `permerror`, `none`. */
  readonly result: string;
  readonly comment?: string;
}

/**
 * Verifies every DKIM signature of `raw` (a Maildir file: LF line ends, turned into the CRLF of
 * the wire before canonicalization) with `resolve` as the DNS.
 */
export async function dkimResults(
  raw: string,
  resolve: (name: string, rr: string) => Promise<unknown>,
): Promise<DkimVerdict[]> {
  const wire = raw.replace(/\r?\n/g, "\r\n");
  const out = await dkimVerify(wire, { resolver: resolve as never });
  return out.results.map((r) => ({
    domain: r.signingDomain ?? "",
    selector: r.selector ?? "",
    result: r.status?.result ?? "none",
    ...(r.status?.comment ? { comment: String(r.status.comment) } : {}),
  }));
}
