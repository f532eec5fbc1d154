/**
 * MTA-STS hosting under mocks: the resource set of each hosting, and the order that keeps the
 * `_mta-sts` id honest (the TXT record depends on the resources serving the policy, so it is
 * created or updated only once the policy it names is live). The order is read twice: from the
 * `dependsOn` each child was registered with (a transformation sees it) and from the order the
 * registrations reached the engine.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  componentsUnderMocks,
  registrations,
  resetRegistrations,
  settle,
  valueOf,
} from "./harness";

const { MailServer, MailDomain } = componentsUnderMocks();

const ACCOUNT = "0123456789abcdef0123456789abcdef";

/** Child name -> names of the resources it was registered with `dependsOn`. */
interface Graph {
  readonly deps: Map<string, string[]>;
  readonly order: string[];
  readonly types: Map<string, string>;
}

async function graph(build: (opts: pulumi.ComponentResourceOptions) => pulumi.Resource[]) {
  resetRegistrations();
  const pending: Array<Promise<void>> = [];
  const deps = new Map<string, string[]>();
  const opts: pulumi.ComponentResourceOptions = {
    transformations: [
      (a) => {
        const list = a.opts.dependsOn;
        const rs = (Array.isArray(list) ? list : list ? [list] : []) as pulumi.Resource[];
        pending.push(
          Promise.all(rs.map((r) => valueOf(r.urn))).then((urns) => {
            deps.set(
              a.name,
              urns.map((u) => u.slice(u.lastIndexOf("::") + 2)),
            );
          }),
        );
        return undefined;
      },
    ],
  };
  const outputs = build(opts).map((r) => r.urn);
  await settle(outputs);
  await Promise.all(pending);
  const g: Graph = {
    deps,
    order: registrations.map((r) => r.name),
    types: new Map(registrations.map((r) => [r.name, r.type])),
  };
  return g;
}

function txtOf(name: string): string | undefined {
  return registrations.find((r) => r.inputs.name === name && r.inputs.type === "TXT")?.name;
}

