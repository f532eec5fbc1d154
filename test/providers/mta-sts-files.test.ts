/**
 * Files-only MTA-STS hosting: the nginx and Caddy snippets, run in a real nginx and a real Caddy
 * (Debian's packages) on loopback with a test CA certificate, serve the planned policy so that
 * every `mta-sts-policy-*` check passes. Only the paths a test cannot use (the certificate files,
 * the web root, port 443) are rewritten; the directives are the snippets' own.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { bindAvailable, freePort, startBind, type BindServer } from "../servers/bind";
import { makeTestCertificates, type TestCertificates } from "../servers/postfix";
import { requireTool } from "../verify/peers";
import { makeFixture } from "../verify/fixture";
import { DnsClient } from "../../src/net/dns";
import {
  mtaStsCaddySnippet,
  mtaStsNginxSnippet,
  mtaStsPolicyPath,
} from "../../src/providers/mta-sts/files";
import { checkMtaStsPolicy, MTA_STS_POLICY_IDS } from "../../src/verify/mta-sts-fetch";

const has = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;
const skip =
  requireTool(bindAvailable(), "named (BIND 9)") ||
  requireTool(has("nginx"), "nginx") ||
  requireTool(has("caddy"), "caddy");

/** Resolves once something accepts TCP on the port (at most 10 s), or rejects. */
async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: "127.0.0.1", port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port} after 10 s: ${log()}`);
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

describe("files hosting: the snippets in real web servers", { skip }, () => {
  const fx = makeFixture();
  const domain = fx.spec.domains.find((d) => d.name === "example.com")!;
  const policy = fx.plan.mtaStsPolicies!.find((p) => p.domain === "example.com")!;
  const dir = mkdtempSync(join(tmpdir(), "dms-mta-sts-files-"));
  const root = join(dir, "www");
  let bind: BindServer;
  let certs: TestCertificates;
  before(async () => {
    const zone = `${fx.zones["example.com"]}mta-sts 300 IN A 127.0.0.1\n`;
    bind = await startBind({ zones: { "example.com": zone } });
    certs = makeTestCertificates("mta-sts.example.com");
    const policyFile = join(root, "example.com", ".well-known", "mta-sts.txt");
    mkdirSync(join(root, "example.com", ".well-known"), { recursive: true });
    writeFileSync(policyFile, policy.text);
    // nginx's workers drop root for an unprivileged user, which must be able to read the root.
    chmodSync(dir, 0o755);
  });
  after(async () => {
    await bind?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function verifyOn(port: number) {
    return checkMtaStsPolicy(
      { plan: fx.plan, dns: new DnsClient({ server: bind.hostPort, timeoutMs: 3000 }) },
      domain,
      { port, ca: certs.caCertPem, timeoutMs: 5000 },
    );
  }
  /** Waits for the web server on `port`, runs every policy check through it, stops it. */
  async function servesEveryCheck(port: number, child: ChildProcess): Promise<void> {
    let out = "";
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    try {
      await waitForPort(port, child, () => out);
      const checks = await verifyOn(port);
      assert.deepEqual(
        checks.filter((c) => c.status !== "pass").map((c) => c.message),
        [],
      );
      assert.deepEqual(
        checks.map((c) => [c.id, c.status]),
        MTA_STS_POLICY_IDS.map((id) => [id, "pass"]),
      );
    } finally {
      await stop(child);
    }
  }
  const localize = (snippet: string, port: number) =>
    snippet
      .split("/var/www/mta-sts")
      .join(root)
      .replace(/listen 443 ssl;/, `listen 127.0.0.1:${port} ssl;`)
      .replace(/\n\s*listen \[::\]:443 ssl;/, "")
      .replace(/\/etc\/letsencrypt\/live\/[^/]+\/fullchain\.pem/, certs.certFile)
      .replace(/\/etc\/letsencrypt\/live\/[^/]+\/privkey\.pem/, certs.keyFile);

  test("nginx", async () => {
    assert.equal(
      mtaStsPolicyPath("example.com"),
      "/var/www/mta-sts/example.com/.well-known/mta-sts.txt",
    );
    const port = await freePort();
    const conf = join(dir, "nginx.conf");
    writeFileSync(
      conf,
      [
        `pid ${join(dir, "nginx.pid")};`,
        `error_log ${join(dir, "nginx-error.log")};`,
        "daemon off;",
        "events {}",
        "http {",
        `  access_log off;`,
        `  client_body_temp_path ${dir}/nginx-body;`,
        `  proxy_temp_path ${dir}/nginx-proxy;`,
        `  fastcgi_temp_path ${dir}/nginx-fastcgi;`,
        `  uwsgi_temp_path ${dir}/nginx-uwsgi;`,
        `  scgi_temp_path ${dir}/nginx-scgi;`,
        "  default_type application/octet-stream;",
        localize(mtaStsNginxSnippet("example.com"), port),
        "}",
        "",
      ].join("\n"),
    );
    await servesEveryCheck(
      port,
      spawn("nginx", ["-c", conf, "-e", join(dir, "nginx-error.log")], {
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
  });

  test("Caddy", async () => {
    const port = await freePort();
    const file = join(dir, "Caddyfile");
    const site = localize(mtaStsCaddySnippet("example.com"), port).replace(
      /^mta-sts\.example\.com \{$/m,
      `https://mta-sts.example.com:${port} {\n    tls ${certs.certFile} ${certs.keyFile}\n    bind 127.0.0.1`,
    );
    writeFileSync(
      file,
      [
        `{\n    admin off\n    auto_https disable_redirects\n    storage file_system ${dir}/caddy\n}`,
        site,
      ].join("\n"),
    );
    await servesEveryCheck(
      port,
      spawn("caddy", ["run", "--config", file, "--adapter", "caddyfile"], {
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
      }),
    );
  });
});
