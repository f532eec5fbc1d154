// Writes schema/mailserver.schema.json from the zod spec (the single source), after tsc.
const fs = require("node:fs");
const path = require("node:path");
const { specJsonSchema } = require("../dist/cjs/spec/json-schema.js");
const out = path.join(__dirname, "..", "schema", "mailserver.schema.json");
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(specJsonSchema(), null, 2) + "\n");
