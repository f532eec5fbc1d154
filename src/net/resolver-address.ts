/**
 * `--resolver HOST[:PORT]` for the commands that ask DNS (`verify`, `diff`). Node's resolver
 * (c-ares) takes addresses only, so a host name such as an authoritative `ns1.example.net:53` is
 * looked up first with the system resolver.
 */
import { promises as dnsPromises } from "node:dns";
import { isIP } from "node:net";

/**
 * `--resolver` as the DNS client wants it: an address and port. A host name (an authoritative
 * server such as `ns1.example.net:53`) is looked up first, since c-ares takes addresses only.
 */
export async function resolverAddress(resolver: string, timeoutMs = 5000): Promise<string> {
  if (resolver.startsWith("[") || resolver.split(":").length > 2) return resolver;
  const [host, port] = resolver.split(":");
  if (isIP(host!) !== 0) return resolver;
  // getaddrinfo has no timeout of its own: bound it, so a dead system resolver cannot hang dmsctl.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`looking up ${host} took longer than ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  const { address, family } = await Promise.race([dnsPromises.lookup(host!), timeout]).finally(() =>
    clearTimeout(timer),
  );
  const addr = family === 6 ? `[${address}]` : address;
  return port === undefined ? address : `${addr}:${port}`;
}
