// Shared by program.cjs and program.mjs: Pulumi mocks that record each registration, and the spec
// both programs deploy. CommonJS, so the ES module program can import it too.
const { generateKeyPairSync } = require("node:crypto");
const pulumi = require("@pulumi/pulumi");

// A real key pair: the component derives the DKIM record from the public key.
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });

/** Installs the mocks; returns the list that fills with `"<type> <name>"` per registration. */
function installRecordingMocks() {
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
            // random.RandomPassword's value (the salt key that keys the recreate label).
            result: "mock-salt-key-0123456789abcdef",
            name: `${a.name}-v`,
            publicKeyPem: publicKey.export({ type: "spki", format: "pem" }),
            privateKeyPem: privateKey.export({ type: "pkcs1", format: "pem" }),
            // A DKIM rotation guard that read an empty config volume (a first deploy).
            ...(a.name.endsWith("-dkim-rotation-guard")
              ? { containerLogs: "DMS-DKIM-SIGNING-END\n" }
              : {}),
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
  return types;
}

/** The smallest valid mail server: one domain, one account with a ready hash. */
const SPEC = {
  hostname: "mail.example.com",
  domains: [{ name: "example.com" }],
  accounts: [
    {
      address: "alice@example.com",
      passwordHash: "{SHA512-CRYPT}$6$abcdefghijklmnop$" + "x".repeat(86),
    },
  ],
};

module.exports = { installRecordingMocks, SPEC };
