// Table tests of the value parsers (src/records/values): exact values, and the RFC rules where the
// two readers that used to exist (verify's and diff's) behaved differently.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import {
  canonicalValue,
  dkimKeyInfo,
  mxExchange,
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
  parseTags,
  parseTlsRpt,
  spfAll,
  spfTerm,
  splitUris,
  txtFamily,
} from "../../src/records/values";
import { joinTxt } from "../../src/records/txt";
import { KEY_B } from "../diff/keys";

test("parseMx reads preference and exchange, absolute or relative, and rejects anything else", () => {
  assert.deepEqual(parseMx("10 mail.example.com."), { priority: 10, host: "mail.example.com" });
  assert.deepEqual(parseMx(" 20   Mail.Example.COM "), { priority: 20, host: "Mail.Example.COM" });
  assert.deepEqual(parseMx("0 ."), { priority: 0, host: "." });
  for (const bad of [
    "",
    "mail.example.com.",
    "10",
    "70000 mail.example.com.",
    "-1 a.",
    "1 a. b.",
  ]) {
    assert.equal(parseMx(bad), undefined, bad);
  }
  assert.equal(mxExchange("10 Mail.Example.com."), "mail.example.com");
  assert.equal(mxExchange("garbage"), undefined);
});

test("parseSrv and parseCaa read their fields, quotes and escapes included", () => {
  assert.deepEqual(parseSrv("0 1 465 mail.example.com."), {
    priority: 0,
    weight: 1,
    port: 465,
    target: "mail.example.com",
  });
  assert.deepEqual(parseSrv("0 0 0 ."), { priority: 0, weight: 0, port: 0, target: "." });
  assert.equal(parseSrv("0 1 mail.example.com."), undefined);
  assert.equal(parseSrv("0 1 99999 mail.example.com."), undefined);
  assert.deepEqual(parseCaa('0 issue "letsencrypt.org"'), {
    flags: 0,
    tag: "issue",
    value: "letsencrypt.org",
  });
  assert.deepEqual(parseCaa('128 iodef "mailto:a@example.com"'), {
    flags: 128,
    tag: "iodef",
    value: "mailto:a@example.com",
  });
  assert.deepEqual(parseCaa('0 issue "a\\"b; c"'), { flags: 0, tag: "issue", value: 'a"b; c' });
  assert.deepEqual(parseCaa("0 issue letsencrypt.org"), {
    flags: 0,
    tag: "issue",
    value: "letsencrypt.org",
  });
  for (const bad of ['256 issue "x"', 'x issue "x"', '0 "issue" "x"', "0 issue", '0 is-sue "x"']) {
    assert.equal(parseCaa(bad), undefined, bad);
  }
});

test("parseA, parseAaaa and canonicalValue: addresses and names in the form values compare in", () => {
  assert.equal(parseA("192.0.2.1"), "192.0.2.1");
  assert.equal(parseA("2001:db8::1"), undefined);
  assert.equal(parseAaaa("2001:DB8:0:0::1"), "2001:db8::1");
  assert.equal(parseAaaa("192.0.2.1"), undefined);
  assert.equal(canonicalValue("AAAA", "2001:DB8:0::10"), "2001:db8::10");
  assert.equal(canonicalValue("AAAA", "[secret]"), "[secret]");
  assert.equal(canonicalValue("MX", "10 Mail.Example.com."), "10 mail.example.com.");
  assert.equal(canonicalValue("TXT", "v=spf1 MX -all"), "v=spf1 MX -all");
});

test("txtFamily follows each RFC's version marker", () => {
  const cases: [string, string][] = [
    ["v=spf1 mx -all", "spf"],
    ["V=SPF1 -all", "spf"], // RFC 7208 §4.5: ABNF strings are case-insensitive
    ["v=spf1", "spf"],
    ["v=spf10", "other"],
    [" v=spf1 -all", "other"], // §4.5: the record must begin with v=spf1
    ["v=spf1\t-all", "other"], // §4.5: the version ends at a space
    ["v=DMARC1; p=none", "dmarc"],
    ["V = DMARC1 ;p=none", "dmarc"],
    ["v=dmarc1; p=none", "other"], // RFC 7489 §6.4: DMARC1 is %x literals, case-sensitive
    ["v=DKIM1; p=abc", "dkim"],
    ["V=DKIM1; p=abc", "other"], // RFC 6376 §3.2: tag names are case-sensitive
    ["v=STSv1; id=1", "mta-sts"],
    ["v=stsv1; id=1", "other"], // RFC 8461 §3.1: %s strings
    ["v=TLSRPTv1; rua=mailto:x@example.com", "tls-rpt"],
    ["v=TLSRPTv1 rua=mailto:x@example.com", "other"],
    ["google-site-verification=x", "other"],
  ];
  for (const [value, family] of cases) assert.equal(txtFamily(value), family, value);
});

