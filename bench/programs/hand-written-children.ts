/**
 * The hand-written side of `bench/components.bench.ts`: registers the children a `MailServer`
 * registered (same types, names and inputs, replayed from a recording) directly through the
 * provider classes, with the data dependencies a program written by hand must have: a DKIM record
 * reads its domain's key, the containers read the image id and mount the volumes by their names,
 * the config writer uploads every DKIM private key, and the mail container waits for the writer. Without those edges everything would
 * register at once, which no real program can do, and the ratio would measure dependency latency
 * rather than the component.
 */
import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import type { Registration } from "../../test/components/harness";
import type { HandWrittenRun } from "./context";

/** Registers the recorded children of one run. */
export function declareHandWritten({ prefix, template }: HandWrittenRun): void {
  const parent = new pulumi.ComponentResource("bench:index:Hand", prefix, {});
  const keys = new Map<string, tls.PrivateKey>();
  let image: docker.RemoteImage | undefined;
  let writer: docker.Container | undefined;
  const volumes = new Map<string, docker.Volume>();
  const deferred: Registration[] = [];

  // Replayed inputs are the recorded values, typed loosely on purpose.
  /* eslint-disable @typescript-eslint/no-explicit-any */
  for (const r of template) {
    const name = `${prefix}-${r.name}`;
    const inputs = r.inputs as any;
    switch (r.type) {
      case "tls:index/privateKey:PrivateKey":
        keys.set(r.name.replace(/^c\d+-dkim-/, ""), new tls.PrivateKey(name, inputs, { parent }));
        break;
      case "docker:index/remoteImage:RemoteImage":
        image = new docker.RemoteImage(name, inputs, { parent });
        break;
      case "docker:index/volume:Volume":
        volumes.set(r.name, new docker.Volume(name, inputs, { parent }));
        break;
      case "random:index/randomPassword:RandomPassword":
        // The salt key (password salts, the recreate label): every MailServer registers one.
        new random.RandomPassword(name, inputs, { parent });
        break;
      default:
        deferred.push(r); // needs a key, the image or the writer
    }
  }
  for (const r of deferred) {
    const name = `${prefix}-${r.name}`;
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
      case "docker:index/container:Container": {
        // Containers mount the volumes by name, as a program written by hand does
        // (`volumeName: volume.name`); the recording holds the mock's `${child name}-volume`.
        const mounts = (inputs.volumes as any[] | undefined)?.map((v) => {
          if (v.volumeName === undefined) return v; // a bind mount
          const volume = volumes.get(String(v.volumeName).replace(/-volume$/, ""));
          if (volume === undefined) throw new Error(`no recorded volume for ${v.volumeName}`);
          return { ...v, volumeName: volume.name };
        });
        const withMounts = mounts === undefined ? inputs : { ...inputs, volumes: mounts };
        if (r.name.endsWith("-config-writer")) {
          // The writer uploads the DKIM private keys, so it waits for every key, as the component's does.
          const uploads = pulumi
            .all([...keys.values()].map((k) => k.privateKeyPem))
            .apply(() => inputs.uploads);
          writer = new docker.Container(
            name,
            { ...withMounts, image: image!.imageId, uploads },
            { parent },
          );
        } else {
          new docker.Container(
            name,
            { ...withMounts, image: image!.imageId },
            { parent, dependsOn: writer === undefined ? [] : [writer] },
          );
        }
        break;
      }
      default:
        break; // the component itself
    }
  }
  /* eslint-enable @typescript-eslint/no-explicit-any */
}
