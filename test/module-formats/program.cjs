// A CommonJS Pulumi program importing the built package by name, under mocks.
const pulumi = require("@pulumi/pulumi");
const types = [];
pulumi.runtime.setMocks(
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
const { MailServer } = require("pulumi-docker-mailserver");
const mail = new MailServer("cjs", {
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
    const loaded = Object.keys(require.cache).some((k) =>
      /@pulumi[\\/](aws|cloudflare)[\\/]/.test(k),
    );
    console.log(JSON.stringify({ format: "cjs", types: types.sort(), cloudSdkLoaded: loaded }));
  }, 50),
);
