// A CommonJS Pulumi program importing the built package by name, under mocks.
const { installRecordingMocks, SPEC } = require("./mocks.cjs");

const types = installRecordingMocks();
const { MailServer } = require("pulumi-docker-mailserver");
const mail = new MailServer("cjs", SPEC);
mail.container.id.apply(() =>
  setTimeout(() => {
    const loaded = Object.keys(require.cache).some((k) =>
      /@pulumi[\\/](aws|cloudflare)[\\/]/.test(k),
    );
    console.log(JSON.stringify({ format: "cjs", types: types.sort(), cloudSdkLoaded: loaded }));
  }, 50),
);
