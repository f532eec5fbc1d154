// Property tests: for every record value type, rendering a value, parsing the text and rendering
// again gives the same text, and parsing gives back the value (in its canonical form). fast-check
// runs each property on 200 generated values with a fixed seed, so a failure reproduces.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  parseA,
  parseAaaa,
  parseCaa,
  parseDkim,
  parseDmarc,
  parseMtaSts,
  parseMx,
  parseSpf,
  parseSrv,
  parseTagList,
  parseTlsRpt,
  renderA,
  renderAaaa,
  renderCaa,
  renderDkim,
  renderDmarc,
  renderMtaSts,
  renderMx,
  renderSpf,
  renderSrv,
  renderTags,
  renderTlsRpt,
  type DmarcValue,
} from "../../src/records/values";
import { joinTxt, txtRdata } from "../../src/records/txt";

const RUNS = { numRuns: 200, seed: 20261130 };

/** Asserts render(parse(render(v))) === render(v) and that parsing gives `expected(v)`. */
function roundTrip<T>(
  name: string,
  arb: fc.Arbitrary<T>,
  render: (v: T) => string,
  parse: (text: string) => T | undefined,
  expected: (v: T) => T = (v) => v,
): void {
  test(`${name}: render -> parse -> render is the identity`, () => {
    fc.assert(
      fc.property(arb, (v) => {
        const text = render(v);
        const parsed = parse(text);
        assert.notEqual(parsed, undefined, text);
        assert.equal(render(parsed!), text);
        // Spread: fast-check's records have a null prototype, parsed values a plain one.
        const want = expected(v);
        assert.deepEqual(parsed, typeof want === "object" ? { ...want } : want);
      }),
      RUNS,
    );
  });
}

/** A host name in any letter case (DNS names are case-insensitive; the value keeps the case). */
const host = fc
  .tuple(fc.domain(), fc.boolean())
  .map(([d, upper]) => (upper ? d.replace(/^[a-z]/, (c) => c.toUpperCase()) : d));
const u16 = fc.integer({ min: 0, max: 65535 });

roundTrip(
  "MX",
  fc.record({ priority: u16, host: fc.oneof(host, fc.constant(".")) }),
  renderMx,
  parseMx,
);

roundTrip(
  "SRV",
  fc.record({
    priority: u16,
    weight: u16,
    port: u16,
    target: fc.oneof(host, fc.constant(".")),
  }),
  renderSrv,
  parseSrv,
);

roundTrip(
  "CAA",
  fc.record({
    flags: fc.constantFrom(0, 128),
    tag: fc.constantFrom("issue", "issuewild", "iodef"),
    // Any printable ASCII, quotes, backslashes, blanks and `;` included.
    value: fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    }),
  }),
  renderCaa,
  parseCaa,
);

roundTrip("A", fc.ipV4(), renderA, parseA);

roundTrip("AAAA", fc.ipV6(), renderAaaa, parseAaaa, (ip) => renderAaaa(ip));

test("TXT: txtRdata -> joinTxt is the identity, for any Unicode text and string length", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: "grapheme", maxLength: 600 }),
      fc.integer({ min: 4, max: 255 }),
      (v, max) => {
        assert.equal(joinTxt(txtRdata(v, max)), v);
      },
    ),
    RUNS,
  );
});

const tagName = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/);
const tagValue = fc.stringMatching(/^[!-:<-~]([ !-:<-~]*[!-:<-~])?$/);
test("tag lists: renderTags -> parseTagList gives back the tags, in order", () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(tagName, tagValue), { selector: ([n]) => n }), (tags) => {
      const text = renderTags(tags);
      const parsed = parseTagList(text, "exact");
      assert.deepEqual(parsed.problems, []);
      assert.deepEqual([...parsed.tags], tags);
      assert.equal(renderTags([...parsed.tags]), text);
    }),
    RUNS,
  );
});

const spfTerm = fc
  .tuple(
    fc.constantFrom("", "+", "-", "~", "?"),
    fc.oneof(
      fc.constantFrom("mx", "a", "ptr", "all", "a/24", "mx/24//64"),
      fc.ipV4().map((ip) => `ip4:${ip}`),
      fc.ipV6().map((ip) => `ip6:${ip}`),
      fc.domain().map((d) => `include:${d}`),
      fc.domain().map((d) => `exists:${d}`),
    ),
  )
  .map(([q, t]) => q + t);
const spfModifier = fc.domain().map((d) => `redirect=${d}`);
roundTrip(
  "SPF",
  fc.record({ terms: fc.array(fc.oneof(spfTerm, spfModifier), { maxLength: 12 }) }),
  renderSpf,
  parseSpf,
);

const base64 = fc
  .uint8Array({ minLength: 0, maxLength: 300 })
  .map((b) => Buffer.from(b).toString("base64"));
roundTrip(
  "DKIM",
  fc.record({ keyType: fc.constantFrom("rsa", "ed25519"), publicKey: base64 }),
  renderDkim,
  parseDkim,
);

const policy = fc.constantFrom("none", "quarantine", "reject") as fc.Arbitrary<
  DmarcValue["policy"]
>;
const mailto = fc
  .emailAddress()
  .map((a) => `mailto:${a}`)
  .filter((u) => !/[,;\s!]/.test(u));
const dmarc: fc.Arbitrary<DmarcValue> = fc
  .record({
    policy,
    subdomainPolicy: fc.option(policy, { nil: undefined }),
    rua: fc.uniqueArray(mailto, { maxLength: 3 }),
    ruf: fc.uniqueArray(mailto, { maxLength: 3 }),
    pct: fc.integer({ min: 0, max: 100 }),
    adkim: fc.constantFrom("r", "s") as fc.Arbitrary<"r" | "s">,
    aspf: fc.constantFrom("r", "s") as fc.Arbitrary<"r" | "s">,
  })
  .map(({ subdomainPolicy, ...rest }) =>
    subdomainPolicy === undefined ? rest : { ...rest, subdomainPolicy },
  );
roundTrip("DMARC", dmarc, renderDmarc, parseDmarc);

roundTrip(
  "MTA-STS",
  fc.record({ id: fc.stringMatching(/^[A-Za-z0-9]{1,32}$/) }),
  renderMtaSts,
  parseMtaSts,
);

const reportUri = fc.oneof(
  mailto,
  fc.domain().map((d) => `https://${d}/tlsrpt`),
);
roundTrip(
  "TLS-RPT",
  fc.record({ rua: fc.uniqueArray(reportUri, { minLength: 1, maxLength: 3 }) }),
  renderTlsRpt,
  parseTlsRpt,
);
