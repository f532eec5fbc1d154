import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import { specJsonSchema } from "../../src/spec/json-schema";
import { loadSpecFile } from "../../src/spec/load";
import { validateSpec } from "../../src/spec/validate";
import { baseSpec } from "./helpers";

const ROOT = join(__dirname, "..", "..");
const SCHEMA_FILE = join(ROOT, "schema", "mailserver.schema.json");
/** Spec files that must pass both the JSON Schema and validateSpec without an error. */
const EXAMPLES = [
  join(ROOT, "test", "golden", "spec", "full.yaml"),
  join(ROOT, "examples", "local-zonefile", "mailserver.yaml"),
];

function compile() {
  // Formats are also expressed as patterns by zod; the format keyword itself is not checked here.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as object);
}

describe("schema/mailserver.schema.json", () => {
  it("is up to date with the zod schema (npm run build writes it)", () => {
    assert.equal(
      readFileSync(SCHEMA_FILE, "utf8"),
      JSON.stringify(specJsonSchema(), null, 2) + "\n",
    );
  });

  it("requires hostname and domains, and refuses unknown keys", () => {
    const schema = specJsonSchema() as { required?: string[]; additionalProperties?: unknown };
    assert.deepEqual(schema.required, ["hostname", "domains"]);
    assert.equal(schema.additionalProperties, false);
    const validate = compile();
    assert.equal(validate({ domains: [{ name: "example.com" }] }), false);
    assert.deepEqual(
      validate.errors?.map((e) => [e.instancePath, e.message]),
      [["", "must have required property 'hostname'"]],
    );
    assert.equal(validate({ ...baseSpec(), domains: [{ name: "example.com", dkmi: {} }] }), false);
    assert.deepEqual(
      validate.errors?.map((e) => [e.instancePath, e.keyword, e.params]),
      [["/domains/0", "additionalProperties", { additionalProperty: "dkmi" }]],
    );
  });

  it("accepts the base spec and reports a bad enum and pattern", () => {
    const validate = compile();
    assert.equal(validate(baseSpec()), true);
    assert.equal(
      validate({ ...baseSpec(), hostname: "mail", tls: { type: "none" }, logLevel: "loud" }),
      false,
    );
    assert.deepEqual(
      validate.errors?.map((e) => [e.instancePath, e.keyword]),
      [
        ["/hostname", "pattern"],
        ["/logLevel", "enum"],
      ],
    );
  });

  for (const file of EXAMPLES) {
    it(`validates ${file.slice(ROOT.length + 1)} structurally and with every rule`, () => {
      const loaded = loadSpecFile(file);
      assert.deepEqual(loaded.findings, []);
      const validate = compile();
      assert.equal(validate(loaded.value), true, JSON.stringify(validate.errors));
      const result = validateSpec(loaded.value);
      assert.deepEqual(
        result.findings.filter((f) => f.level === "error"),
        [],
      );
      assert.equal(result.ok, true);
    });
  }

  it("reads YAML merge keys and numeric quota 0 in the full example", () => {
    const result = validateSpec(loadSpecFile(EXAMPLES[0]!).value);
    assert.ok(result.ok);
    assert.deepEqual(result.findings, []);
    const net = result.spec.domains[1]!;
    assert.deepEqual(net.dmarc, {
      policy: "quarantine",
      subdomainPolicy: "reject",
      rua: ["mailto:dmarc@example.com"],
      ruf: [],
      pct: 50,
      adkim: "s",
      aspf: "s",
    });
    assert.equal(result.spec.accounts[1]!.quota, "0");
  });
});