test("parseTagList: RFC 6376 §3.2 rules, where verify's and diff's readers used to differ", () => {
  // Duplicates: diff kept the first value, verify the last; the RFC makes the list invalid.
  // The one parser keeps the first for display and reports the duplicate.
  assert.deepEqual(parseTagList("v=DMARC1; p=reject; p=none", "fold"), {
    tags: new Map([
      ["v", "DMARC1"],
      ["p", "reject"],
    ]),
    problems: ["tag p= appears more than once"],
  });
  // An empty name: verify kept it as the tag "" when blanks preceded "="; it is not a tag name.
  assert.deepEqual(parseTagList(" =x; p=1", "exact").problems, ['"" is not a tag name']);
  assert.deepEqual(parseTagList("v=DKIM1; junk; p=", "exact"), {
    tags: new Map([
      ["v", "DKIM1"],
      ["p", ""],
    ]),
    problems: ['"junk" is not a tag=value pair'],
  });
  // Names: DKIM's are case-sensitive (both readers folded them); DMARC's are not.
  assert.deepEqual([...parseTags("v=DKIM1; P=abc", "exact").keys()], ["v", "P"]);
  assert.deepEqual([...parseTags("v=DMARC1; P=reject", "fold").keys()], ["v", "p"]);
  // Blanks around names and values are not part of them; inside a value they are kept; an
  // empty spec (`;;`) and a trailing `;` are skipped.
  assert.deepEqual(
    [...parseTags("v=DMARC1;; rua = mailto:a@x.org , mailto:b@x.org ;", "fold")],
    [
      ["v", "DMARC1"],
      ["rua", "mailto:a@x.org , mailto:b@x.org"],
    ],
  );
  assert.deepEqual(splitUris("mailto:a@x.org , mailto:b@x.org,"), [
    "mailto:a@x.org",
    "mailto:b@x.org",
  ]);
});

test("parseSpf: terms with lowercase names, all found, non-SPF text refused", () => {
  const spf = parseSpf("v=spf1 MX Include:_spf.X.org  ~ALL redirect=_spf.example.net");
  assert.deepEqual(spf, {
    terms: ["mx", "include:_spf.X.org", "~all", "redirect=_spf.example.net"],
  });
  assert.equal(spfAll(spf!), "~all");
  assert.equal(spfAll(parseSpf("v=spf1 mx")!), undefined);
  assert.equal(parseSpf("v=spf10 mx"), undefined);
  assert.deepEqual(spfTerm("-ip4:192.0.2.0/24"), {
    qualifier: "-",
    name: "ip4",
    rest: ":192.0.2.0/24",
  });
  assert.deepEqual(spfTerm("a/24"), { qualifier: "", name: "a", rest: "/24" });
});

