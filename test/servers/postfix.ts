/**
 * A private Postfix instance from Debian's `postfix` package, for tests that need a real SMTP peer:
 * its own config, queue and data directories in a temp dir, listening on loopback (or on an address
 * inside a network namespace the test made) on ports the test chooses, with TLS from a test CA.
 *
 * Port `smtp` speaks SMTP with opportunistic STARTTLS (`smtpd_tls_security_level = may`, as DMS
 * does on 25, docs/dms-contract.md#ports); port `submissions` is implicit TLS (`smtpd_tls_wrappermode`,
 * as DMS does on 465). Local delivery is disabled: the instance accepts connections, not mail.
 *
 * Under `CI=true` a missing `postfix` is a failure (the test command installs it), never a skip.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM material of a test CA and a server certificate it signed. */
export interface TestCertificates {
  readonly dir: string;
  readonly caCertFile: string;
  readonly caCertPem: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate's subject CN and only DNS SAN. */
  readonly hostname: string;
}

/** Certificate directories outlive the servers using them, so they go when the test file ends. */
const certDirs = new Set<string>();
function removeAtExit(dir: string): void {
  if (certDirs.size === 0) {
    process.once("exit", () => {
      for (const d of certDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  certDirs.add(dir);
}

/**
 * Makes a test CA and a server certificate for `hostname` (SAN DNS) with `openssl`, valid for 30
 * days, or `expired` (January 2020). `selfSigned` makes the server certificate its own issuer.
 */
export function makeTestCertificates(
  hostname: string,
  options: { readonly selfSigned?: boolean; readonly expired?: boolean } = {},
): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "dms-certs-"));
  removeAtExit(dir);
  const run = (args: string[]): void => {
    const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed:\n${r.stderr}`);
  };
  const caKey = join(dir, "ca.key");
  const caCert = join(dir, "ca.pem");
  const key = join(dir, "server.key");
  const cert = join(dir, "server.pem");
  const ext = join(dir, "server.ext");
  writeFileSync(
    ext,
    [
      `subjectAltName = DNS:${hostname}`,
      "basicConstraints = CA:FALSE",
      "keyUsage = digitalSignature, keyEncipherment",
      "extendedKeyUsage = serverAuth",
      "",
    ].join("\n"),
  );
  run(["genrsa", "-out", caKey, "2048"]);
  run([
    "req",
    "-x509",
    "-new",
    "-key",
    caKey,
    "-sha256",
    "-days",
    "30",
    "-subj",
    "/CN=dms test CA",
    "-out",
    caCert,
  ]);
  run(["genrsa", "-out", key, "2048"]);
  if (options.selfSigned) {
    run([
      "req",
      "-x509",
      "-new",
      "-key",
      key,
      "-sha256",
      "-days",
      "30",
      "-subj",
      `/CN=${hostname}`,
      "-addext",
      `subjectAltName = DNS:${hostname}`,
      "-out",
      cert,
    ]);
  } else {
    const csr = join(dir, "server.csr");
    run(["req", "-new", "-key", key, "-subj", `/CN=${hostname}`, "-out", csr]);
    // `openssl ca` rather than `x509 -req`: it takes explicit start and end dates (OpenSSL 3.0's
    // x509 has no -not_before), which an expired certificate needs.
    writeFileSync(join(dir, "index.txt"), "");
    writeFileSync(join(dir, "serial"), "1000\n");
    writeFileSync(
      join(dir, "ca.cnf"),
      [
        "[ca]",
        "default_ca = test_ca",
        "[test_ca]",
        `database = ${join(dir, "index.txt")}`,
        `new_certs_dir = ${dir}`,
        `serial = ${join(dir, "serial")}`,
        "default_md = sha256",
        "policy = any",
        "unique_subject = no",
        "[any]",
        "commonName = supplied",
        "",
      ].join("\n"),
    );
    const dates = options.expired
      ? ["-startdate", "20200101000000Z", "-enddate", "20200201000000Z"]
      : ["-days", "30"];
    run([
      "ca",
      "-batch",
      "-notext",
      "-config",
      join(dir, "ca.cnf"),
      "-cert",
      caCert,
      "-keyfile",
      caKey,
      "-in",
      csr,
      "-out",
      cert,
      "-extfile",
      ext,
      ...dates,
    ]);
  }
  return {
    dir,
    caCertFile: caCert,
    caCertPem: readFileSync(caCert, "utf8"),
    certFile: cert,
    keyFile: key,
    hostname,
  };
}

/** One listener of the instance. */
export interface PostfixListener {
  readonly address: string;
  readonly port: number;
  /** `smtp`: plain with STARTTLS offered; `submissions`: implicit TLS (wrapper mode). */
  readonly kind: "smtp" | "submissions";
}

export interface PostfixOptions {
  /** `myhostname`, named in the banner. */
  readonly hostname: string;
  readonly listeners: readonly PostfixListener[];
  /** TLS certificate and key; without them STARTTLS is not offered and `submissions` is refused. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Run inside this network namespace (`ip netns exec`). */
  readonly netns?: string;
}

export interface PostfixServer {
  readonly dir: string;
  /** The instance's own log (`maillog_file`), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

const POSTFIX = "/usr/sbin/postfix";

/** Whether Debian's postfix is installed. */
export function postfixAvailable(): boolean {
  return (
    spawnSync(POSTFIX, ["-c", "/nonexistent", "status"], { stdio: "ignore" }).error === undefined
  );
}

/** Starts the instance; resolves once every listener accepts connections (at most 10 s). */
export async function startPostfix(options: PostfixOptions): Promise<PostfixServer> {
  const dir = mkdtempSync(join(tmpdir(), "dms-postfix-"));
  const conf = join(dir, "etc");
  const queue = join(dir, "queue");
  const data = join(dir, "data");
  for (const d of [conf, queue, data]) mkdirSync(d, { recursive: true });
  // Postfix daemons run as the `postfix` user: they must reach the queue and own the data dir.
  chmodSync(dir, 0o755);
  const owner = postfixOwner();
  chownSync(data, owner.uid, owner.gid);
  const logFile = join(dir, "maillog");
  const main = [
    "compatibility_level = 3.6",
    `queue_directory = ${queue}`,
    `data_directory = ${data}`,
    "mail_owner = postfix",
    "setgid_group = postdrop",
    `myhostname = ${options.hostname}`,
    `mydomain = ${options.hostname.split(".").slice(1).join(".")}`,
    `inet_interfaces = ${[...new Set(options.listeners.map((l) => l.address))].join(", ")}`,
    "inet_protocols = ipv4",
    "mydestination =",
    "local_transport = error:local delivery is disabled",
    "alias_maps =",
    "alias_database =",
    "smtputf8_enable = no",
    "smtpd_banner = $myhostname ESMTP",
    `syslog_name = dms-test-${process.pid}`,
    `maillog_file = ${logFile}`,
    `maillog_file_prefixes = ${dir}`,
    ...(options.tls
      ? [
          `smtpd_tls_cert_file = ${options.tls.certFile}`,
          `smtpd_tls_key_file = ${options.tls.keyFile}`,
          "smtpd_tls_security_level = may",
        ]
      : ["smtpd_tls_security_level = none"]),
    "",
  ].join("\n");
  const listeners = options.listeners.map((l) =>
    l.kind === "smtp"
      ? `${l.address}:${l.port} inet n - n - - smtpd`
      : `${l.address}:${l.port} inet n - n - - smtpd\n  -o smtpd_tls_wrappermode=yes\n  -o smtpd_tls_security_level=encrypt`,
  );
  // chroot off everywhere ("n" in the fifth column): the instance lives in a temp dir.
  const master = [
    ...listeners,
    "pickup unix n - n 60 1 pickup",
    "cleanup unix n - n - 0 cleanup",
    "qmgr unix n - n 300 1 qmgr",
    "tlsmgr unix - - n 1000? 1 tlsmgr",
    "rewrite unix - - n - - trivial-rewrite",
    "bounce unix - - n - 0 bounce",
    "defer unix - - n - 0 bounce",
    "trace unix - - n - 0 bounce",
    "verify unix - - n - 1 verify",
    "flush unix n - n 1000? 0 flush",
    "proxymap unix - - n - - proxymap",
    "smtp unix - - n - - smtp",
    "showq unix n - n - - showq",
    "error unix - - n - - error",
    "retry unix - - n - - error",
    "discard unix - - n - - discard",
    "anvil unix - - n - 1 anvil",
    "scache unix - - n - 1 scache",
    "postlog unix-dgram n - n - 1 postlogd",
    "",
  ].join("\n");
  writeFileSync(join(conf, "main.cf"), main);
  writeFileSync(join(conf, "master.cf"), master);
  const prefix = options.netns ? ["ip", "netns", "exec", options.netns] : [];
  const postfix = (action: string) => {
    const argv = [...prefix, POSTFIX, "-c", conf, action];
    return spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 20_000 });
  };
  const log = (): string => {
    try {
      return readFileSync(logFile, "utf8");
    } catch {
      return "";
    }
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    postfix("stop");
    // `postfix stop` waits for master to exit; kill leftovers (bounded) if it did not.
    for (let i = 0; i < 50; i++) {
      if (!masterRunning(data)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (masterRunning(data)) postfix("abort");
    rmSync(dir, { recursive: true, force: true });
  };
  const started = postfix("start");
  if (started.status !== 0) {
    const out = `${started.stdout}${started.stderr}\n${log()}`;
    await stop();
    throw new Error(`postfix did not start:\n${out.slice(-3000)}`);
  }
  // Bounded readiness wait: 100 tries, 100 ms apart, each listener must accept a connection.
  for (let i = 0; i < 100; i++) {
    const ready = await Promise.all(
      options.listeners.map((l) =>
        options.netns ? netnsAccepts(options.netns, l) : accepts(l.address, l.port),
      ),
    );
    if (ready.every(Boolean)) return { dir, log, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  const out = log();
  await stop();
  throw new Error(`postfix did not listen in time:\n${out.slice(-3000)}`);
}

function postfixOwner(): { uid: number; gid: number } {
  const id = (flag: string) =>
    Number(spawnSync("id", [flag, "postfix"], { encoding: "utf8" }).stdout.trim());
  const uid = id("-u");
  const gid = id("-g");
  if (!Number.isInteger(uid) || uid <= 0)
    throw new Error("no `postfix` user: is postfix installed?");
  return { uid, gid };
}

function masterRunning(dataDir: string): boolean {
  try {
    const pid = Number(readFileSync(join(dataDir, "master.lock"), "utf8").trim());
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: address, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(500, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

function netnsAccepts(netns: string, l: PostfixListener): Promise<boolean> {
  const r = spawnSync(
    "ip",
    ["netns", "exec", netns, "bash", "-c", `exec 3<>/dev/tcp/${l.address}/${l.port}`],
    { stdio: "ignore", timeout: 2000 },
  );
  return Promise.resolve(r.status === 0);
}
