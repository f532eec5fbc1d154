import { test } from "node:test";
import assert from "node:assert/strict";
import {
  absoluteName,
  expandIpv6,
  isInZone,
  longestZone,
  parentName,
  relativeName,
  reverseName,
} from "../../src/records/names";
import { canonicalIpv6 } from "../../src/spec/ip";
import { quoteTxtString, splitTxt, txtRdata } from "../../src/records/txt";
import {
  renderA,
  renderAaaa,
  renderCaa,
  renderMx,
  renderSrv,
  SRV_NOT_AVAILABLE,
} from "../../src/records/values";
import {
  dkimName,
  dkimPublicKeyBase64,
  dkimText,
  dmarcReportAuthName,
  dmarcText,
  heloSpfText,
  mailtoDomain,
  mtaStsPolicyId,
  mtaStsPolicyText,
  mtaStsText,
  spfText,
  tlsRptText,
} from "../../src/records/policies";
import { generateKeyPairSync } from "node:crypto";

test("names: absolute, relative, zone membership, parent", () => {
  assert.equal(absoluteName("example.com"), "example.com.");
  assert.equal(absoluteName("example.com."), "example.com.");
  assert.equal(absoluteName("."), ".");
  const cases: [string, string, string, boolean][] = [
    ["example.com", "example.com", "@", true],
    ["mail.example.com", "example.com", "mail", true],
    ["a.b.example.com", "example.com", "a.b", true],
    ["badexample.com", "example.com", "badexample.com.", false],
    ["example.net", "example.com", "example.net.", false],
  ];
  for (const [name, zone, rel, inZone] of cases) {
    assert.equal(relativeName(name, zone), rel, name);
    assert.equal(isInZone(name, zone), inZone, name);
  }
  assert.equal(parentName("mail.example.com"), "example.com");
  assert.equal(parentName("localhost"), "localhost");
  const zones = ["com", "example.com", "sub.example.com", "badexample.com"];
  assert.equal(longestZone("mail._domainkey.example.com", zones), "example.com");
  assert.equal(longestZone("x.sub.example.com", zones), "sub.example.com");
  assert.equal(longestZone("sub.example.com", zones), "sub.example.com");
  assert.equal(longestZone("example.net", zones), undefined);
});

