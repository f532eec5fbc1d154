// An ES module Pulumi program importing the built package by name (named imports), under mocks.
import * as pulumi from "@pulumi/pulumi";
import { MailServer, MAIL_SERVER_TYPE } from "pulumi-docker-mailserver";

const types = [];
await pulumi.runtime.setMocks(
  {
    newResource: (a) => {
      types.push(`${a.type} ${a.name}`);
      return {
        id: `${a.name}-id`,
        state: {
          ...a.inputs,
          imageId: "sha256:x",
          name: `${a.name}-v`,
          publicKeyPem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
          privateKeyPem: "k",
        },
      };
    },
    call: (a) => {
      throw new Error(`unexpected call ${a.token}`);
    },
  },
  "project",
  "stack",
  false,
);
const mail = new MailServer("esm", {
  hostname: "mail.example.com",
  domains: [{ name: "example.com" }],
  accounts: [
    {
      address: "alice@example.com",
      passwordHash: "{SHA512-CRYPT}$6$abcdefghijklmnop$" + "x".repeat(86),
    },
  ],
});
mail.container.id.apply(() =>
  setTimeout(() => {
    console.log(JSON.stringify({ format: "esm", token: MAIL_SERVER_TYPE, types: types.sort() }));
  }, 50),
);
