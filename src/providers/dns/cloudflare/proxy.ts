/**
 * Cloudflare's proxy address ranges, a quirk of this provider: a mail host whose A/AAAA record
 * answers with one of these is proxied ("orange cloud"), and Cloudflare proxies HTTP only, so
 * SMTP, IMAP and submission to that name never reach the mail server. The adapter never proxies
 * (`proxied: false`); the preview reader reports `proxied: true` directly; for live DNS the
 * address range is the only signal, and {@link proxiedAddresses} is the audit `dmsctl diff` runs
 * on a mail host's live addresses. Plain: loads no Pulumi package.
 *
 * @see https://www.cloudflare.com/ips/ (lists verified 2025-01-15; they change rarely)
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";

/** IPv4 ranges from https://www.cloudflare.com/ips-v4. */
export const CLOUDFLARE_IPV4 = [
  "173.245.48.0/20",
  "103.21.244.0/22",
  "103.22.200.0/22",
  "103.31.4.0/22",
  "141.101.64.0/18",
  "108.162.192.0/18",
  "190.93.240.0/20",
  "188.114.96.0/20",
  "197.234.240.0/22",
  "198.41.128.0/17",
  "162.158.0.0/15",
  "104.16.0.0/13",
  "104.24.0.0/14",
  "172.64.0.0/13",
  "131.0.72.0/22",
] as const;

/** IPv6 ranges from https://www.cloudflare.com/ips-v6. */
export const CLOUDFLARE_IPV6 = [
  "2400:cb00::/32",
  "2606:4700::/32",
  "2803:f800::/32",
  "2405:b500::/32",
  "2405:8100::/32",
  "2a06:98c0::/29",
  "2c0f:f248::/32",
] as const;

let list: BlockList | undefined;

function blockList(): BlockList {
  if (list) return list;
  list = new BlockList();
  for (const cidr of CLOUDFLARE_IPV4) {
    const [net, bits] = cidr.split("/");
    list.addSubnet(net!, Number(bits), "ipv4");
  }
  for (const cidr of CLOUDFLARE_IPV6) {
    const [net, bits] = cidr.split("/");
    list.addSubnet(net!, Number(bits), "ipv6");
  }
  return list;
}

/** Whether `address` lies in one of Cloudflare's proxy ranges. */
export function isCloudflareProxyAddress(address: string): boolean {
  if (isIPv4(address)) return blockList().check(address, "ipv4");
  if (isIPv6(address)) return blockList().check(address, "ipv6");
  return false;
}

/**
 * The audit of a mail host's live A/AAAA values: those inside Cloudflare's proxy ranges, in the
 * order given. Empty when the host is not proxied.
 */
export function proxiedAddresses(values: readonly string[]): string[] {
  return values.filter(isCloudflareProxyAddress);
}
