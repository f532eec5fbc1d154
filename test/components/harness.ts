/**
 * Pulumi mocks for component tests: records every registration (type, name, inputs, parent),
 * answers with deterministic outputs (a fixed RSA key per DKIM child, a fixed salt key, image
 * ids), and throws on any provider function call (no component may call one).
 */
import * as pulumi from "@pulumi/pulumi";
import Module from "node:module";
import { join } from "node:path";
import {
  LISTING_END,
  LISTING_PREFIX,
  RSPAMD_SIGNING_FILE,
  SIGNING_TABLE_FILE,
  publicKeyFingerprint,
  type SigningFiles,
} from "../../src/dms/dkim-signing";
import { spkiBase64FromPem } from "../../src/records/policies";
import { slug } from "../../src/providers/dns/common";

/** One `registerResource` as the engine saw it. Secret inputs keep their secret wrapper. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

/**
 * The resources each registration depends on, by child name: the URNs the SDK sent with it
 * (explicit `dependsOn` and the resources whose outputs its inputs carry), i.e. the edges of
 * the engine's resource graph. Filled for every registration while the mocks are installed.
 */
export const dependencies = new Map<string, readonly string[]>();

/** The names (last URN part) of the resources `name` depends on, sorted. */
export function dependencyNames(name: string): string[] {
  return [...(dependencies.get(name) ?? [])].map((urn) => urn.split("::").pop()!).sort();
}

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