describe("MTA-STS hosting: the TXT record waits for the served policy", () => {
  it("Cloudflare Worker: script and custom domain first, then _mta-sts", async () => {
    let domain: InstanceType<typeof MailDomain> | undefined;
    const g = await graph((opts) => {
      domain = new MailDomain(
        "md",
        {
          hostname: "mail.example.com",
          ipv4: "192.0.2.7",
          domain: {
            name: "example.com",
            dns: { provider: "cloudflare", zoneId: "zone-1" },
            dkim: { enabled: false },
            mtaSts: { mode: "enforce", hosting: { type: "cloudflare-worker", accountId: ACCOUNT } },
          },
        },
        opts,
      );
      return [domain, ...domain.dnsResources];
    });
    const worker = "md-mta-sts-example-com-worker";
    const custom = "md-mta-sts-example-com-domain";
    assert.equal(g.types.get(worker), "cloudflare:index/workersScript:WorkersScript");
    assert.equal(g.types.get(custom), "cloudflare:index/workersCustomDomain:WorkersCustomDomain");
    const txt = txtOf("_mta-sts.example.com");
    assert.ok(txt !== undefined, "the _mta-sts TXT is registered");
    assert.deepEqual(g.deps.get(txt)?.sort(), [custom, worker].sort());
    assert.deepEqual(g.deps.get(custom), [worker]);
    assert.ok(g.order.indexOf(txt) > g.order.indexOf(custom));
    // Other records do not wait.
    const mx = registrations.find((r) => r.inputs.type === "MX")!.name;
    assert.equal(g.deps.get(mx)?.length ?? 0, 0);

    const script = registrations.find((r) => r.name === worker)!.inputs;
    const policies = await valueOf(domain!.mtaStsPolicies);
    assert.equal(policies.length, 1);
    assert.equal(policies[0]!.hosting, "cloudflare-worker");
    assert.deepEqual(
      { ...script, content: undefined },
      {
        accountId: ACCOUNT,
        scriptName: "mta-sts-example-com",
        mainModule: "mta-sts.mjs",
        compatibilityDate: "2026-11-01",
        content: undefined,
      },
    );
    assert.ok(String(script.content).includes(JSON.stringify(policies[0]!.text)));
    assert.deepEqual(registrations.find((r) => r.name === custom)!.inputs, {
      accountId: ACCOUNT,
      hostname: "mta-sts.example.com",
      service: "mta-sts-example-com",
      zoneId: "zone-1",
    });
    // The TXT announces the id of exactly the text the Worker serves.
    const txtInputs = registrations.find((r) => r.name === txt)!.inputs;
    assert.equal(txtInputs.content, `"v=STSv1; id=${policies[0]!.id}"`);
  });

  it("AWS: bucket object, CloudFront with an ACM certificate in us-east-1, aliases, then _mta-sts", async () => {
    let server: InstanceType<typeof MailServer> | undefined;
    const g = await graph((opts) => {
      server = new MailServer(
        "ms",
        {
          hostname: "mail.example.org",
          ipv4: "192.0.2.8",
          domains: [
            {
              name: "example.org",
              dns: { provider: "route53", zoneId: "Z-ORG" },
              mtaSts: { mode: "testing", hosting: { type: "aws" } },
            },
          ],
          accounts: [{ address: "a@example.org", passwordHash: "{PLAIN}x" }],
        },
        opts,
      );
      return [server, ...server.networkResources];
    });
    const base = "ms-mta-sts-example-org";
    const expectTypes: Record<string, string> = {
      [`${base}-bucket`]: "aws:s3/bucket:Bucket",
      [`${base}-bucket-private`]: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
      [`${base}-policy`]: "aws:s3/bucketObjectv2:BucketObjectv2",
      [`${base}-certificate`]: "aws:acm/certificate:Certificate",
      [`${base}-certificate-validation`]: "aws:acm/certificateValidation:CertificateValidation",
      [`${base}-certificate-record`]: "aws:route53/record:Record",
      [`${base}-origin-access`]: "aws:cloudfront/originAccessControl:OriginAccessControl",
      [`${base}-cdn`]: "aws:cloudfront/distribution:Distribution",
      [`${base}-bucket-policy`]: "aws:s3/bucketPolicy:BucketPolicy",
      [`${base}-alias-a`]: "aws:route53/record:Record",
      [`${base}-alias-aaaa`]: "aws:route53/record:Record",
      "ms-mta-sts-us-east-1": "pulumi:providers:aws",
    };
    for (const [n, t] of Object.entries(expectTypes)) assert.equal(g.types.get(n), t, n);
    const txt = txtOf("_mta-sts.example.org");
    assert.ok(txt !== undefined);
    assert.deepEqual(
      g.deps.get(txt)?.sort(),
      [
        `${base}-alias-a`,
        `${base}-alias-aaaa`,
        `${base}-bucket-policy`,
        `${base}-cdn`,
        `${base}-policy`,
      ].sort(),
    );
    for (const d of g.deps.get(txt)!) assert.ok(g.order.indexOf(txt) > g.order.indexOf(d), d);
    const inputs = (n: string) => registrations.find((r) => r.name === n)!.inputs;
    const policies = await valueOf(server!.mtaStsPolicies);
    assert.deepEqual(
      { ...inputs(`${base}-policy`), bucket: undefined },
      {
        bucket: undefined,
        key: ".well-known/mta-sts.txt",
        content: policies[0]!.text,
        contentType: "text/plain; charset=utf-8",
        cacheControl: "max-age=3600",
      },
    );
    const cdn = inputs(`${base}-cdn`) as Record<string, any>;
    assert.deepEqual(cdn.aliases, ["mta-sts.example.org"]);
    assert.equal(cdn.defaultCacheBehavior.viewerProtocolPolicy, "https-only");
    assert.equal(
      cdn.viewerCertificate.acmCertificateArn,
      `arn:aws:acm:us-east-1:000000000000:certificate/${base}-certificate`,
    );
    assert.deepEqual(inputs("ms-mta-sts-us-east-1").region, "us-east-1");
    assert.deepEqual(inputs(`${base}-alias-a`).aliases, [
      { name: `${base}-cdn.cloudfront.net`, zoneId: "Z2FDTNDATAQYW2", evaluateTargetHealth: false },
    ]);
    assert.deepEqual(inputs(`${base}-certificate-validation`).validationRecordFqdns, [
      "_v.mta-sts.example.org.",
    ]);
  });

  it("files: no resource, the policy and nginx/Caddy snippets as outputs; the TXT waits for nothing", async () => {
    let domain: InstanceType<typeof MailDomain> | undefined;
    const g = await graph((opts) => {
      domain = new MailDomain(
        "mf",
        {
          hostname: "mail.example.net",
          domain: {
            name: "example.net",
            dns: { provider: "cloudflare", zoneId: "zone-2" },
            dkim: { enabled: false },
            mtaSts: { mode: "enforce", hosting: { type: "files" } },
          },
        },
        opts,
      );
      return [domain, ...domain.dnsResources];
    });
    assert.deepEqual(
      registrations
        .filter((r) => !r.type.startsWith("cloudflare:index/dnsRecord"))
        .map((r) => r.type),
      ["dms:index:MailDomain"],
    );
    const txt = txtOf("_mta-sts.example.net")!;
    assert.equal(g.deps.get(txt)?.length ?? 0, 0);
    const [p] = await valueOf(domain!.mtaStsPolicies);
    assert.equal(p!.hosting, "files");
    assert.match(p!.nginx!, /server_name mta-sts\.example\.net;/);
    assert.match(p!.caddy!, /^mta-sts\.example\.net \{$/m);
  });
});
