import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { canonicalIp, canonicalIpv6, parseIpv4, parseIpv6 } from "../../src/spec/ip";

describe("IP addresses", () => {
  it("parses dotted quads, refusing leading zeros and out-of-range parts", () => {
    assert.equal(parseIpv4("192.0.2.7"), 0xc0000207);
    assert.equal(parseIpv4("0.0.0.0"), 0);
    assert.equal(parseIpv4("255.255.255.255"), 0xffffffff);
    for (const bad of ["192.0.2", "192.0.2.07", "256.0.0.1", "1.2.3.4.5", "a.b.c.d", ""]) {
      assert.equal(parseIpv4(bad), undefined, bad);
    }
  });

  it("parses IPv6 with :: and an IPv4 tail into eight groups", () => {
    assert.deepEqual(parseIpv6("2001:db8::10"), [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x10]);
    assert.deepEqual(parseIpv6("::ffff:192.0.2.1"), [0, 0, 0, 0, 0, 0xffff, 0xc000, 0x201]);
    assert.deepEqual(parseIpv6("1:2:3:4:5:6:7::"), [1, 2, 3, 4, 5, 6, 7, 0]);
    for (const bad of ["1::2::3", ":1::", "12345::", "1:2:3:4:5:6:7:8:9", "::1.2.3", "g::", "1"]) {
      assert.equal(parseIpv6(bad), undefined, bad);
    }
  });

  it("gives one canonical text to every spelling of an address", () => {
    const cases: [string, string | undefined][] = [
      ["2620:00FE::00fe", "2620:fe::fe"],
      ["2620:fe:0:0:0:0:0:fe", "2620:fe::fe"],
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
      ["0:0:0:0:0:0:0:0", "::"],
      ["::ffff:192.0.2.1", "::ffff:c000:201"],
      ["192.0.2.1", "192.0.2.1"],
      ["mail.example.com", undefined],
    ];
    for (const [input, want] of cases) assert.equal(canonicalIp(input), want, input);
    assert.throws(() => canonicalIpv6("192.0.2.1"), {
      message: 'not an IPv6 address: "192.0.2.1"',
    });
  });

  it("agrees with the WHATWG URL serializer (RFC 5952) on a generated corpus", () => {
    const pieces = ["0", "00", "0000", "1", "a", "F", "ffff", "12345", "", "1.2.3.4", "01.2.3.4"];
    let seed = 7;
    const next = (k: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % k;
    };
    let valid = 0;
    for (let t = 0; t < 20_000; t++) {
      const text = Array.from({ length: 1 + next(9) }, () => pieces[next(pieces.length)]!).join(
        ":",
      );
      let want: string | undefined;
      try {
        want = new URL(`http://[${text}]/`).hostname.slice(1, -1);
      } catch {
        want = undefined;
      }
      const got = parseIpv6(text) === undefined ? undefined : canonicalIpv6(text);
      assert.equal(got, want, text);
      if (want !== undefined) valid++;
    }
    assert.ok(valid > 200, `only ${valid} valid addresses generated`);
  });
});
