/**
 * Writes a large `pulumi preview --json` document for the memory bound of `dmsctl diff
 * --from-preview` (`test/diff/preview-memory.test.ts`, `bench/preview.bench.ts`): the shape of
 * `test/fixtures/preview/` (Go's `MarshalIndent` with four spaces), mostly resources that are not
 * DNS records (Kubernetes deployments and config maps, S3 buckets, security groups, each with
 * `oldState` and `newState`) and, spread among them, the Cloudflare and Route53 records of a mail
 * server (ours under `dms:index:MailServer`, some not). Deterministic: the same seed and size give
 * the same bytes. Written a step at a time, so the writer itself stays small.
 */
import { closeSync, openSync, writeSync } from "node:fs";

/** What was written. */
export interface LargePreview {
  readonly bytes: number;
  readonly steps: number;
  /** Steps of DNS record resources (Cloudflare `DnsRecord`, Route53 `Record`). */
  readonly dnsSteps: number;
  /** Mail domains whose records are in the document. */
  readonly domains: number;
}

/** mulberry32: a small seeded generator, enough for made-up but varied values. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STACK = "urn:pulumi:prod::platform::";
const CF_ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
const R53_ZONE = "Z0123456789ABCDEFGHIJ";
const CF_PROVIDER = `${STACK}pulumi:providers:cloudflare::default_6_22_1::7d8a1f0e-5c2b-4f7e-9a51-3f0c6b2d8e14`;
const AWS_PROVIDER = `${STACK}pulumi:providers:aws::default_7_48_0::2c4e6a8b-0d1f-4a3c-8e5b-7d9f1b3c5e7a`;
const K8S_PROVIDER = `${STACK}pulumi:providers:kubernetes::default_4_34_2::5b1d9e7c-3a2f-4c8d-9e6b-1f0a2c4e6d8b`;
const TIME = "2025-03-02T10:14:07.118263Z";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function hex(r: () => number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

function state(
  urn: string,
  type: string,
  provider: string,
  inputs: { [k: string]: Json },
  outputs: { [k: string]: Json } | undefined,
  parent = `${STACK}pulumi:pulumi:Stack::platform-prod`,
): Json {
  return {
    urn,
    custom: true,
    id: urn.slice(-24),
    type,
    inputs,
    ...(outputs === undefined ? {} : { outputs }),
    parent,
    provider,
    propertyDependencies: Object.fromEntries(Object.keys(inputs).map((k) => [k, []])),
    created: TIME,
    modified: TIME,
  };
}

/** One resource that is not a DNS record: a Kubernetes deployment, config map, bucket or group. */
function otherStep(r: () => number, i: number): Json {
  const kind = i % 4;
  const op = r() < 0.7 ? "same" : "update";
  let type: string;
  let provider = K8S_PROVIDER;
  let inputs: { [k: string]: Json };
  if (kind === 0) {
    type = "kubernetes:apps/v1:Deployment";
    const containers = Array.from({ length: 2 + (i % 3) }, (_, c) => ({
      name: `app-${c}`,
      image: `registry.example/team/app-${i % 97}:${hex(r, 12)}`,
      env: Array.from({ length: 12 }, (_, e) => ({ name: `VAR_${e}`, value: hex(r, 16) })),
      ports: [{ containerPort: 8080 + c, protocol: "TCP" }],
      resources: { limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "100m" } },
    }));
    inputs = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: `app-${i}`, namespace: `ns-${i % 13}`, labels: { app: `app-${i}` } },
      spec: {
        replicas: 1 + (i % 3),
        selector: { matchLabels: { app: `app-${i}` } },
        template: { metadata: { labels: { app: `app-${i}` } }, spec: { containers } },
      },
    };
  } else if (kind === 1) {
    type = "kubernetes:core/v1:ConfigMap";
    inputs = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `config-${i}`, namespace: `ns-${i % 13}` },
      data: Object.fromEntries(Array.from({ length: 24 }, (_, k) => [`key${k}`, hex(r, 24)])),
    };
  } else if (kind === 2) {
    type = "aws:s3/bucket:Bucket";
    provider = AWS_PROVIDER;
    inputs = {
      __defaults: ["bucket", "forceDestroy"],
      bucket: `bucket-${i}-${hex(r, 8)}`,
      forceDestroy: false,
      tags: Object.fromEntries(Array.from({ length: 8 }, (_, k) => [`tag${k}`, hex(r, 10)])),
    };
  } else {
    type = "aws:ec2/securityGroup:SecurityGroup";
    provider = AWS_PROVIDER;
    inputs = {
      __defaults: ["name"],
      description: `group ${i}`,
      ingress: Array.from({ length: 6 }, (_, k) => ({
        cidrBlocks: [`10.${i % 250}.${k}.0/24`],
        fromPort: 1000 + k,
        protocol: "tcp",
        toPort: 1000 + k,
        self: false,
      })),
      vpcId: `vpc-${hex(r, 17)}`,
    };
  }
  const urn = `${STACK}${type}::res-${i}`;
  const outputs = { ...inputs, id: `id-${hex(r, 20)}`, arn: `arn:aws:x:::${hex(r, 20)}` };
  return {
    op,
    urn,
    provider,
    oldState: state(urn, type, provider, inputs, outputs),
    newState: state(urn, type, provider, op === "same" ? inputs : { ...inputs, rev: i }, outputs),
    ...(op === "update" ? { diffReasons: ["rev"] } : {}),
    detailedDiff: null,
  };
}

