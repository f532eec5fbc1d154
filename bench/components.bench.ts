/**
 * Registration cost of `MailServer` under Pulumi mocks with 1, 100 and 1,000 domains (Cloudflare
 * DNS, one account per domain with a ready hash), against a hand-written program that registers
 * the same children (same types, names and inputs, replayed from a MailServer run) directly
 * through the provider classes. Prints one JSON object: medians in ms and the ratio (target at
 * most 1.10).
 */
import * as pulumi from "@pulumi/pulumi";
import { performance } from "node:perf_hooks";
import {
  installMocks,
  registrations,
  resetRegistrations,
  type Registration,
} from "../test/components/harness";

// Stack traces are captured for every registered resource (Pulumi records source positions);
// tsx turns on source-map translation of them, which a compiled Pulumi program does not have and
// which charges the deeper call stacks of a component unfairly. Measure as users run: off.
process.setSourceMapsEnabled(false);
installMocks();
/* eslint-disable @typescript-eslint/no-require-imports */
const { MailServer } =
  require("../src/components/mail-server") as typeof import("../src/components/mail-server");
const docker = require("@pulumi/docker") as typeof import("@pulumi/docker");
const tls = require("@pulumi/tls") as typeof import("@pulumi/tls");
const cloudflare = require("@pulumi/cloudflare") as typeof import("@pulumi/cloudflare");
/* eslint-enable @typescript-eslint/no-require-imports */

const HASH = `{SHA512-CRYPT}$6$abcdefghijklmnop$${"x".repeat(86)}`;

function spec(n: number) {
  const domains = Array.from({ length: n }, (_, i) => ({
    name: `d${i}.example`,
    dns: { provider: "cloudflare" as const, zoneId: `zone-${i}` },
  }));
  return {
    hostname: "mail.d0.example",
    ipv4: "192.0.2.7",
    domains,
    accounts: domains.map((d) => ({ address: `user@${d.name}`, passwordHash: HASH })),
  };
}

async function waitFor(count: number): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (registrations.length < count) {
    if (Date.now() > deadline)
      throw new Error(`only ${registrations.length} of ${count} registrations`);
    await new Promise((r) => setImmediate(r));
  }
}

let run = 0;
async function component(
  n: number,
  expected?: number,
): Promise<{ ms: number; regs: Registration[] }> {
  resetRegistrations();
  const t0 = performance.now();
  const m = new MailServer(`c${run++}`, spec(n));
  if (expected === undefined) {
    await new Promise((r) => m.container.id.apply(r));
    await new Promise((r) => m.records.apply(r));
    for (let i = 0; i < 100; i++) await new Promise((r) => setImmediate(r));
  } else {
    await waitFor(expected);
  }
  return { ms: performance.now() - t0, regs: [...registrations] };
}

/**
 * Registers the recorded children directly, as a program without the component would: the same
 * types, names and inputs, and the same data dependencies a hand-written program has (a DKIM record
 * reads its domain's key, the containers read the image id, the mail container waits for the config
 * writer, which uploads every DKIM private key). Without those edges the baseline would register everything at once, which no real
 * program can do, and the ratio would measure dependency latency rather than the component.
 */
async function handWritten(template: Registration[]): Promise<number> {
  resetRegistrations();
  const prefix = `h${run++}`;
  const t0 = performance.now();
  const parent = new pulumi.ComponentResource("bench:index:Hand", prefix, {});
  const keys = new Map<string, import("@pulumi/tls").PrivateKey>();
  let image: import("@pulumi/docker").RemoteImage | undefined;
  let writer: import("@pulumi/docker").Container | undefined;
  const deferred: Registration[] = [];
  for (const r of template) {
    const name = `${prefix}-${r.name}`;
    // Replayed inputs: the recorded values, typed loosely on purpose.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const inputs = r.inputs as any;
    const opts = { parent };
    switch (r.type) {
      case "tls:index/privateKey:PrivateKey":
        keys.set(r.name.replace(/^c\d+-dkim-/, ""), new tls.PrivateKey(name, inputs, opts));
        break;
      case "docker:index/remoteImage:RemoteImage":
        image = new docker.RemoteImage(name, inputs, opts);
        break;
      case "docker:index/volume:Volume":
        new docker.Volume(name, inputs, opts);
        break;
      default:
        deferred.push(r); // needs a key, the image or the writer
    }
  }
  for (const r of deferred) {
    const name = `${prefix}-${r.name}`;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const inputs = r.inputs as any;
    switch (r.type) {
      case "cloudflare:index/dnsRecord:DnsRecord": {
        const domain = /domainkey-(.+)$/.exec(r.name)?.[1];
        const key = domain === undefined ? undefined : keys.get(`${domain}-mail`);
        const content =
          key === undefined ? inputs.content : key.publicKeyPem.apply(() => inputs.content);
        new cloudflare.DnsRecord(name, { ...inputs, content }, { parent });
        break;
      }
      case "docker:index/container:Container":
        if (r.name.endsWith("-config-writer")) {
          // The writer uploads the DKIM private keys, so it waits for every key, as the component's does.
          const uploads = pulumi
            .all([...keys.values()].map((k) => k.privateKeyPem))
            .apply(() => inputs.uploads);
          writer = new docker.Container(
            name,
            { ...inputs, image: image!.imageId, uploads },
            { parent },
          );
        } else {
          new docker.Container(
            name,
            { ...inputs, image: image!.imageId },
            { parent, dependsOn: writer === undefined ? [] : [writer] },
          );
        }
        break;
      default:
        break; // the component itself
    }
  }
  await waitFor(template.length);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const out: Record<string, unknown> = {};
  for (const n of [1, 100, 1000]) {
    const first = await component(n);
    const template = first.regs;
    const reps = n >= 1000 ? 4 : n >= 100 ? 8 : 30;
    const c: number[] = [];
    const h: number[] = [];
    for (let i = 0; i < reps; i++) {
      // Alternate which runs first, so heap growth and GC debt do not always fall on one side.
      if (i % 2 === 0) {
        h.push(await handWritten(template));
        c.push((await component(n, template.length)).ms);
      } else {
        c.push((await component(n, template.length)).ms);
        h.push(await handWritten(template));
      }
    }
    out[`domains_${n}`] = {
      resources: template.length,
      component_ms: Number(median(c).toFixed(1)),
      hand_written_ms: Number(median(h).toFixed(1)),
      ratio: Number((median(c) / median(h)).toFixed(3)),
      reps,
    };
    process.stderr.write(`${n} domains: ${JSON.stringify(out[`domains_${n}`])}\n`);
  }
  out.target_ratio = 1.1;
  process.stdout.write(JSON.stringify(out) + "\n");
  process.exit(0);
}
void main();
