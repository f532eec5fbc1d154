/**
 * A real BIND 9 (`named`) on loopback for tests: authoritative for the zones given as text, on a
 * free port, in a temporary directory. The harness starts it and stops it; under `CI=true` a missing
 * `named` is a failure (the test command installs it), never a skip.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface BindServer {
  /** The loopback address it listens on: `127.0.0.1` unless {@link BindOptions.address} says otherwise. */
  readonly address: string;
  readonly port: number;
  /** `127.0.0.1:<port>`, the form `--resolver` takes. */
  readonly hostPort: string;
  /** The TSIG key (hmac-sha256) allowed to send RFC 2136 updates, when requested. */
  readonly tsig?: { readonly name: string; readonly secret: string };
  stop(): Promise<void>;
}

export interface BindOptions {
  /** Zone apex -> zone file text. */
  readonly zones: Readonly<Record<string, string>>;
  /** Allow RFC 2136 updates signed with a generated TSIG key. */
  readonly allowUpdates?: boolean;
  /**
   * Listen on this loopback address instead of `127.0.0.1`, e.g. `127.0.0.53` with `port: 53` for
   * a `resolv.conf` (which cannot name a port). @default "127.0.0.1"
   */
  readonly address?: string;
  /** Listen on this port. @default a free port */
  readonly port?: number;
  /**
   * Act as a recursive resolver for these zones: zone apex -> `host:port` of the server to
   * forward to (another BIND of this harness). Such a server answers a question at a CNAME with
   * the chain and the target's records, as a receiver's resolver does. @default none
   */
  readonly forward?: Readonly<Record<string, string>>;
}

const NAMED = ["/usr/sbin/named", "named"];

/** Whether `named` is installed. */
export function bindAvailable(): boolean {
  return NAMED.some((bin) => spawnSync(bin, ["-v"], { stdio: "ignore" }).status === 0);
}

/** A free TCP port on loopback (named also binds UDP on it; collisions are retried by the caller). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts named; resolves once it answers SOA for every zone (at most 10 s). */
export async function startBind(options: BindOptions): Promise<BindServer> {
  const bin = NAMED.find((b) => spawnSync(b, ["-v"], { stdio: "ignore" }).status === 0);
  if (!bin) throw new Error("named (BIND 9) is not installed: run scripts/ensure-system-deps.sh");
  const dir = mkdtempSync(join(tmpdir(), "dms-bind-"));
  const address = options.address ?? "127.0.0.1";
  const port = options.port ?? (await freePort());
  const tsig = options.allowUpdates
    ? {
        name: "dms-test-key",
        secret: Buffer.from(`dms-test-${port}-secret-key-material`).toString("base64"),
      }
    : undefined;
  const zoneBlocks = Object.keys(options.zones)
    .sort()
    .map((zone, i) => {
      const file = join(dir, `zone${i}.db`);
      writeFileSync(file, options.zones[zone]!);
      const update = tsig ? `allow-update { key "${tsig.name}"; };` : "";
      return `zone "${zone}" { type primary; file "${file}"; ${update} };`;
    });
  const forward = options.forward ?? {};
  for (const zone of Object.keys(forward).sort()) {
    const [host, fport] = forward[zone]!.split(":");
    zoneBlocks.push(
      `zone "${zone}" { type forward; forward only; forwarders { ${host} port ${fport}; }; };`,
    );
  }
  const recursive = Object.keys(forward).length > 0;
  const conf = [
    tsig ? `key "${tsig.name}" { algorithm hmac-sha256; secret "${tsig.secret}"; };` : "",
    "options {",
    `  directory "${dir}";`,
    `  listen-on port ${port} { ${address}; };`,
    "  listen-on-v6 { none; };",
    recursive
      ? "  recursion yes; allow-recursion { any; }; minimal-responses no;"
      : "  recursion no;",
    "  dnssec-validation no;",
    `  pid-file "${join(dir, "named.pid")}";`,
    `  session-keyfile "${join(dir, "session.key")}";`,
    `  managed-keys-directory "${dir}";`,
    "  notify no;",
    "};",
    // No rndc channel: it would bind 127.0.0.1:953 and collide between parallel test servers.
    "controls { };",
    ...zoneBlocks,
    "",
  ].join("\n");
  const confFile = join(dir, "named.conf");
  writeFileSync(confFile, conf);
  const child: ChildProcess = spawn(bin, ["-g", "-c", confFile], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (process.env.DMS_BIND_LOG) process.stderr.write(log);
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Bounded readiness wait: 100 tries, 100 ms apart.
  const zones = [...Object.keys(options.zones), ...Object.keys(forward)];
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    // `dig +short` prints errors (";; communications error ...") on stdout too, so only an SOA
    // rdata line counts as an answer.
    const ready = zones.every((z) =>
      /^\S+\. \S+\. \d+ /.test(
        spawnSync(
          "dig",
          ["+short", "+time=1", "+tries=1", "-p", String(port), `@${address}`, z, "SOA"],
          {
            encoding: "utf8",
          },
        ).stdout,
      ),
    );
    if (ready) return { address, port, hostPort: `${address}:${port}`, tsig, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`named did not become ready on ${address} port ${port}:\n${log.slice(-3000)}`);
}
