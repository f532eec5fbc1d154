/**
 * The DNS adapters, by provider kind. Importing this module loads no cloud SDK: the Cloudflare and
 * Route53 adapters require theirs on first `createRecords`.
 */
import type { DnsProviderKind } from "../../records/types";
import { cloudflareAdapter } from "./cloudflare";
import { route53Adapter } from "./route53";
import { zonefileAdapter } from "./zonefile";
import type { DnsAdapter } from "./types";

export * from "./types";
export { slug, recordSetChildName, recordValueChildName } from "./common";
export { cloudflareAdapter, cloudflareValue, CLOUDFLARE_CAPABILITIES } from "./cloudflare";
export { route53Adapter, route53Value, ROUTE53_CAPABILITIES } from "./route53";
export { zonefileAdapter, ZONEFILE_CAPABILITIES } from "./zonefile";
export {
  customAdapter,
  type CustomDnsFactory,
  type CustomRecordRequest,
  type CustomAdapterOptions,
} from "./custom";

/** The built-in adapter for a spec's `dns.provider`. */
export function adapterFor(kind: DnsProviderKind): DnsAdapter {
  switch (kind) {
    case "cloudflare":
      return cloudflareAdapter;
    case "route53":
      return route53Adapter;
    case "zonefile":
      return zonefileAdapter;
    default: {
      const _: never = kind;
      throw new Error(`unknown DNS provider ${String(_)}`);
    }
  }
}