test("names: IPv6 canonical form (RFC 5952) and expansion", () => {
  const cases: [string, string][] = [
    ["2001:DB8:0:0:0:0:0:10", "2001:db8::10"],
    ["2001:db8::0:1", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["::1", "::1"],
    ["::ffff:192.0.2.1", "::ffff:c000:201"],
  ];
  for (const [input, canonical] of cases) assert.equal(canonicalIpv6(input), canonical, input);
  assert.deepEqual(expandIpv6("2001:db8::10"), [
    "2001",
    "0db8",
    "0000",
    "0000",
    "0000",
    "0000",
    "0000",
    "0010",
  ]);
  assert.deepEqual(expandIpv6("::"), Array(8).fill("0000"));
  assert.deepEqual(expandIpv6("fe80::"), ["fe80", ...Array(7).fill("0000")]);
  assert.throws(() => canonicalIpv6("192.0.2.1"), { message: 'not an IPv6 address: "192.0.2.1"' });
});

test("names: reverse names for PTR (RFC 1035 §3.5, RFC 3596 §2.5)", () => {
  assert.equal(reverseName("192.0.2.7"), "7.2.0.192.in-addr.arpa");
  assert.equal(
    reverseName("2001:db8::567:89ab"),
    "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
  );
  assert.throws(() => reverseName("mail.example.com"), {
    message: 'not an IPv6 address: "mail.example.com"',
  });
});

test("txt: split into <=255-byte strings, never inside a UTF-8 character", () => {
  assert.deepEqual(splitTxt(""), [""]);
  assert.deepEqual(splitTxt("v=spf1 -all"), ["v=spf1 -all"]);
  const long = "p=" + "A".repeat(600);
  const parts = splitTxt(long);
  assert.deepEqual(
    parts.map((p) => p.length),
    [255, 255, 92],
  );
  assert.equal(parts.join(""), long);
  assert.deepEqual(splitTxt("a".repeat(255)), ["a".repeat(255)]);
  assert.deepEqual(splitTxt("a".repeat(256)), ["a".repeat(255), "a"]);
  // "é" is two bytes: 127 of them fill 254 bytes, the 128th would straddle the boundary.
  const accents = "é".repeat(130);
  assert.deepEqual(
    splitTxt(accents).map((p) => Buffer.byteLength(p)),
    [254, 6],
  );
  assert.deepEqual(splitTxt("abcdefghij", 4), ["abcd", "efgh", "ij"]);
  assert.throws(() => splitTxt("x", 3), { message: "max must be an integer >= 4, got 3" });
});

test("txt: zone presentation quoting (RFC 1035 §5.1)", () => {
  assert.equal(quoteTxtString('say "hi" \\ bye'), '"say \\"hi\\" \\\\ bye"');
  assert.equal(quoteTxtString("tab\there"), '"tab\\009here"');
  assert.equal(quoteTxtString("é"), '"\\195\\169"');
  assert.equal(txtRdata("abcdefghij", 4), '"abcd" "efgh" "ij"');
});

test("txt: the printable-ASCII fast paths agree with the byte-by-byte rules", () => {
  // Every printable character alone (fast path unless it is `"` or `\`) and after a non-ASCII one
  // (always the byte-by-byte path): the same text either way.
  for (let code = 0x20; code <= 0x7e; code++) {
    const c = String.fromCharCode(code);
    const escaped = c === '"' || c === "\\" ? `\\${c}` : c;
    assert.equal(quoteTxtString(c), `"${escaped}"`);
    assert.equal(quoteTxtString(`é${c}`), `"\\195\\169${escaped}"`);
  }
  // Splitting: an ASCII value splits where the same value with one 2-byte character at its end
  // does, up to that character.
  const ascii = Array.from({ length: 700 }, (_, i) => String.fromCharCode(0x20 + (i % 95))).join(
    "",
  );
  const fast = splitTxt(ascii);
  const slow = splitTxt(`${ascii}é`);
  assert.deepEqual(fast, [ascii.slice(0, 255), ascii.slice(255, 510), ascii.slice(510)]);
  assert.deepEqual(slow.slice(0, 2), fast.slice(0, 2));
  assert.equal(slow.join(""), `${ascii}é`);
});

test("values: MX, SRV, CAA, A, AAAA render to canonical presentation text", () => {
  assert.equal(renderMx({ priority: 10, host: "mail.example.com" }), "10 mail.example.com.");
  assert.equal(
    renderSrv({ priority: 0, weight: 1, port: 465, target: "mail.example.com" }),
    "0 1 465 mail.example.com.",
  );
  assert.equal(renderSrv(SRV_NOT_AVAILABLE), "0 0 0 .");
  assert.equal(renderCaa({ tag: "issue", value: "letsencrypt.org" }), '0 issue "letsencrypt.org"');
  assert.equal(
    renderCaa({ flags: 128, tag: "iodef", value: "mailto:sec@example.com" }),
    '128 iodef "mailto:sec@example.com"',
  );
  assert.equal(renderA("192.0.2.10"), "192.0.2.10");
  assert.equal(renderAaaa("2001:DB8:0::10"), "2001:db8::10");
  assert.throws(() => renderMx({ priority: 70000, host: "x.example" }), {
    message: "MX priority must be 0..65535, got 70000",
  });
  assert.throws(() => renderA("2001:db8::1"), { message: 'not an IPv4 address: "2001:db8::1"' });
  // A quote or backslash in the value is escaped inside the one character-string (RFC 1035 §5.1).
  assert.equal(renderCaa({ tag: "issue", value: 'a"b\\c' }), '0 issue "a\\"b\\\\c"');
  assert.throws(() => renderCaa({ flags: 256, tag: "issue", value: "x" }), {
    message: "CAA flags must be 0..255, got 256",
  });
});

test("policies: SPF and HELO SPF", () => {
  const cases: [Parameters<typeof spfText>[0], string][] = [
    [{ mx: true, mechanisms: [], all: "-all" }, "v=spf1 mx -all"],
    [
      { mx: true, ipv4: "192.0.2.10", ipv6: "2001:db8::10", mechanisms: [], all: "-all" },
      "v=spf1 mx ip4:192.0.2.10 ip6:2001:db8::10 -all",
    ],
    [
      {
        mx: false,
        ipv4: "192.0.2.10",
        mechanisms: ["include:_spf.example.net", "ip4:192.0.2.10", "include:_spf.example.net"],
        all: "~all",
      },
      "v=spf1 ip4:192.0.2.10 include:_spf.example.net ~all",
    ],
  ];
  for (const [input, text] of cases) assert.equal(spfText(input), text);
  assert.equal(heloSpfText(), "v=spf1 a -all");
  assert.equal(heloSpfText("192.0.2.10"), "v=spf1 ip4:192.0.2.10 -all");
  assert.equal(heloSpfText(undefined, "2001:db8::10"), "v=spf1 ip6:2001:db8::10 -all");
});

test("policies: DMARC, report authorization, mailto domains", () => {
  const base = { policy: "none", rua: [], ruf: [], pct: 100, adkim: "r", aspf: "r" } as const;
  assert.equal(dmarcText(base), "v=DMARC1; p=none");
  assert.equal(
    dmarcText({
      ...base,
      policy: "reject",
      subdomainPolicy: "quarantine",
      pct: 50,
      rua: ["mailto:a@example.com", "mailto:b@example.net!10m", "mailto:a@example.com"],
      ruf: ["mailto:f@example.com"],
      adkim: "s",
      aspf: "s",
    }),
    "v=DMARC1; p=reject; sp=quarantine; pct=50; rua=mailto:a@example.com,mailto:b@example.net!10m; ruf=mailto:f@example.com; adkim=s; aspf=s",
  );
  assert.equal(mailtoDomain("mailto:dmarc@Example.NET!10m"), "example.net");
  assert.equal(mailtoDomain("mailto:d@example.org?subject=x"), "example.org");
  assert.equal(mailtoDomain("https://example.com/report"), undefined);
  assert.equal(
    dmarcReportAuthName("example.org", "example.com"),
    "example.org._report._dmarc.example.com",
  );
});

test("policies: MTA-STS policy text, id, record; TLS-RPT", () => {
  const policy = mtaStsPolicyText({
    mode: "enforce",
    mx: ["mx2.example.com", "mail.example.com", "mail.example.com"],
    maxAge: 604800,
  });
  assert.equal(
    policy,
    "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: mx2.example.com\r\nmax_age: 604800\r\n",
  );
  assert.equal(mtaStsPolicyId(policy), "5d7b9fa7a18aeceaebda");
  assert.equal(mtaStsText("abc123"), "v=STSv1; id=abc123");
  assert.equal(
    tlsRptText(["mailto:tls@example.com", "https://r.example.com/tls"]),
    "v=TLSRPTv1; rua=mailto:tls@example.com,https://r.example.com/tls",
  );
  assert.throws(() => tlsRptText([]), { message: "TLS-RPT needs at least one rua URI" });
});

test("policies: DKIM name, text and the public key of a PEM private key", () => {
  assert.equal(dkimName("mail", "example.com"), "mail._domainkey.example.com");
  assert.equal(dkimText("MIIB"), "v=DKIM1; k=rsa; p=MIIB");
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const spki = publicKey.export({ type: "spki", format: "der" }).toString("base64");
  const pkcs1 = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const pkcs8 = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  assert.equal(dkimPublicKeyBase64(pkcs1), spki);
  assert.equal(dkimPublicKeyBase64(pkcs8), spki);
  assert.throws(() => dkimPublicKeyBase64("-----BEGIN NOTHING-----"), {
    message: "not a PEM private key",
  });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  assert.throws(
    () => dkimPublicKeyBase64(ec.privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
    { message: "must be an RSA key, got ec" },
  );
});
