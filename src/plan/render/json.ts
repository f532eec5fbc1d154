/**
 * `dmsctl plan --format json`: the documented, stable JSON shape other tools consume
 * (`docs/plan-json.md`). Version 1: fields are only ever added, never renamed or removed. Every
 * key is always present (null or empty when there is nothing), so consumers need no guessing.
 * Secret file contents are replaced by {@link REDACTED}: they only ever reach disk via `--out`.
 */
import type { Finding } from "../../spec/findings";
import type { Plan } from "../types";

/** The version of the JSON shape. */
export const PLAN_JSON_VERSION = 1;

/** Stands in for the content of a secret file in every printed format. */
export const REDACTED = "<redacted: secret, written only with --out>";

/** A spec that did not validate: the errors, and any warnings found on the way. */
export interface PlanErrors {
  readonly errors: readonly Finding[];
  readonly warnings?: readonly Finding[];
}

/** A finding as JSON. */
export interface FindingJson {
  id: string;
  level: Finding["level"];
  path: string;
  message: string;
  remediation: string | null;
}

/** The document `--format json` prints (see docs/plan-json.md). */
export interface PlanJson {
  version: 1;
  hostname: string | null;
  records: {
    zone: string;
    name: string;
    type: string;
    ttl: number;
    values: string[];
    purpose: string;
    domain: string;
  }[];
  zones: { zone: string; provider: string; zoneId: string | null; records: number }[];
  ptr: { ip: string; name: string; hostname: string }[];
  files: { path: string; reload: string; secret: boolean; content: string }[];
  env: Record<string, string>;
  ports: {
    service: string;
    port: number;
    protocol: string;
    expose: string;
    bind: string[];
    allowFrom: string[];
    description: string;
  }[];
  container: {
    image: string;
    hostname: string;
    volumes: { name: string; containerPath: string; retain: boolean }[];
    bindMounts: { hostPath: string; containerPath: string; readOnly: boolean }[];
    capAdd: string[];
    memoryBytes: number | null;
    dns: string[] | null;
    restart: string;
    stopGracePeriodSeconds: number;
    healthcheck: {
      test: string[];
      intervalSeconds: number;
      timeoutSeconds: number;
      retries: number;
      startPeriodSeconds: number;
    };
    recreateHash: string;
  } | null;
  mtaStsPolicies: { domain: string; url: string; id: string; text: string }[];
  /** The scheduled backup container, or null (added in the same version 1). */
  backup: {
    image: string;
    schedule: string;
    retention: number;
    hostDir: string;
    containerDir: string;
    volumes: { name: string; containerPath: string }[];
    prefix: string;
  } | null;
  /** The image tag change, or null (added in the same version 1: fields are only added). */
  upgrade: {
    from: string;
    to: string;
    direction: string;
    major: boolean;
    releases: string[];
    breaking: { version: string; breaking: string }[];
    env: { name: string; change: string; replacement: string | null; version: string }[];
    unknownTags: string[];
  } | null;
  warnings: FindingJson[];
  errors: FindingJson[];
}

/** Builds the JSON document of a plan, or of the errors of a spec that did not validate. */
export function planJson(result: Plan | PlanErrors): PlanJson {
  if ("errors" in result) {
    return {
      version: PLAN_JSON_VERSION,
      hostname: null,
      records: [],
      zones: [],
      ptr: [],
      files: [],
      env: {},
      ports: [],
      container: null,
      mtaStsPolicies: [],
      backup: null,
      upgrade: null,
      warnings: (result.warnings ?? []).map(findingJson),
      errors: result.errors.map(findingJson),
    };
  }
  const c = result.container;
  return {
    version: PLAN_JSON_VERSION,
    hostname: result.hostname,
    records: result.records.map((r) => ({
      zone: r.zone,
      name: r.name,
      type: r.type,
      ttl: r.ttl,
      values: [...r.values],
      purpose: r.purpose,
      domain: r.domain,
    })),
    zones: result.zones.map((z) => ({
      zone: z.zone,
      provider: z.provider,
      zoneId: z.zoneId ?? null,
      records: z.records.length,
    })),
    ptr: result.ptr.map((p) => ({ ip: p.ip, name: p.name, hostname: p.hostname })),
    files: result.files.map((f) => ({
      path: f.path,
      reload: f.reload,
      secret: f.secret,
      content: f.secret ? REDACTED : f.content,
    })),
    env: Object.fromEntries(c.env.map(([k, v]) => [k, v])),
    ports: result.ports.map((p) => ({
      service: p.service,
      port: p.port,
      protocol: p.protocol,
      expose: p.expose,
      bind: [...p.bind],
      allowFrom: [...p.allowFrom],
      description: p.description,
    })),
    container: {
      image: c.image,
      hostname: c.hostname,
      volumes: c.volumes.map((v) => ({
        name: v.name,
        containerPath: v.containerPath,
        retain: v.retain,
      })),
      bindMounts: c.bindMounts.map((b) => ({
        hostPath: b.hostPath,
        containerPath: b.containerPath,
        readOnly: b.readOnly,
      })),
      capAdd: [...c.capAdd],
      memoryBytes: c.memoryBytes ?? null,
      dns: c.dns === undefined ? null : [...c.dns],
      restart: c.restart,
      stopGracePeriodSeconds: c.stopGracePeriodSeconds,
      healthcheck: {
        test: [...c.healthcheck.test],
        intervalSeconds: c.healthcheck.intervalSeconds,
        timeoutSeconds: c.healthcheck.timeoutSeconds,
        retries: c.healthcheck.retries,
        startPeriodSeconds: c.healthcheck.startPeriodSeconds,
      },
      recreateHash: c.recreateHash,
    },
    mtaStsPolicies: (result.mtaStsPolicies ?? []).map((p) => ({
      domain: p.domain,
      url: p.url,
      id: p.id,
      text: p.text,
    })),
    backup: backupJson(result),
    upgrade: upgradeJson(result),
    warnings: result.warnings.map(findingJson),
    errors: [],
  };
}

function backupJson(plan: Plan): PlanJson["backup"] {
  const b = plan.backup;
  if (b === undefined) return null;
  return {
    image: b.image,
    schedule: b.schedule,
    retention: b.retention,
    hostDir: b.hostDir,
    containerDir: b.containerDir,
    volumes: b.volumes.map((v) => ({ name: v.name, containerPath: v.containerPath })),
    prefix: b.prefix,
  };
}

/** `--format json` output: the document, two-space indented, with a final newline. */
export function renderJson(result: Plan | PlanErrors): string {
  return `${JSON.stringify(planJson(result), null, 2)}\n`;
}

function findingJson(f: Finding): FindingJson {
  return {
    id: f.id,
    level: f.level,
    path: f.path,
    message: f.message,
    remediation: f.remediation ?? null,
  };
}

function upgradeJson(plan: Plan): PlanJson["upgrade"] {
  const u = plan.upgrade;
  if (u === undefined) return null;
  return {
    from: u.from,
    to: u.to,
    direction: u.direction,
    major: u.major,
    releases: [...u.releases],
    breaking: u.breaking.map((b) => ({ version: b.version, breaking: b.breaking })),
    env: u.env.map((e) => ({
      name: e.name,
      change: e.change,
      replacement: e.replacement ?? null,
      version: e.version,
    })),
    unknownTags: [...u.unknownTags],
  };
}
