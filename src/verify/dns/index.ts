/**
 * DNS checks: what a receiving server looks up about us, asked of one DNS server (the `DnsClient`,
 * `--resolver HOST:PORT`) and compared with the plan. SPF is evaluated and DKIM signatures are
 * verified with `mailauth`, given a resolver that asks the same server, so the verdict is the one a
 * receiver running the same library would reach.
 *
 * A check whose precondition failed is skipped, not failed, so a broken record names exactly one
 * failing check (two SPF records fail `spf-single-record`; `spf-pass` is then skipped).
 */
export { declaredIps, mailauthResolver, type DnsCheckContext } from "./context";
export { checkMx } from "./mx";
export { checkHostAddresses } from "./addresses";
export { checkPtr } from "./ptr";
export { checkHeloSpf, checkSpf, countSpfLookups, isSpf, SPF_LOOKUP_LIMIT } from "./spf";
export { checkDkim } from "./dkim";
export { checkDmarc, isDmarc } from "./dmarc";
export { checkMtaStsAndTlsRpt } from "./mta-sts";
export { checkDnsbls } from "./dnsbl";