/** Whether a deserialized mock input value is secret-wrapped. */
export function isSecretWrapper(v: unknown): v is { value: unknown } {
  return (
    typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/** The value with every secret wrapper removed (for asserting on inputs). */
export function unwrap(v: unknown): unknown {
  if (isSecretWrapper(v)) return unwrap(v.value);
  if (Array.isArray(v)) return v.map(unwrap);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
  }
  return v;
}

/** Every plain (non-secret) string inside a value, with its path. */
export function plainStrings(v: unknown, path = ""): [string, string][] {
  if (isSecretWrapper(v)) return [];
  if (typeof v === "string") return [[path, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => plainStrings(x, `${path}[${i}]`));
  if (typeof v === "object" && v !== null) {
    return Object.entries(v).flatMap(([k, x]) => plainStrings(x, path === "" ? k : `${path}.${k}`));
  }
  return [];
}

/**
 * The key pair every mocked `tls.PrivateKey` returns: fixed, so golden files are stable across
 * processes. A throwaway 1024-bit test key, never used anywhere else.
 */
export const MOCK_KEY = {
  privateKeyPem: `-----BEGIN RSA PRIVATE KEY-----
MIICXAIBAAKBgQCzwQVI0cNDdG8ReTKVVKIWrKkLHeSi20/J0VbAheh0wJ8415bg
D+29wLUryZ/ZuMJaqgGr+1kID7KirBl/VJhyrEA0vmkrfZRtzYIH/bU260nIY3+O
GiW1p64oRrNtxM4CiwJ/Mn4q47VWAEi0TEKhllPXN1BptFZ+T5DBVyixswIDAQAB
AoGBAIOPfCylygIuz7O8Prdo8BEkYbzPLi270hPl8VaLK214JZDWyYhIYDqHNpJL
yYDyZt0wnHShS7JIuveweiDla4UW7kzbo+sTbXN41Zkvp8DvLCXC6S2rAX3EZ/Jl
GvQS1Fu7GL/313Yb5h7lLUCUb6cMx1Ms8Ly+rEunMxvNrgARAkEA7E0bBec3RVzM
41R2CKwsPcP7J1YTIHHxl9Eou9hrwBeUitRaFAiDAlRHpWu7GxL13e2tmrZ37hbi
dWXzt1QfZwJBAMK9JLRvxZ6R1OhLK29pCuWkWKqzBn9Lbo0gefWiHl7NALBYWxsn
VBzKaA3hPpDLRZDObbu03dPSDrWoQ0LDR9UCQEWhswTaTX8zCW0zxlRn5+GLjsbY
pmo5KWgDSm2QKLBCQpNmX+TnXTOigjpMtKYVwD3VfALLIiwWskTF9jtfnqECQCE1
cBT1GpY3+D7E0ttk5l7S7+vsK6d5jZizeRjSVKuF+iAYcTDoPAfM3IHBb5HxmCNh
kIT6CvocUDXaQ94WvyECQH2KbLfbNZRevnl0mpOOfMg7hfuCai97B/dsd94Xt+AO
1E8iyvWDUNDsbwNLq4dYe3TRymdcbeomzYAQvTiECBw=
-----END RSA PRIVATE KEY-----
`,
  publicKeyPem: `-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCzwQVI0cNDdG8ReTKVVKIWrKkL
HeSi20/J0VbAheh0wJ8415bgD+29wLUryZ/ZuMJaqgGr+1kID7KirBl/VJhyrEA0
vmkrfZRtzYIH/bU260nIY3+OGiW1p64oRrNtxM4CiwJ/Mn4q47VWAEi0TEKhllPX
N1BptFZ+T5DBVyixswIDAQAB
-----END PUBLIC KEY-----
`,
};

/** The DKIM `p=` value of {@link MOCK_KEY}. */
export const MOCK_KEY_BASE64 = MOCK_KEY.publicKeyPem
  .split("\n")
  .filter((l) => l !== "" && !l.startsWith("-----"))
  .join("");

/** Logs of a port-25 probe that found every default target open (the probe's output format). */
export const OPEN_PROBE_LOGS = [
  "DMS-PORT25 gmail-smtp-in.l.google.com:25 open 40 banner 220 mx.google.com ESMTP",
  "DMS-PORT25 mx1.hotmail.com:25 open 40 banner 220 hotmail ESMTP",
  "DMS-PORT25 mx-aol.mail.gm0.yahoodns.net:25 open 40 banner 220 yahoo ESMTP",
  "DMS-PORT25-END",
  "",
].join("\n");

/**
 * Logs of a DKIM rotation guard that found `files` in the config volume (the listing format of
 * `signingFilesScript`); `{}` is an empty volume.
 */
export function guardLogs(files: SigningFiles): string {
  const section = (path: string, text: string | undefined) =>
    text === undefined
      ? []
      : [
          `${LISTING_PREFIX}-FILE ${path}`,
          ...text
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => `${LISTING_PREFIX}-LINE ${path} ${l}`),
        ];
  return [
    ...section(SIGNING_TABLE_FILE, files.signingTable),
    ...section(RSPAMD_SIGNING_FILE, files.rspamdSigning),
    ...[...(files.keys ?? new Map<string, string>())].map(
      ([n, fp]) => `${LISTING_PREFIX}-KEY ${n} ${fp}`,
    ),
    LISTING_END,
    "",
  ].join("\n");
}

/**
 * The guard's listing of a volume the previous deploy left: no signing files, and the key of
 * every retiring selector the guard's label names, as the mocks hand it out (the key of child
 * `<prefix>-dkim-<domain>-<selector>`), so a two-step rotation passes under mocks as it does
 * for real.
 */
function previousVolumeLogs(
  prefix: string,
  label: string | undefined,
  keys: MockOptions["keys"],
): string {
  const rows = JSON.parse(label ?? "[]") as [string, string, string[]][];
  const onVolume = new Map<string, string>();
  for (const [domain, , retiring] of rows) {
    for (const selector of retiring) {
      const key = keys?.[`${prefix}-dkim-${slug(domain)}-${selector}`] ?? MOCK_KEY;
      onVolume.set(
        `opendkim/keys/${domain}/${selector}.private`,
        publicKeyFingerprint(spkiBase64FromPem(key.publicKeyPem)),
      );
    }
  }
  return guardLogs(onVolume.size > 0 ? { keys: onVolume } : {});
}

/** The registrations of the current run. */
export const registrations: Registration[] = [];

/** Options of {@link installMocks}. */
export interface MockOptions {
  /** Run as a preview. @default false */
  readonly preview?: boolean;
  /** `exitCode` of containers by child name (the provider reports it for run-once containers). */
  readonly exitCodes?: Readonly<Record<string, number>>;
  /** `containerLogs` of containers by child name (attached containers with `logs: true`). */
  readonly containerLogs?: Readonly<Record<string, string>>;
  /** The address a Kubernetes `Service` of type LoadBalancer reports. @default "203.0.113.7" */
  readonly loadBalancerIp?: string;
  /** Key pairs of `tls.PrivateKey` children by child name. @default {@link MOCK_KEY} for all */
  readonly keys?: Readonly<Record<string, { privateKeyPem: string; publicKeyPem: string }>>;
}

/** Installs the mocks; call {@link resetRegistrations} between runs. */
export function installMocks(options: MockOptions = {}): void {
  void pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs): {
        id: string;
        state: Record<string, unknown>;
      } {
        registrations.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        switch (args.type) {
          case "tls:index/privateKey:PrivateKey":
            Object.assign(state, options.keys?.[args.name] ?? MOCK_KEY);
            break;
          case "random:index/randomPassword:RandomPassword":
            state.result = `salt-key-of-${args.name}`;
            break;
          case "docker:index/remoteImage:RemoteImage":
            state.imageId = `sha256:image-of-${String(args.inputs.name)}`;
            break;
          case "aws:ec2/eip:Eip":
            state.publicIp = "203.0.113.50";
            state.allocationId = `eipalloc-${args.name}`;
            break;
          case "aws:route53/zone:Zone":
            state.zoneId = `Z-${args.name}`;
            break;
          // MTA-STS hosting on AWS: the outputs the next resources read.
          case "aws:s3/bucket:Bucket":
            state.arn = `arn:aws:s3:::${args.name}`;
            state.bucketRegionalDomainName = `${args.name}.s3.eu-west-1.amazonaws.com`;
            break;
          case "aws:acm/certificate:Certificate":
            state.arn = `arn:aws:acm:us-east-1:000000000000:certificate/${args.name}`;
            state.domainValidationOptions = [
              {
                domainName: args.inputs.domainName,
                resourceRecordName: `_v.${String(args.inputs.domainName)}.`,
                resourceRecordType: "CNAME",
                resourceRecordValue: "_v.acm-validations.aws.",
              },
            ];
            break;
          case "aws:route53/record:Record":
            state.fqdn = args.inputs.name;
            break;
          case "aws:cloudfront/distribution:Distribution":
            state.arn = `arn:aws:cloudfront::000000000000:distribution/${args.name}`;
            state.domainName = `${args.name}.cloudfront.net`;
            state.hostedZoneId = "Z2FDTNDATAQYW2";
            break;
          case "kubernetes:core/v1:Service":
            state.status = {
              loadBalancer: { ingress: [{ ip: options.loadBalancerIp ?? "203.0.113.7" }] },
            };
            break;
          case "docker:index/volume:Volume":
            state.name = `${args.name}-volume`;
            break;
          case "docker:index/container:Container":
            if (options.exitCodes?.[args.name] !== undefined)
              state.exitCode = options.exitCodes[args.name];
            if (options.containerLogs?.[args.name] !== undefined)
              state.containerLogs = options.containerLogs[args.name];
            // A rotation guard reads a volume holding the retiring keys unless told.
            else if (args.name.endsWith("-dkim-rotation-guard")) {
              const labels = (args.inputs.labels ?? []) as { label: string; value: string }[];
              state.containerLogs = previousVolumeLogs(
                args.name.slice(0, -"-dkim-rotation-guard".length),
                labels.find((l) => l.label === "dms.dkim-rotation-guard.selectors")?.value,
                options.keys,
              );
            }
            break;
        }
        return { id: `${args.name}-id`, state };
      },
      call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
        throw new Error(`unexpected provider call ${args.token}`);
      },
    },
    "project",
    "stack",
    options.preview ?? false,
  );
  // The mock monitor does not hand dependencies to `newResource`: read them off each request.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource: (req: RegisterRequest, cb: unknown) => unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    dependencies.set(req.getName(), req.getDependenciesList());
    return register(req, cb);
  };
}

