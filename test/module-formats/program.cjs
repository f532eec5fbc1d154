// A CommonJS Pulumi program importing the built package by name, under mocks.
const { installRecordingMocks, SPEC } = require("./mocks.cjs");

const types = installRecordingMocks();
const { MailServer } = require("pulumi-docker-mailserver");
const mail = new MailServer("cjs", SPEC);
mail.container.id.apply(() =>
  setTimeout(() => {
    const modules = Object.keys(require.cache);
    // Optional peers and parsers a program passing TypeScript args never needs.
    const loaded = modules.some((k) => /@pulumi[\\/](aws|cloudflare|kubernetes)[\\/]/.test(k));
    const yamlLoaded = modules.some((k) => /node_modules[\\/]yaml[\\/]/.test(k));
    const previewParserLoaded = modules.some((k) => /[\\/]@streamparser[\\/]/.test(k));
    console.log(
      JSON.stringify({
        format: "cjs",
        types: types.sort(),
        cloudSdkLoaded: loaded,
        yamlLoaded,
        previewParserLoaded,
      }),
    );
  }, 50),
);
