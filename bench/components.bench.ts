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

/** Registers the recorded children directly, as a program without the component would. */
async function handWritten(template: Registration[]): Promise<number> {
  resetRegistrations();
  const prefix = `h${run++}`;
  const t0 = performance.now();
  const parent = new pulumi.ComponentResource("bench:index:Hand", prefix, {});
  for (const r of template) {
    const name = `${prefix}-${r.name}`;
    // Replayed inputs: the recorded values, typed loosely on purpose.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const inputs = r.inputs as any;
    const opts = { parent };
    switch (r.type) {
      case "cloudflare:index/dnsRecord:DnsRecord":
        new cloudflare.DnsRecord(name, inputs, opts);
        break;
      case "tls:index/privateKey:PrivateKey":
        new tls.PrivateKey(name, inputs, opts);
        break;
      case "docker:index/container:Container":
        new docker.Container(name, inputs, opts);
        break;
      case "docker:index/volume:Volume":
        new docker.Volume(name, inputs, opts);
        break;
      case "docker:index/remoteImage:RemoteImage":
        new docker.RemoteImage(name, inputs, opts);
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
    const reps = n >= 1000 ? 3 : 7;
    const c: number[] = [];
    const h: number[] = [];
    for (let i = 0; i < reps; i++) {
      h.push(await handWritten(template));
      c.push((await component(n, template.length)).ms);
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