/** The DNS record steps of domain `d`: Cloudflare for even domains, Route53 for odd ones. */
function dnsSteps(d: number): Json[] {
  const domain = `d${d}.example.com`;
  const cloudflare = d % 2 === 0;
  const parent = `${STACK}dms:index:MailServer::mail`;
  const records: { key: string; name: string; type: string; value: string }[] = [
    { key: "mx", name: domain, type: "MX", value: `mail.example.com` },
    { key: "spf", name: domain, type: "TXT", value: "v=spf1 mx -all" },
    { key: "dmarc", name: `_dmarc.${domain}`, type: "TXT", value: "v=DMARC1; p=reject" },
    {
      key: "dkim",
      name: `mail._domainkey.${domain}`,
      type: "TXT",
      value: "v=DKIM1; k=rsa; p=MIGf",
    },
  ];
  return records.map((rec, k) => {
    // Every fifth domain's DMARC moves from quarantine to reject; the rest stay the same.
    const changed = rec.key === "dmarc" && d % 5 === 0;
    const op = changed ? "update" : "same";
    if (cloudflare) {
      const type = "cloudflare:index/dnsRecord:DnsRecord";
      const urn = `${STACK}dms:index:MailServer$${type}::mail-${rec.key}-${d}`;
      const props = (value: string): { [k: string]: Json } => ({
        comment: `pulumi-docker-mailserver: ${rec.key} for ${domain}`,
        content: rec.type === "TXT" ? `"${value}"` : value,
        name: rec.name,
        ...(rec.type === "MX" ? { priority: 10 } : {}),
        proxied: false,
        ttl: 3600,
        type: rec.type,
        zoneId: CF_ZONE,
      });
      const before = props(changed ? rec.value.replace("reject", "quarantine") : rec.value);
      return {
        op,
        urn,
        provider: CF_PROVIDER,
        oldState: state(urn, type, CF_PROVIDER, before, { ...before, id: `r${d}x${k}` }, parent),
        newState: state(urn, type, CF_PROVIDER, props(rec.value), undefined, parent),
        detailedDiff: null,
      };
    }
    const type = "aws:route53/record:Record";
    const urn = `${STACK}dms:index:MailServer$${type}::mail-${rec.key}-${d}`;
    const props = (value: string): { [k: string]: Json } => ({
      __defaults: [],
      name: rec.name,
      records: [rec.type === "MX" ? `10 ${value}.` : value],
      ttl: 3600,
      type: rec.type,
      zoneId: R53_ZONE,
    });
    const before = props(changed ? rec.value.replace("reject", "quarantine") : rec.value);
    return {
      op,
      urn,
      provider: AWS_PROVIDER,
      oldState: state(urn, type, AWS_PROVIDER, before, { ...before, fqdn: rec.name }, parent),
      newState: state(urn, type, AWS_PROVIDER, props(rec.value), undefined, parent),
      detailedDiff: null,
    };
  });
}

/** `JSON.stringify` with four spaces, indented by `depth` levels, as `MarshalIndent` prints it. */
function indented(value: Json, depth: number): string {
  const pad = " ".repeat(4 * depth);
  return pad + JSON.stringify(value, null, 4).replace(/\n/g, `\n${pad}`);
}

/**
 * Writes a preview document of at least `targetBytes` bytes to `file`: one DNS record step after
 * every `otherPerDns` other steps (4 records per mail domain), deterministically from `seed`.
 */
export function writeLargePreview(
  file: string,
  targetBytes: number,
  seed = 13,
  otherPerDns = 10,
): LargePreview {
  const r = rng(seed);
  const fd = openSync(file, "w");
  let bytes = 0;
  const write = (s: string) => {
    bytes += writeSync(fd, s);
  };
  let steps = 0;
  let dns = 0;
  let domains = 0;
  let pending: Json[] = [];
  const step = (s: Json) => {
    write(`${steps === 0 ? "" : ",\n"}${indented(s, 2)}`);
    steps++;
  };
  try {
    write(
      '{\n    "config": {\n        "cloudflare:apiToken": "[secret]",\n        "aws:region": "eu-west-1"\n    },\n    "steps": [\n',
    );
    const stackUrn = `${STACK}pulumi:pulumi:Stack::platform-prod`;
    const stack = { urn: stackUrn, custom: false, type: "pulumi:pulumi:Stack", created: TIME };
    step({ op: "same", urn: stackUrn, oldState: stack, newState: stack, detailedDiff: null });
    // The closing part is about 200 bytes; stop once the target is reached.
    for (let i = 0; bytes < targetBytes - 200; i++) {
      if (i % otherPerDns === 0) {
        if (pending.length === 0) pending = dnsSteps(domains++);
        step(pending.shift()!);
        dns++;
      } else step(otherStep(r, i));
    }
    for (const s of pending) {
      step(s);
      dns++;
    }
    write(
      `\n    ],\n    "duration": 3402877300,\n    "changeSummary": {\n        "same": ${steps - 1},\n        "update": 1\n    }\n}\n`,
    );
  } finally {
    closeSync(fd);
  }
  return { bytes, steps, dnsSteps: dns, domains };
}