test("parseDkim, parseDmarc, parseMtaSts, parseTlsRpt read their records and refuse others", () => {
  assert.deepEqual(parseDkim("v=DKIM1; k=RSA; p=MIIB AAAA\tBBBB"), {
    keyType: "rsa",
    publicKey: "MIIBAAAABBBB",
  });
  assert.deepEqual(parseDkim("p=abc"), { keyType: "rsa", publicKey: "abc" });
  assert.equal(parseDkim("v=DKIM2; p=abc"), undefined);
  assert.equal(parseDkim("v=DKIM1; k=rsa"), undefined);
  assert.equal(parseDkim("v=DKIM1; p=a; p=b"), undefined);
  assert.deepEqual(parseDmarc("v=DMARC1; P=Reject; RUA=mailto:a@x.org,mailto:b@x.org; pct=50"), {
    policy: "reject",
    rua: ["mailto:a@x.org", "mailto:b@x.org"],
    ruf: [],
    pct: 50,
    adkim: "r",
    aspf: "r",
  });
  assert.deepEqual(parseDmarc("v=DMARC1; p=none; sp=quarantine; adkim=s; aspf=s"), {
    policy: "none",
    subdomainPolicy: "quarantine",
    rua: [],
    ruf: [],
    pct: 100,
    adkim: "s",
    aspf: "s",
  });
  for (const bad of [
    "v=DMARC1",
    "v=DMARC1; p=maybe",
    "v=DMARC1; p=none; pct=101",
    "v=DMARC1; p=none; p=reject",
    "v=spf1 -all",
  ]) {
    assert.equal(parseDmarc(bad), undefined, bad);
  }
  assert.deepEqual(parseMtaSts("v=STSv1; id=20240101T000000"), { id: "20240101T000000" });
  assert.equal(parseMtaSts("v=STSv1; id=bad-id"), undefined);
  assert.deepEqual(parseTlsRpt("v=TLSRPTv1; rua=mailto:a@x.org, https://r.x.org/"), {
    rua: ["mailto:a@x.org", "https://r.x.org/"],
  });
  assert.equal(parseTlsRpt("v=TLSRPTv1; rua="), undefined);
});

test("dkimKeyInfo: the one key reader gives diff's identity and verify's verdict", () => {
  assert.deepEqual(dkimKeyInfo(`v=DKIM1; p=${KEY_B}`), {
    keyType: "rsa",
    algorithm: "rsa-2048",
    fingerprint: "sha256:89cf78e2f0ad",
    placeholder: false,
    bits: 2048,
  });
  assert.deepEqual(dkimKeyInfo("v=DKIM1; p="), {
    keyType: "rsa",
    algorithm: "rsa",
    fingerprint: "none (revoked)",
    placeholder: false,
    problem: "p= is empty: the key is revoked (RFC 6376 §3.6.1)",
  });
  assert.deepEqual(dkimKeyInfo("v=DKIM1; k=ed25519; p=AAAA"), {
    keyType: "ed25519",
    algorithm: "ed25519",
    fingerprint: "sha256:709e80c88487",
    placeholder: false,
    problem: "ed25519 key of 3 bytes, expected 32",
  });
  assert.deepEqual(dkimKeyInfo("v=DKIM1; k=rsa; p=<generated-at-deploy>"), {
    keyType: "rsa",
    algorithm: "rsa",
    fingerprint: "generated at deploy",
    placeholder: true,
    problem: "the key is generated at deploy",
  });
  const ed = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }).x!;
  const edInfo = dkimKeyInfo(
    `v=DKIM1; k=ed25519; p=${Buffer.from(ed, "base64url").toString("base64")}`,
  );
  assert.equal(edInfo.problem, undefined);
  assert.equal(edInfo.algorithm, "ed25519");
  const small = generateKeyPairSync("rsa", { modulusLength: 512 })
    .publicKey.export({ type: "spki", format: "der" })
    .toString("base64");
  assert.equal(
    dkimKeyInfo(`v=DKIM1; p=${small}`).problem,
    "RSA key of 512 bits; receivers require at least 1024 (RFC 8301)",
  );
  const problems: [string, string][] = [
    ["v=DKIM2; p=abc", "v=DKIM2, expected DKIM1"],
    ["v=DKIM1; k=rsa", "no p= tag"],
    ["v=DKIM1; k=rsa; p=AAAA", "p= is not a valid rsa public key"],
    ["v=DKIM1; k=dsa; p=AAAA", "unknown key type k=dsa"],
    [
      `v=DKIM1; p=${KEY_B}; p=${KEY_B}`,
      "tag p= appears more than once: the record is invalid (RFC 6376 §3.2)",
    ],
  ];
  for (const [record, problem] of problems) {
    assert.equal(dkimKeyInfo(record).problem, problem, record);
  }
});

test("joinTxt reads quoted presentation text and the AWS provider's unquoted form", () => {
  assert.equal(joinTxt('"v=spf1 mx -all"'), "v=spf1 mx -all");
  assert.equal(joinTxt('"abc" "def"'), "abcdef");
  assert.equal(joinTxt('abc""def'), "abcdef");
  assert.equal(joinTxt('say \\"hi\\"'), 'say "hi"');
  assert.equal(joinTxt('"a\\059b"'), "a;b");
  assert.equal(joinTxt("plain"), "plain");
});
