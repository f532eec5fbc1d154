/**
 * The Kubernetes pod's container on the real docker-mailserver image, with its config volume laid
 * out as the kubelet lays out a projected ConfigMap + Secret volume (`..data` symlink to a
 * timestamped directory, per-entry symlinks, read-only). Proves what the Kubernetes translation
 * relies on (src/providers/host/kubernetes/objects.ts): an account added by an atomic `..data`
 * swap authenticates without a restart, and mail is DKIM-signed with the Secret's key.
 *
 * The container runs on Docker's default bridge network with no published port (other tests
 * use host networking on the mail ports); everything talks to it through `docker exec`. Every
 * wait is bounded in attempts and time.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dkimVerify } from "mailauth/lib/dkim/verify";
import { planMailServer } from "../../src/plan/plan";
import { kubernetesObjects, objectNames } from "../../src/providers/host/kubernetes";
import { dkimText } from "../../src/records";
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
const PASSWORDS: Record<string, string> = {
  "alice@example.com": "alice-k8s-password",
  "bob@example.com": "bob-added-live",
};

describe("the Kubernetes pod on the real DMS image, config in the kubelet's layout", () => {
  const container = `dms-k8s-projected-${process.pid}`;
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
    spawnSync("docker", ["rm", "-f", "-v", container], { stdio: "ignore" });
    if (root !== "") rmSync(root, { recursive: true, force: true });
  });

  it("picks up an account added by a `..data` swap without a restart, and signs with the Secret's DKIM key", async (t) => {
    if (skip !== undefined) return t.skip(skip);
    const dkimPem = newDkimKey();
    const plan1Input = k8sSpecInput([
      { address: "alice@example.com", password: PASSWORDS["alice@example.com"]! },
    ]);
    const spec1 = validated(plan1Input);
    const plan1 = planMailServer(spec1, k8sMaterial(spec1, PASSWORDS, dkimPem));
    const objects1 = kubernetesObjects(plan1, spec1, { name: NAME });

    // The pod's container, as the StatefulSet declares it.
    const sts = objectOf(objects1, "StatefulSet", objectNames(NAME).statefulSet) as unknown as {
      spec: {
        template: {
          metadata: { annotations: Record<string, string> };
          spec: {
            containers: {
              env: { name: string; value: string }[];
              securityContext?: { capabilities?: { add?: string[] } };
              volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
            }[];
          };
        };
      };
    };
    const pod = sts.spec.template.spec.containers[0]!;
    const configMount = pod.volumeMounts.find((m) => m.name === "config")!;
    assert.equal(configMount.readOnly, true);

    root = mkdtempSync(join(tmpdir(), "dms-k8s-"));
    const configDir = join(root, "config");
    const tlsDir = join(root, "tls");
    const dnsDir = join(root, "dns");
    mkdirSync(dnsDir);
    const certificate = tlsSecret(dnsDir, spec1.hostname);
    writeProjectedVolume(configDir, volumePayload(objects1, NAME, "config"));
    writeProjectedVolume(tlsDir, volumePayload([...objects1, certificate], NAME, "tls"));
    const tlsMount = pod.volumeMounts.find((m) => m.name === "tls")!;
    const dkimPublic = k8sMaterial(spec1, PASSWORDS, dkimPem).dkimKeys.get("example.com")!;
    writeFileSync(join(dnsDir, "dns.py"), DNS_RESPONDER);
    writeFileSync(
      join(dnsDir, "records"),
      `k8s._domainkey.example.com ${dkimText(dkimPublic.publicKeyBase64)}\n`,
    );

    const args = [
      "run",
      "-d",
      "--name",
      container,
      // A pod's hostname is its name, one label; DMS reads the FQDN from OVERRIDE_HOSTNAME.
      "--hostname",
      `${NAME}-0`,
      "--dns",
      "127.0.0.1",
      ...pod.env.flatMap((e) => ["-e", `${e.name}=${e.value}`]),
      ...(pod.securityContext?.capabilities?.add ?? []).flatMap((c) => ["--cap-add", c]),
      "-v",
      `${configDir}:${configMount.mountPath}:ro`,
      "-v",
      `${tlsDir}:${tlsMount.mountPath}:ro`,
      "-v",
      `${dnsDir}:/opt/test-dns:ro`,
      ...pod.volumeMounts
        .filter((m) => m.name !== "config" && m.name !== "tls")
        .flatMap((m) => ["-v", m.mountPath]),
      image!,
    ];
    docker(args);
    docker(["exec", "-d", container, "python3", "/opt/test-dns/dns.py", "/opt/test-dns/records"]);

    // Ready: the probe command of the StatefulSet answers, and rspamd's milter listens.
    // Bounded: 150 polls, at most ~10 minutes on a loaded 2-core machine (a quiet one takes ~40 s).
    const started = await poll(150, 2000, () => {
      const up = exec(container, [
        "sh",
        "-c",
        "ss --listening --ipv4 --tcp | grep --silent ':smtp'",
      ]);
      const milter = exec(container, ["sh", "-c", "ss -ltn | grep --silent ':11332 '"]);
      return up.status === 0 && milter.status === 0 ? true : undefined;
    });
    const logs = () => spawnSync("docker", ["logs", container], { encoding: "utf8" });
    assert.equal(started, true, `DMS did not start:\n${logs().stdout.slice(-4000)}`);
    const startedAt = docker([
      "inspect",
      "-f",
      "{{.State.StartedAt}} {{.RestartCount}}",
      container,
    ]);

    const authOk = (address: string) =>
      exec(container, ["doveadm", "auth", "test", address, PASSWORDS[address]!]).status === 0;
    assert.equal(
      await poll(10, 1000, () => (authOk("alice@example.com") ? true : undefined)),
      true,
      "alice authenticates",
    );
    assert.equal(authOk("bob@example.com"), false, "bob does not exist yet");

    // The update: same key, bob added. Only the Secret's data changes; the pod template not.
    const input2 = k8sSpecInput([
      { address: "alice@example.com", password: PASSWORDS["alice@example.com"]! },
      { address: "bob@example.com", password: PASSWORDS["bob@example.com"]! },
    ]);
    const spec2 = validated(input2);
    const plan2 = planMailServer(spec2, k8sMaterial(spec2, PASSWORDS, dkimPem));
    const objects2 = kubernetesObjects(plan2, spec2, { name: NAME });
    const sts2 = objectOf(objects2, "StatefulSet", NAME) as unknown as typeof sts;
    assert.deepEqual(sts2.spec.template, sts.spec.template, "the pod template is unchanged");
    writeProjectedVolume(configDir, volumePayload(objects2, NAME, "config"));

    // DMS polls every 2 s, then regenerates and reloads Dovecot (which refuses logins briefly).
    const bobOk = await poll(60, 2000, () => (authOk("bob@example.com") ? true : undefined));
    assert.equal(bobOk, true, `bob never authenticated:\n${logs().stdout.slice(-4000)}`);
    // DMS's change detector (not a restart) did it: its log, kept by supervisord, says so.
    const detector = exec(container, ["cat", "/var/log/supervisor/changedetector.log"]).out;
    assert.match(detector, /Change detected/);
    assert.equal(
      docker(["inspect", "-f", "{{.State.StartedAt}} {{.RestartCount}}", container]),
      startedAt,
      "the container was not restarted",
    );

    // Mail from the new account, submitted with authentication, is signed with the Secret's key.
    const subject = `k8s-dkim-${process.pid}`;
    const sent = exec(container, [
      "swaks",
      "--server",
      "127.0.0.1",
      "--port",
      "587",
      "--tls",
      "--auth",
      "LOGIN",
      "--auth-user",
      "bob@example.com",
      "--auth-password",
      PASSWORDS["bob@example.com"]!,
      "--from",
      "bob@example.com",
      "--to",
      "alice@example.com",
      "--header",
      `Subject: ${subject}`,
      "--body",
      "signed in a pod",
    ]);
    assert.equal(sent.status, 0, sent.out.slice(-3000));
    const delivered = await poll(30, 1000, () => {
      const r = exec(container, [
        "sh",
        "-c",
        `grep -rl "Subject: ${subject}" /var/mail/example.com/alice/ | head -n 1`,
      ]);
      const path = r.out.trim();
      return r.status === 0 && path.startsWith("/var/mail/") ? path : undefined;
    });
    assert.ok(delivered, "the message was delivered to alice");
    const message = exec(container, ["cat", delivered]).out;
    assert.match(message, /^DKIM-Signature:.*d=example\.com/im);
    const txt = dkimText(
      k8sMaterial(spec2, PASSWORDS, dkimPem).dkimKeys.get("example.com")!.publicKeyBase64,
    );
    const verified = await dkimVerify(Buffer.from(message.replace(/\r?\n/g, "\r\n")), {
      resolver: async (name: string, type: string) => {
        if (type === "TXT" && name === "k8s._domainkey.example.com") return [[txt]];
        const e = new Error(`no ${type} ${name}`) as Error & { code: string };
        e.code = "ENOTFOUND";
        throw e;
      },
    } as Parameters<typeof dkimVerify>[1]);
    const results = (
      verified as { results: { status: { result: string }; signingDomain: string }[] }
    ).results;
    assert.deepEqual(
      results.map((r) => [r.signingDomain, r.status.result]),
      [["example.com", "pass"]],
    );
  });
});
