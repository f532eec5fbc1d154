/** The outbound port 25 step of `MailServer`. */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { MailServerSpec } from "../../spec/schema";
import type { MailServerArgs } from "../args";
import { Port25Check } from "../port25-check";

/** Outbound port 25, probed from the mail host itself, unless `port25Check.mode` is `off`. */
export function port25(
  parent: pulumi.ComponentResource,
  name: string,
  args: MailServerArgs,
  spec: MailServerSpec,
  image: docker.RemoteImage,
  container: docker.Container,
): Port25Check | undefined {
  const mode = args.port25Check?.mode ?? "off";
  if (mode === "off") return undefined;
  return new Port25Check(
    `${name}-port25`,
    {
      image: image.imageId,
      mode,
      trigger: container.id,
      ...(spec.cloud !== undefined ? { cloud: spec.cloud } : {}),
    },
    { parent },
  );
}
