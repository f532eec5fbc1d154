/**
 * The rendered nftables ruleset against real TCP traffic, in network namespaces the test creates:
 *
 *   client (10.77.1.2) ──veth── host (10.77.1.1, "VPN" 10.77.3.1) ──veth── ctr (10.77.2.2)
 *
 * `host` forwards, has our ruleset loaded, and imitates Docker: a nat table DNATs the published
 * ports arriving from the client side to `ctr` (the container) and masquerades `ctr`'s outgoing
 * connections. Listeners are tiny Node TCP servers. A dropped connection is a connect timeout with
 * a short bound; an accepted one completes the handshake. Under `CI=true` missing `ip`/`nft` or
 * root is a failure, never a skip; every namespace is deleted afterwards.
 */
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import type { PortRule } from "../../src/dms/types";
import { renderNftables } from "../../src/providers/host/nftables";
import { PORTS as SHARED_PORTS, port } from "./port-rules";
import { netnsAvailable } from "../servers/netns";
import { requireTool } from "../verify/peers";

const skip = requireTool(netnsAvailable(), "ip netns and nft (as root)");

const VPN = "10.77.3.1";
/** The shared PORTS, plus private services bound to a VPN address. */
const PORTS: PortRule[] = [
  ...SHARED_PORTS,
  // Docker-published on the VPN address only (forward path).
  port({ service: "managesieve", port: 4190, expose: "private", bind: [VPN], allowFrom: [] }),
  // A host-networking listener (input path), private on the VPN address.
  port({ service: "pop3s", port: 995, expose: "private", bind: [VPN], allowFrom: [] }),
];

const CONNECT_TIMEOUT_MS = 700;
const id = `${process.pid}`;
const NS = { client: `dmsnt-${id}-c`, host: `dmsnt-${id}-h`, ctr: `dmsnt-${id}-k` };
const HOST_C = "10.77.1.1";
const CLIENT = "10.77.1.2";
const CTR = "10.77.2.2";

