/**
 * The parts of `mailauth` the DNS checks use, loaded on first use, not at import: it (with joi,
 * libmime, ...) costs ~50 ms, and importing the package must stay cheap for Pulumi programs that
 * never verify (bench/import). Sub-modules only: the top-level module also loads BIMI and its HTTP
 * client (undici), unused here.
 */
import type * as MailauthSpf from "mailauth/lib/spf";
import type * as MailauthDkimSign from "mailauth/lib/dkim/sign";
import type * as MailauthDkimVerify from "mailauth/lib/dkim/verify";
/* eslint-disable @typescript-eslint/no-require-imports */
export const spf: typeof MailauthSpf.spf = (...args) =>
  (require("mailauth/lib/spf") as typeof MailauthSpf).spf(...args);
export const dkimSign: typeof MailauthDkimSign.dkimSign = (...args) =>
  (require("mailauth/lib/dkim/sign") as typeof MailauthDkimSign).dkimSign(...args);
export const dkimVerify: typeof MailauthDkimVerify.dkimVerify = (...args) =>
  (require("mailauth/lib/dkim/verify") as typeof MailauthDkimVerify).dkimVerify(...args);
export const dmarcRecord = () =>
  require("mailauth/lib/dmarc/get-dmarc-record") as {
    getOrgDomain(domain: string, lookup: unknown): Promise<string>;
    createRecordLookup(resolver: unknown, opts: unknown): unknown;
  };
/* eslint-enable @typescript-eslint/no-require-imports */
