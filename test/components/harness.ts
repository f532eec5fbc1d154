/**
 * Pulumi mocks for component tests: records every registration (type, name, inputs, parent),
 * answers with deterministic outputs (a fixed RSA key per DKIM child, a fixed salt key, image
 * ids), and throws on any provider function call (no component may call one).
 */
import * as pulumi from "@pulumi/pulumi";
import { generateKeyPairSync } from "node:crypto";

/** One `registerResource` as the engine saw it. Secret inputs keep their secret wrapper. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
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

const keys = new Map<string, { privateKeyPem: string; publicKeyPem: string }>();
/** A real RSA key pair per name, generated once per process (so two runs see the same key). */
export function mockKey(
  name: string,
  shared = false,
): { privateKeyPem: string; publicKeyPem: string } {
  const id = shared ? "*" : name;
  let k = keys.get(id);
  if (k === undefined) {
    const pair = generateKeyPairSync("rsa", { modulusLength: 1024 });
    k = {
      privateKeyPem: pair.privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
      publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
    };
    keys.set(id, k);
  }
  return k;
}

/** The registrations of the current run. */
export const registrations: Registration[] = [];

/** Options of {@link installMocks}. */
export interface MockOptions {
  /** Give every DKIM key child the same key pair (benchmarks). @default false */
  readonly sharedKey?: boolean;
  /** Run as a preview. @default false */
  readonly preview?: boolean;
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
            Object.assign(state, mockKey(args.name, options.sharedKey ?? false));
            break;
          case "random:index/randomPassword:RandomPassword":
            state.result = `salt-key-of-${args.name}`;
            break;
          case "docker:index/remoteImage:RemoteImage":
            state.imageId = `sha256:image-of-${String(args.inputs.name)}`;
            break;
          case "docker:index/volume:Volume":
            state.name = `${args.name}-volume`;
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
}

/** Forgets the registrations of the previous run. */
export function resetRegistrations(): void {
  registrations.length = 0;
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