function run(argv: readonly string[], input?: string): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", input, timeout: 10_000 });
  if (r.status !== 0)
    throw new Error(`${argv.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}
const inNs = (ns: string, argv: readonly string[], input?: string) =>
  run(["ip", "netns", "exec", ns, ...argv], input);

/** Connects from `ns` to `address:p`: "connected", "timeout" or "refused"/other error code. */
function connect(ns: string, address: string, p: number): string {
  const script = `const s=require("net").connect({host:${JSON.stringify(address)},port:${p},timeout:${CONNECT_TIMEOUT_MS}});
s.on("connect",()=>{console.log("connected");s.destroy()});
s.on("timeout",()=>{console.log("timeout");s.destroy()});
s.on("error",(e)=>console.log(e.code));`;
  const r = spawnSync("ip", ["netns", "exec", ns, process.execPath, "-e", script], {
    encoding: "utf8",
    timeout: 10_000,
  });
  return r.stdout.trim() || `no output (${r.status ?? r.signal}): ${r.stderr}`;
}

/** A TCP listener on `ports` inside `ns`; resolves once it printed "ready" (bounded). */
function listen(ns: string, ports: readonly number[]): Promise<ChildProcess> {
  const script = `const net=require("net");let n=0;for(const p of ${JSON.stringify(ports)}){
net.createServer((s)=>s.end()).listen(p,"0.0.0.0",()=>{if(++n===${ports.length})console.log("ready")});}`;
  const child = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", script], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`listener in ${ns} not ready in 10 s`)),
      10_000,
    );
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    child.stdout!.on("data", (d) => {
      if (String(d).includes("ready")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`listener in ${ns} exited ${code}: ${err}`));
    });
  });
}

describe("nftables ruleset with real traffic in network namespaces", { skip }, () => {
  const created: string[] = [];
  const children: ChildProcess[] = [];
  const cleanup = () => {
    for (const c of children.splice(0)) c.kill("SIGKILL");
    for (const ns of created.splice(0)) spawnSync("ip", ["netns", "del", ns], { timeout: 10_000 });
  };
  process.once("exit", cleanup);

  before(async () => {
    for (const ns of Object.values(NS)) {
      run(["ip", "netns", "add", ns]);
      created.push(ns);
      run(["ip", "-n", ns, "link", "set", "lo", "up"]);
    }
    const veth = (a: string, b: string, ifA: string, ifB: string) =>
      run(["ip", "-n", a, "link", "add", ifA, "type", "veth", "peer", "name", ifB, "netns", b]);
    veth(NS.host, NS.client, "vc", "eth0");
    veth(NS.host, NS.ctr, "vk", "eth0");
    run(["ip", "-n", NS.host, "addr", "add", `${HOST_C}/24`, "dev", "vc"]);
    run(["ip", "-n", NS.host, "addr", "add", `${VPN}/32`, "dev", "vc"]);
    run(["ip", "-n", NS.host, "addr", "add", "10.77.2.1/24", "dev", "vk"]);
    run(["ip", "-n", NS.client, "addr", "add", `${CLIENT}/24`, "dev", "eth0"]);
    run(["ip", "-n", NS.ctr, "addr", "add", `${CTR}/24`, "dev", "eth0"]);
    for (const [ns, dev] of [
      [NS.host, "vc"],
      [NS.host, "vk"],
      [NS.client, "eth0"],
      [NS.ctr, "eth0"],
    ] as const)
      run(["ip", "-n", ns, "link", "set", dev, "up"]);
    run(["ip", "-n", NS.client, "route", "add", `${VPN}/32`, "via", HOST_C]);
    run(["ip", "-n", NS.ctr, "route", "add", "default", "via", "10.77.2.1"]);
    inNs(NS.host, ["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
    // Docker's publishing, imitated: 25/993/465/143 on every host address, 4190 on the VPN
    // address only; outgoing container traffic masqueraded.
    inNs(
      NS.host,
      ["nft", "-f", "-"],
      [
        "table ip dockerish {",
        "  chain prerouting {",
        "    type nat hook prerouting priority dstnat; policy accept;",
        `    iifname "vc" tcp dport { 25, 143, 465, 993 } dnat to ${CTR}`,
        `    iifname "vc" ip daddr ${VPN} tcp dport 4190 dnat to ${CTR}`,
        "  }",
        "  chain postrouting {",
        "    type nat hook postrouting priority srcnat; policy accept;",
        `    oifname "vc" ip saddr 10.77.2.0/24 masquerade`,
        "  }",
        "}",
        "",
      ].join("\n"),
    );
    inNs(NS.host, ["nft", "-f", "-"], renderNftables(PORTS));
    children.push(await listen(NS.ctr, [25, 143, 465, 993, 4190]));
    children.push(await listen(NS.client, [143, 465, 587, 995, 4190]));
    children.push(await listen(NS.host, [995]));
  });
  after(cleanup);

  it("client -> host:993 (public, DNAT-ed to the container) connects", () => {
    assert.equal(connect(NS.client, HOST_C, 993), "connected");
    assert.equal(connect(NS.client, HOST_C, 25), "connected");
  });
  it("client -> host:143 (private, loopback only) and 465 (allowFrom elsewhere) are dropped", () => {
    // No wall-clock bound here: on a loaded machine starting node in a namespace alone can take
    // seconds, and each attempt is already bounded by connect()'s spawn timeout.
    assert.equal(connect(NS.client, HOST_C, 143), "timeout");
    assert.equal(connect(NS.client, HOST_C, 465), "timeout");
  });
  it("ctr -> client:143/465/587/995/4190 (outgoing, not DNAT-ed) connects", () => {
    for (const p of [143, 465, 587, 995, 4190])
      assert.equal(connect(NS.ctr, CLIENT, p), "connected", `outgoing to ${p}`);
  });
  it("client -> VPN:4190 (private, published on the VPN address only) connects", () => {
    assert.equal(connect(NS.client, VPN, 4190), "connected");
  });
  it("host networking: client -> VPN:995 connects, client -> host:995 is dropped", () => {
    assert.equal(connect(NS.client, VPN, 995), "connected");
    assert.equal(connect(NS.client, HOST_C, 995), "timeout");
  });
});
