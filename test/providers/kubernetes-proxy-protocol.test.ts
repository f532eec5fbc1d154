/**
 * `platform.proxyProtocol` on the real docker-mailserver image, the pod's container with its
 * config in the kubelet's projected-volume layout: a client whose connection carries a PROXY v1
 * header (as a load balancer sends it) reaches the proxied ports (12525 postscreen, 10587
 * submission, 10993 IMAPS) and Postfix and Dovecot log the address from the header; the normal
 * ports keep answering clients that send no header, and the probe command still passes. A
 * header-less connection to a proxied port is refused.
 *
 * The container runs on Docker's default bridge network; the test connects from the host, so
 * the PROXY header comes from the bridge gateway, which must be a trusted network.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planMailServer } from "../../src/plan/plan";
import { kubernetesObjects, objectNames } from "../../src/providers/host/kubernetes";
import { docker, ensureDocker } from "../servers/docker";
import { writeProjectedVolume } from "../servers/projected-volume";
import { DNS_RESPONDER, dmsImage, exec, poll, tlsSecret } from "./kubernetes-pod";
import {
  k8sMaterial,
  k8sSpecInput,
  newDkimKey,
  objectOf,
  validated,
  volumePayload,
} from "./kubernetes-fixtures";

const NAME = "mailserver";
const PASSWORD = "alice-proxy-password";
/** Client addresses the PROXY headers claim (TEST-NET-3, never the real peer). */
const SMTP_CLIENT = "203.0.113.45";
const IMAP_CLIENT = "203.0.113.46";
const SUBMISSION_CLIENT = "203.0.113.47";

/** A line-oriented conversation over a socket, every wait bounded. */
class Conversation {
  private buffer = "";
  private closed = false;
  constructor(private socket: Socket | TLSSocket) {
    this.attach(socket);
  }
  private attach(s: Socket | TLSSocket) {
    s.setEncoding("utf8");
    s.on("data", (d: string) => (this.buffer += d));
    s.on("close", () => (this.closed = true));
    s.on("error", () => (this.closed = true));
  }
  /** Waits for a line matching `re`; returns everything read up to it, or throws. */
  async until(re: RegExp, ms = 30_000): Promise<string> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const lines = this.buffer.split("\r\n");
      const at = lines.findIndex((l) => re.test(l));
      if (at >= 0) {
        const seen = lines.slice(0, at + 1).join("\r\n");
        this.buffer = lines.slice(at + 1).join("\r\n");
        return seen;
      }
      if (this.closed) throw new Error(`closed before ${re}: ${JSON.stringify(this.buffer)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no ${re} within ${ms} ms: ${JSON.stringify(this.buffer)}`);
  }
  /** Resolves true when the peer closes within `ms` (nothing matching `re` arrived first). */
  async closesWithout(re: RegExp, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (re.test(this.buffer)) return false;
      if (this.closed) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }
  send(line: string) {
    this.socket.write(`${line}\r\n`);
  }
  /** Continues over TLS on the same connection (after a PROXY header, for implicit TLS). */
  async startTls(): Promise<void> {
    const secure = tlsConnect({ socket: this.socket as Socket, rejectUnauthorized: false });
    await new Promise<void>((ok, fail) => {
      secure.once("secureConnect", () => ok());
      secure.once("error", fail);
    });
    this.socket = secure;
    this.attach(secure);
  }
  end() {
    this.socket.destroy();
  }
}

/** A TCP connection to `host:port`, with a PROXY v1 header claiming `client` when given. */
async function open(host: string, port: number, client?: string): Promise<Conversation> {
  const socket = connect({ host, port });
  await new Promise<void>((ok, fail) => {
    socket.once("connect", () => ok());
    socket.once("error", fail);
  });
  // PROXY protocol v1: https://github.com/haproxy/haproxy/blob/master/doc/proxy-protocol.txt
  if (client !== undefined) socket.write(`PROXY TCP4 ${client} ${host} 40000 ${port}\r\n`);
  return new Conversation(socket);
}

