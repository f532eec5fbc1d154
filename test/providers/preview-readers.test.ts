/**
 * The provider folders' readers of `pulumi preview --json` states (plain modules) and the
 * Cloudflare proxy ranges. The whole preview path is covered by the goldens of
 * `test/diff/preview.test.ts`; these pin the reading of single states and that the readers load
 * no Pulumi package.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cloudflarePreviewReader } from "../../src/providers/dns/cloudflare/preview";
import {
  isCloudflareProxyAddress,
  proxiedAddresses,
} from "../../src/providers/dns/cloudflare/proxy";
import { purposeFromComment, recordComment } from "../../src/providers/dns/cloudflare/values";
import { SECRET_MARK, UNKNOWN_SENTINEL } from "../../src/providers/dns/preview-reader";
import { previewReaderFor, RECORD_RESOURCE_TYPES } from "../../src/providers/dns/readers";
import { route53PreviewReader } from "../../src/providers/dns/route53/preview";

const ROOT = join(__dirname, "..", "..");

describe("Cloudflare preview reader", () => {
  const read = (props: Record<string, unknown>) =>
    cloudflarePreviewReader.readState({
      zoneId: "z1",
      name: "Example.com",
      ttl: 300,
      ...props,
    } as never);
  it("reads each type into the plan's canonical value", () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ type: "MX", content: "Mail.Example.com", priority: 10 }, ["10 mail.example.com."]],
      [
        { type: "SRV", data: { priority: 0, weight: 1, port: 465, target: "Mail.Example.com" } },
        ["0 1 465 mail.example.com."],
      ],
      // Cloudflare's own SRV content form: weight, port, target, with the priority apart.
      [
        { type: "SRV", content: "1 993 mail.example.com", priority: 5 },
        ["5 1 993 mail.example.com."],
      ],
      [{ type: "SRV", data: { priority: 0, weight: 0, port: 0, target: "." } }, ["0 0 0 ."]],
      [
        { type: "CAA", data: { flags: 0, tag: "issue", value: "letsencrypt.org" } },
        ['0 issue "letsencrypt.org"'],
      ],
      [{ type: "CAA", content: "0 issue letsencrypt.org" }, ['0 issue "letsencrypt.org"']],
      [{ type: "TXT", content: '"v=DKIM1; k=rsa; p=AB" "CD"' }, ["v=DKIM1; k=rsa; p=ABCD"]],
      [{ type: "CNAME", content: "Target.Example.net" }, ["target.example.net."]],
      [{ type: "AAAA", content: " 2001:DB8::1 " }, ["2001:db8::1"]],
      [{ type: "TXT", content: `x${UNKNOWN_SENTINEL}` }, [`x${UNKNOWN_SENTINEL}`]],
      [{ type: "A", content: SECRET_MARK }, [SECRET_MARK]],
      // Text no value parser accepts is kept as the provider shows it, not dropped.
      [{ type: "MX", content: "not an exchange", priority: 10 }, ["10 not an exchange"]],
    ];
    for (const [props, values] of cases) {
      assert.deepEqual(read(props)?.values, values, JSON.stringify(props));
    }
  });
  it("reads name, zone, TTL, proxying and the purpose our comment names", () => {
    assert.deepEqual(
      read({
        type: "A",
        content: "192.0.2.1",
        proxied: true,
        comment: recordComment({ purpose: "host-address", domain: "example.com" }),
      }),
      {
        zoneId: "z1",
        name: "example.com",
        type: "A",
        values: ["192.0.2.1"],
        ttl: 300,
        proxied: true,
        purposeHint: "host-address",
      },
    );
    assert.equal(purposeFromComment("pulumi-docker-mailserver: bogus for example.com"), undefined);
    assert.equal(purposeFromComment("written by hand"), undefined);
    assert.equal(read({ type: "NS", content: "ns1.example.com" }), undefined);
  });
});

describe("Route53 preview reader", () => {
  const read = (props: Record<string, unknown>) =>
    route53PreviewReader.readState({ zoneId: "Z1", name: "example.org", ...props } as never);
  it("reads a record set's strings, joining long TXT values", () => {
    assert.deepEqual(read({ type: "TXT", records: ['v=DKIM1; p=AB""CD'], ttl: "300" }), {
      zoneId: "Z1",
      name: "example.org",
      type: "TXT",
      values: ["v=DKIM1; p=ABCD"],
      ttl: 300,
    });
    assert.deepEqual(
      read({ type: "MX", records: ["10 Mail.Example.org", "20 b.example.org."] })?.values,
      ["10 mail.example.org.", "20 b.example.org."],
    );
    assert.deepEqual(read({ type: "SRV", records: ["0 1 465 Mail.Example.org"] })?.values, [
      "0 1 465 mail.example.org.",
    ]);
    assert.deepEqual(read({ type: "A", aliases: [{ name: "LB.example.net" }] })?.values, [
      "ALIAS lb.example.net.",
    ]);
    assert.deepEqual(read({ type: "TXT", records: UNKNOWN_SENTINEL })?.values, [UNKNOWN_SENTINEL]);
  });
});

describe("preview reader registry", () => {
  it("finds each provider's reader by resource type", () => {
    assert.deepEqual(RECORD_RESOURCE_TYPES, [
      "cloudflare:index/dnsRecord:DnsRecord",
      "cloudflare:index/record:Record",
      "aws:route53/record:Record",
    ]);
    assert.equal(previewReaderFor("aws:route53/record:Record")?.kind, "route53");
    assert.equal(previewReaderFor("cloudflare:index/record:Record")?.kind, "cloudflare");
    assert.equal(previewReaderFor("aws:s3/bucket:Bucket"), undefined);
  });
  it("loads no Pulumi package: the preview diff runs without provider SDKs", () => {
    const script = [
      'require("./src/diff/preview");',
      'require("./src/providers/dns/readers");',
      "const loaded = Object.keys(require.cache).filter((f) => /node_modules[\\\\/]@pulumi[\\\\/]/.test(f));",
      "process.stdout.write(JSON.stringify(loaded));",
    ].join("\n");
    const r = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
  });
});

describe("Cloudflare proxy ranges", () => {
  it("tell proxy addresses from others, IPv4 and IPv6", () => {
    const cases: [string, boolean][] = [
      ["104.16.0.1", true],
      ["172.64.1.1", true],
      ["192.0.2.10", false],
      ["2606:4700::6810:1", true],
      ["2001:db8::10", false],
      ["not an address", false],
    ];
    for (const [ip, proxied] of cases) assert.equal(isCloudflareProxyAddress(ip), proxied, ip);
    assert.deepEqual(proxiedAddresses(["192.0.2.10", "104.16.0.1", "2606:4700::1"]), [
      "104.16.0.1",
      "2606:4700::1",
    ]);
  });
});
