/**
 * Two network namespaces joined by a veth pair, for tests of outbound port 25: a "mail host"
 * namespace whose nftables output chain drops or rejects TCP to chosen ports (as a cloud provider
 * does), and a "remote" namespace where the test runs an SMTP peer (Postfix or a tiny server).
 *
 * Addresses live only on the veth pair the harness creates, inside namespaces it creates, so the
 * test never touches the machine's own interfaces or routes. Everything is removed by `stop()`, and
 * by an exit hook if a test dies first. Needs root (`ip netns`, `nft`); under `CI=true` a missing
 * `ip` or `nft` is a failure, never a skip.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";

/** What the mail host's firewall does to outbound TCP on the blocked ports. */
export type OutboundPolicy = "allow" | "drop" | "reject";

export interface NetnsPairOptions {
  /** @default "allow" */
  readonly outbound?: OutboundPolicy;
  /** Destination TCP ports the policy applies to. @default [25] */
  readonly ports?: readonly number[];
}

export interface NetnsPair {
  /** The mail host namespace (probes run here). */
  readonly host: string;
  /** The remote namespace (the SMTP peer listens here). */
  readonly remote: string;
  /** The host side's address on the veth pair. */
  readonly hostAddress: string;
  /** The remote side's address on the veth pair: the probe's target. */
  readonly remoteAddress: string;
  /** Runs `argv` inside the host namespace, bounded by `timeoutMs`. */
  execInHost(argv: readonly string[], timeoutMs: number): SpawnSyncReturns<string>;
  stop(): Promise<void>;
}

let counter = 0;
const live = new Set<string>();
process.once("exit", () => {
  for (const ns of live) spawnSync("ip", ["netns", "del", ns], { stdio: "ignore" });
});

/** Whether `ip netns` and `nft` are usable here (installed, and we are root). */
export function netnsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const ip = spawnSync("ip", ["netns", "list"], { stdio: "ignore" });
  const nft = spawnSync("nft", ["--version"], { stdio: "ignore" });
  return ip.status === 0 && nft.status === 0;
}

function run(argv: readonly string[], input?: string): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", input, timeout: 10_000 });
  if (r.status !== 0) {
    throw new Error(`${argv.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr}`);
  }
}

/** Creates the pair, addresses it and installs the policy. */
export async function createNetnsPair(options: NetnsPairOptions = {}): Promise<NetnsPair> {
  const id = `${process.pid}x${counter++}`;
  const host = `dmsv-${id}-h`;
  const remote = `dmsv-${id}-r`;
  // 10.254.0.0/30 only ever exists inside these two namespaces, so parallel pairs never collide.
  const hostAddress = "10.254.0.1";
  const remoteAddress = "10.254.0.2";
  const created: string[] = [];
  const stop = async (): Promise<void> => {
    for (const ns of created.splice(0)) {
      spawnSync("ip", ["netns", "del", ns], { stdio: "ignore", timeout: 10_000 });
      live.delete(ns);
    }
  };
  try {
    for (const ns of [host, remote]) {
      run(["ip", "netns", "add", ns]);
      created.push(ns);
      live.add(ns);
      run(["ip", "-n", ns, "link", "set", "lo", "up"]);
    }
    // Created inside the namespaces directly: no interface ever appears in the root namespace.
    run([
      "ip",
      "-n",
      host,
      "link",
      "add",
      "veth0",
      "type",
      "veth",
      "peer",
      "name",
      "veth0",
      "netns",
      remote,
    ]);
    run(["ip", "-n", host, "addr", "add", `${hostAddress}/30`, "dev", "veth0"]);
    run(["ip", "-n", remote, "addr", "add", `${remoteAddress}/30`, "dev", "veth0"]);
    run(["ip", "-n", host, "link", "set", "veth0", "up"]);
    run(["ip", "-n", remote, "link", "set", "veth0", "up"]);
    const outbound = options.outbound ?? "allow";
    if (outbound !== "allow") {
      const ports = (options.ports ?? [25]).join(", ");
      // `drop`: no SYN-ACK ever comes back (the usual cloud block). `reject with tcp reset`: an
      // immediate RST, which the client sees as ECONNREFUSED.
      const verdict = outbound === "drop" ? "drop" : "reject with tcp reset";
      const ruleset = [
        "table inet dmstest {",
        "  chain output {",
        "    type filter hook output priority 0; policy accept;",
        `    tcp dport { ${ports} } ${verdict}`,
        "  }",
        "}",
        "",
      ].join("\n");
      run(["ip", "netns", "exec", host, "nft", "-f", "-"], ruleset);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    host,
    remote,
    hostAddress,
    remoteAddress,
    execInHost: (argv, timeoutMs) =>
      spawnSync("ip", ["netns", "exec", host, ...argv], { encoding: "utf8", timeout: timeoutMs }),
    stop,
  };
}