describe("PROXY protocol on the real DMS image, config in the kubelet's layout", () => {
  const container = `dms-k8s-proxy-${process.pid}`;
  let root = "";
  let image: string | undefined;
  let skip: string | undefined;

  before(async () => {
    if (!(await ensureDocker())) {
      skip = "no Docker engine";
      return;
    }
    image = dmsImage();
    if (image === undefined) skip = "no docker-mailserver image";
  });

  after(() => {
    if (process.env.DMS_E2E_KEEP !== "1") {
      spawnSync("docker", ["rm", "-f", "-v", container], { stdio: "ignore" });
      if (root !== "") rmSync(root, { recursive: true, force: true });
    }
  });

  it("logs the header's client address on the proxied ports; normal ports and the probe work without one", async (t) => {
    if (skip !== undefined) return t.skip(skip);
    // The connections come from the bridge's gateway: the default trusted networks (RFC 1918)
    // cover Docker's usual 172.17.0.1; any other gateway is named explicitly.
    const gateway = docker([
      "network",
      "inspect",
      "bridge",
      "-f",
      "{{(index .IPAM.Config 0).Gateway}}",
    ]).trim();
    const inDefault = /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(gateway);
    const spec = validated(
      k8sSpecInput([{ address: "alice@example.com", password: PASSWORD }], {
        platform: {
          kind: "kubernetes",
          namespace: "mail",
          tlsSecret: "mail-tls",
          proxyProtocol: inDefault ? true : { trustedNetworks: [`${gateway}/32`] },
        },
      }),
    );
    const plan = planMailServer(
      spec,
      k8sMaterial(spec, { "alice@example.com": PASSWORD }, newDkimKey()),
    );
    const objects = kubernetesObjects(plan, spec, { name: NAME });
    const sts = objectOf(objects, "StatefulSet", objectNames(NAME).statefulSet) as unknown as {
      spec: {
        template: {
          spec: {
            containers: {
              env: { name: string; value: string }[];
              ports: { name: string; containerPort: number }[];
              readinessProbe: { exec: { command: string[] } };
              securityContext?: { capabilities?: { add?: string[] } };
              volumeMounts: { name: string; mountPath: string }[];
            }[];
          };
        };
      };
    };
    const pod = sts.spec.template.spec.containers[0]!;
    const portOf = (name: string) => pod.ports.find((p) => p.name === name)!.containerPort;
    assert.deepEqual(
      ["px-smtp", "px-submission", "px-imaps"].map(portOf),
      [12525, 10587, 10993],
      "the container declares the proxied ports",
    );

    root = mkdtempSync(join(tmpdir(), "dms-k8s-proxy-"));
    const configDir = join(root, "config");
    const tlsDir = join(root, "tls");
    const dnsDir = join(root, "dns");
    mkdirSync(dnsDir);
    writeProjectedVolume(configDir, volumePayload(objects, NAME, "config"));
    writeProjectedVolume(
      tlsDir,
      volumePayload([...objects, tlsSecret(dnsDir, spec.hostname)], NAME, "tls"),
    );
    writeFileSync(join(dnsDir, "dns.py"), DNS_RESPONDER);
    writeFileSync(join(dnsDir, "records"), "");
    const mountOf = (name: string) => pod.volumeMounts.find((m) => m.name === name)!.mountPath;
    docker([
      "run",
      "-d",
      "--name",
      container,
      "--hostname",
      `${NAME}-0`,
      "--dns",
      "127.0.0.1",
      ...pod.env.flatMap((e) => ["-e", `${e.name}=${e.value}`]),
      ...(pod.securityContext?.capabilities?.add ?? []).flatMap((c) => ["--cap-add", c]),
      "-v",
      `${configDir}:${mountOf("config")}:ro`,
      "-v",
      `${tlsDir}:${mountOf("tls")}:ro`,
      "-v",
      `${dnsDir}:/opt/test-dns:ro`,
      ...pod.volumeMounts
        .filter((m) => m.name !== "config" && m.name !== "tls")
        .flatMap((m) => ["-v", m.mountPath]),
      image!,
    ]);
    docker(["exec", "-d", container, "python3", "/opt/test-dns/dns.py", "/opt/test-dns/records"]);
    const logs = () => spawnSync("docker", ["logs", container], { encoding: "utf8" }).stdout;
    const mailLog = () => exec(container, ["cat", "/var/log/mail/mail.log"]).out;

    // Ready: the pod's probe command passes and every proxied port listens. Bounded: 150 polls
    // of 2 s (a quiet machine takes ~40 s; a loaded 2-core one up to 4 minutes).
    const probe = pod.readinessProbe.exec.command;
    const started = await poll(150, 2000, () => {
      if (exec(container, probe).status !== 0) return undefined;
      const ss = exec(container, ["ss", "-ltn"]).out;
      return [12525, 10587, 10993].every((p) => ss.includes(`:${p} `)) ? true : undefined;
    });
    assert.equal(started, true, `DMS did not start:\n${logs().slice(-4000)}`);
    const ip = docker(["inspect", "-f", "{{.NetworkSettings.IPAddress}}", container]).trim();

    // SMTP through postscreen's proxied copy: the greeting, EHLO, and the header's address.
    const smtp = await open(ip, 12525, SMTP_CLIENT);
    await smtp.until(/^220 /, 60_000);
    smtp.send("EHLO client.example");
    await smtp.until(/^250 /);
    smtp.send("QUIT");
    await smtp.until(/^221 /);
    smtp.end();

    // Submission's proxied copy.
    const sub = await open(ip, 10587, SUBMISSION_CLIENT);
    await sub.until(/^220 /, 60_000);
    sub.send("EHLO client.example");
    const ehlo = await sub.until(/^250 /);
    assert.match(ehlo, /STARTTLS/, "submission still offers STARTTLS");
    sub.send("QUIT");
    sub.end();

    // IMAPS's proxied listener: the header, then TLS, then a login.
    const imap = await open(ip, 10993, IMAP_CLIENT);
    await imap.startTls();
    await imap.until(/^\* OK/);
    // Dovecot refuses logins for a moment after start; retry within the bounded poll below.
    imap.send(`a LOGIN alice@example.com ${PASSWORD}`);
    assert.match(await imap.until(/^a (OK|NO|BAD)/), /^a OK/m, "IMAP login through the proxy");
    imap.send("b LOGOUT");
    imap.end();

    // Normal ports, no header: still served (in-cluster clients, the probe).
    const plain = await open(ip, 25);
    await plain.until(/^220 /, 60_000);
    plain.send("QUIT");
    plain.end();
    const direct = await open(ip, 993);
    await direct.startTls();
    await direct.until(/^\* OK/);
    direct.send(`a LOGIN alice@example.com ${PASSWORD}`);
    assert.match(await direct.until(/^a (OK|NO|BAD)/), /^a OK/m, "IMAP login without a header");
    direct.end();

    // A proxied port without a header: postscreen drops the connection, no greeting.
    const bare = await open(ip, 12525);
    bare.send("EHLO no-header.example");
    assert.equal(await bare.closesWithout(/^220 /m, 20_000), true, "no greeting without a header");
    bare.end();

    // The logs name the header's addresses (Postfix: postscreen, then smtpd; Dovecot: rip=).
    const seen = await poll(30, 1000, () => {
      const log = mailLog();
      const want = [
        new RegExp(
          `postfix/smtp-proxy/postscreen\\[\\d+\\]: CONNECT from \\[${SMTP_CLIENT.replace(/\./g, "\\.")}\\]:40000`,
        ),
        new RegExp(
          `postfix/smtpd\\[\\d+\\]: connect from [^\\s]*\\[${SMTP_CLIENT.replace(/\./g, "\\.")}\\]`,
        ),
        new RegExp(
          `postfix/submission-proxy/smtpd\\[\\d+\\]: connect from [^\\s]*\\[${SUBMISSION_CLIENT.replace(/\./g, "\\.")}\\]`,
        ),
        new RegExp(
          `imap-login: Login: user=<alice@example\\.com>.*rip=${IMAP_CLIENT.replace(/\./g, "\\.")},`,
        ),
        new RegExp(
          `imap-login: Login: user=<alice@example\\.com>.*rip=${gateway.replace(/\./g, "\\.")},`,
        ),
        /postfix\/smtp-proxy\/postscreen\[\d+\]: warning: haproxy/,
      ];
      const missing = want.filter((re) => !re.test(log));
      return missing.length === 0 ? true : undefined;
    });
    const log = mailLog();
    assert.equal(seen, true, `missing log lines; mail.log tail:\n${log.slice(-6000)}`);
    for (const line of log
      .split("\n")
      .filter(
        (l) => l.includes(SMTP_CLIENT) || l.includes(IMAP_CLIENT) || l.includes(SUBMISSION_CLIENT),
      )) {
      t.diagnostic(line);
    }
  });
});
