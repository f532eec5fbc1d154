/**
 * The spec's references to secrets kept outside it, resolved when the Pulumi program runs:
 * `accounts[i].passwordEnv` and `relay.passwordEnv` (environment variables of `pulumi up` and
 * `pulumi preview`) and `domains[i].dkim.privateKeyFile` (a file on the machine running Pulumi,
 * relative to the working directory, which is the Pulumi project's). Each becomes the matching
 * inline field (`password`, `privateKey`) as a Pulumi secret, so the rest of the component
 * sees one spelling; a spec file shared with `dmsctl` works unchanged.
 *
 * Reading happens here, not in a container: nothing on this machine is visible to a remote
 * Docker host, so the values travel in the config writer's uploads like every other secret.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Finding } from "../spec/findings";
import { readSecretEnv, readSecretFile } from "../spec/secret-sources";

/** Where references are read from (tests pass their own). */
export interface ReferenceSources {
  readonly env: NodeJS.ProcessEnv;
  /** Base of a relative `privateKeyFile`. */
  readonly baseDir: string;
}

/** The parts of the arguments that may hold references (MailServer's and MailDomain's). */
interface WithReferences {
  readonly accounts?: readonly ({ readonly passwordEnv?: string } & object)[];
  readonly relay?: { readonly passwordEnv?: string } & object;
  readonly domains?: readonly ({
    readonly dkim?: { readonly privateKeyFile?: string } & object;
  } & object)[];
}

/**
 * `args` with every reference replaced by its secret value, and one error finding per variable
 * that is unset or empty and per file that cannot be read (by field path, naming the variable
 * or file, never a value). Arguments without references come back as the same object.
 */
export function resolveReferences<A extends WithReferences>(
  args: A,
  sources: ReferenceSources = { env: process.env, baseDir: process.cwd() },
): { args: A; findings: Finding[] } {
  const findings: Finding[] = [];
  const fromEnv = (name: string, path: string): pulumi.Output<string> | undefined => {
    const value = readSecretEnv(
      sources.env,
      name,
      path,
      findings,
      `Export ${name} in the environment of \`pulumi up\` and \`pulumi preview\`, or pass the value as a secret (\`config.requireSecret\`).`,
    );
    return value === undefined ? undefined : pulumi.secret(value);
  };
  const fromFile = (file: string, path: string): pulumi.Output<string> | undefined => {
    const pem = readSecretFile(
      file,
      sources.baseDir,
      path,
      findings,
      `A relative path is read from ${sources.baseDir}, the working directory of the Pulumi program.`,
    );
    return pem === undefined ? undefined : pulumi.secret(pem);
  };

  const hasReference =
    args.accounts?.some((a) => a.passwordEnv !== undefined) === true ||
    args.relay?.passwordEnv !== undefined ||
    args.domains?.some((d) => d.dkim?.privateKeyFile !== undefined) === true;
  if (!hasReference) return { args, findings };

  // A reference that cannot be read stays as it was, so validation (which accepts it as a
  // source) does not report the same field a second time.
  const accounts = args.accounts?.map((a, i) => {
    if (a.passwordEnv === undefined) return a;
    const { passwordEnv, ...rest } = a;
    const password = fromEnv(passwordEnv, `accounts[${i}].passwordEnv`);
    return password === undefined ? a : { ...rest, password };
  });
  let relay: object | undefined = args.relay;
  if (args.relay?.passwordEnv !== undefined) {
    const { passwordEnv, ...rest } = args.relay;
    const password = fromEnv(passwordEnv, "relay.passwordEnv");
    if (password !== undefined) relay = { ...rest, password };
  }
  const domains = args.domains?.map((d, i) => {
    const file = d.dkim?.privateKeyFile;
    if (file === undefined) return d;
    const { privateKeyFile: _, ...dkim } = d.dkim!;
    const privateKey = fromFile(file, `domains[${i}].dkim.privateKeyFile`);
    return privateKey === undefined ? d : { ...d, dkim: { ...dkim, privateKey } };
  });
  const resolved = {
    ...args,
    ...(accounts !== undefined ? { accounts } : {}),
    ...(relay !== undefined ? { relay } : {}),
    ...(domains !== undefined ? { domains } : {}),
  } as A;
  return { args: resolved, findings };
}
