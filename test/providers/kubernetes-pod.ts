/**
 * The Kubernetes pod's container on the real docker-mailserver image, for the tests that run it
 * (kubernetes-projected, kubernetes-proxy-protocol): the image, `docker exec`, bounded polls, a
 * DNS responder for the container's loopback, and a self-signed TLS Secret.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { KubernetesObject } from "../../src/providers/host/kubernetes";
import { TLS_SECRET } from "./kubernetes-fixtures";

/**
 * The real image: `DMS_IMAGE`, else `local/dms:15.1.0` when present, else built from the
 * documented sibling `../shared/dms` (seconds when cached). Missing under `CI=true` is a failure.
 */
export function dmsImage(): string | undefined {
  const wanted = process.env.DMS_IMAGE ?? "local/dms:15.1.0";
  if (spawnSync("docker", ["image", "inspect", wanted], { stdio: "ignore" }).status === 0) {
    return wanted;
  }
  const script = resolve(__dirname, "../../../shared/dms/build-image.sh");
  if (process.env.DMS_IMAGE === undefined && existsSync(script)) {
    const built = spawnSync("bash", [script, "15.1.0"], { encoding: "utf8", timeout: 1_800_000 });
    const name = built.stdout.trim().split("\n").pop();
    if (built.status === 0 && name) return name;
  }
  if (process.env.CI === "true") throw new Error(`docker-mailserver image ${wanted} unavailable`);
  return undefined;
}

/** `docker exec` without throwing: status and output. */
export function exec(container: string, args: readonly string[]) {
  const r = spawnSync("docker", ["exec", container, ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Polls `check` every `everyMs` at most `attempts` times; returns the last result. */
export async function poll<T>(
  attempts: number,
  everyMs: number,
  check: () => T | undefined,
): Promise<T | undefined> {
  for (let i = 0; i < attempts; i++) {
    const v = check();
    if (v !== undefined) return v;
    await sleep(everyMs);
  }
  return undefined;
}

/**
 * A DNS responder for the container's loopback (rspamd's `check_pubkey` looks the selector up
 * before it signs; no other resolver is reachable here): the DKIM TXT record from the plan, and
 * NXDOMAIN for everything else so lookups fail fast. Python 3 is in the DMS image (Fail2Ban).
 */
export const DNS_RESPONDER = String.raw`
import socket, struct, sys
records = {}
for line in open(sys.argv[1]):
    name, text = line.rstrip("\n").split(" ", 1)
    records[name.lower()] = text.encode()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
while True:
    q, addr = s.recvfrom(512)
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode().lower()); i += 1 + q[i]
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0]
    question = q[12:i + 5]
    text = records.get(".".join(labels)) if qtype == 16 else None
    flags = 0x8180 if text is not None else 0x8183
    head = q[:2] + struct.pack(">HHHHH", flags, 1, 1 if text is not None else 0, 0, 0)
    answer = b""
    if text is not None:
        chunks = b"".join(bytes([len(text[j:j + 255])]) + text[j:j + 255] for j in range(0, len(text), 255))
        answer = b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 60, len(chunks)) + chunks
    s.sendto(head + question + answer, addr)
`;

/** A self-signed certificate for the hostname, as a `kubernetes.io/tls` Secret. */
export function tlsSecret(dir: string, hostname: string): KubernetesObject {
  const r = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      `/CN=${hostname}`,
      "-addext",
      `subjectAltName=DNS:${hostname}`,
      "-keyout",
      join(dir, "tls.key"),
      "-out",
      join(dir, "tls.crt"),
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: TLS_SECRET, namespace: "mail" },
    type: "kubernetes.io/tls",
    stringData: {
      "tls.crt": readFileSync(join(dir, "tls.crt"), "utf8"),
      "tls.key": readFileSync(join(dir, "tls.key"), "utf8"),
    },
  };
}