/** The part of the engine's RegisterResourceRequest the harness reads. */
interface RegisterRequest {
  getName(): string;
  getDependenciesList(): string[];
}

/**
 * Installs the mocks, then loads the components: a resource module loaded before `setMocks`
 * would talk to no engine, so the components come from here rather than from an import.
 */
export function componentsUnderMocks(options: MockOptions = {}): {
  MailServer: typeof import("../../src/components/mail-server").MailServer;
  MailDomain: typeof import("../../src/components/mail-domain").MailDomain;
} {
  installMocks(options);
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    MailServer: (
      require("../../src/components/mail-server") as typeof import("../../src/components/mail-server")
    ).MailServer,
    MailDomain: (
      require("../../src/components/mail-domain") as typeof import("../../src/components/mail-domain")
    ).MailDomain,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** Forgets the registrations of the previous run. */
export function resetRegistrations(): void {
  registrations.length = 0;
  dependencies.clear();
}

/** Resolves an Output's value (tests only). */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** Whether an Output is secret. */
export function secretOf(o: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(o);
}

/**
 * Waits until every registration of a program has reached the mock monitor: constructs, then
 * waits on all outputs of the component (registerOutputs resolves after the children).
 */
export async function settle(outputs: pulumi.Output<unknown>[]): Promise<void> {
  await Promise.all(outputs.map(valueOf));
  // Children registered inside applies land a few ticks later.
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/**
 * Lets example programs `import "pulumi-docker-mailserver"` resolve to this repository's source,
 * as it does after `npm install` in an example folder (or to `target`, a module re-exporting it).
 */
export function resolvePackageToSource(
  target = join(__dirname, "..", "..", "src", "index.ts"),
): void {
  const m = Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
  };
  const original = m._resolveFilename;
  m._resolveFilename = function (request: string, ...rest: unknown[]): string {
    if (request === "pulumi-docker-mailserver") return target;
    return original.call(this, request, ...rest);
  };
}
