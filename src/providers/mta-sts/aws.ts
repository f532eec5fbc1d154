/**
 * MTA-STS hosting on AWS: the policy as an object in a private S3 bucket, served by CloudFront
 * (origin access control, HTTPS only: no HTTP-to-HTTPS redirect, which senders would not follow)
 * on the alias `mta-sts.<domain>`, with an ACM certificate validated through Route53 and Route53
 * alias records (A and AAAA) pointing at the distribution.
 *
 * CloudFront only takes certificates from ACM in us-east-1 (verified 2026-11-30 against the
 * CloudFront developer guide, "Requirements for using SSL/TLS certificates with CloudFront"), so
 * the certificate goes through a provider for that region, given by the caller.
 *
 * `@pulumi/aws` is an optional peer dependency, loaded only when a domain uses this.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadAws } from "../optional-peer";
import { slug } from "../dns/common";

/** AWS's managed cache policy "CachingOptimized". */
const CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6";

/** What one domain's AWS hosting needs. */
export interface AwsHosting {
  readonly name: string;
  readonly domain: string;
  readonly policyText: string;
  /** The Route53 hosted zone holding `mta-sts.<domain>`. */
  readonly zoneId: pulumi.Input<string>;
  /** A provider for us-east-1 (ACM for CloudFront). */
  readonly usEast1: pulumi.ProviderResource;
  readonly opts: pulumi.CustomResourceOptions;
}

/**
 * Registers the bucket, the policy object, the certificate and its validation, the distribution,
 * the bucket policy and the alias records. Returns the resources after which the policy is live
 * at `https://mta-sts.<domain>/.well-known/mta-sts.txt`: the object, the bucket policy letting
 * CloudFront read it, and the alias records (which need the distribution and its certificate).
 */
export function awsHosting(h: AwsHosting): pulumi.Resource[] {
  const aws = loadAws();
  const host = `mta-sts.${h.domain}`;
  const base = `${h.name}-mta-sts-${slug(h.domain)}`;
  const bucket = new aws.s3.Bucket(`${base}-bucket`, { forceDestroy: true }, h.opts);
  const block = new aws.s3.BucketPublicAccessBlock(
    `${base}-bucket-private`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    h.opts,
  );
  const object = new aws.s3.BucketObjectv2(
    `${base}-policy`,
    {
      bucket: bucket.id,
      key: ".well-known/mta-sts.txt",
      content: h.policyText,
      contentType: "text/plain; charset=utf-8",
      cacheControl: "max-age=3600",
    },
    h.opts,
  );
  const certificate = new aws.acm.Certificate(
    `${base}-certificate`,
    { domainName: host, validationMethod: "DNS" },
    { ...h.opts, provider: h.usEast1 },
  );
  const option = certificate.domainValidationOptions.apply((o) => {
    const first = o?.[0];
    if (first === undefined) throw new Error(`${host}: ACM gave no DNS validation record`);
    return first;
  });
  const validationRecord = new aws.route53.Record(
    `${base}-certificate-record`,
    {
      zoneId: h.zoneId,
      name: option.resourceRecordName,
      type: option.resourceRecordType,
      records: [option.resourceRecordValue],
      ttl: 300,
      allowOverwrite: false,
    },
    h.opts,
  );
  const validation = new aws.acm.CertificateValidation(
    `${base}-certificate-validation`,
    { certificateArn: certificate.arn, validationRecordFqdns: [validationRecord.fqdn] },
    { ...h.opts, provider: h.usEast1 },
  );
  const oac = new aws.cloudfront.OriginAccessControl(
    `${base}-origin-access`,
    {
      name: `${slug(host)}`.slice(0, 64),
      description: `pulumi-docker-mailserver: MTA-STS policy of ${h.domain}`,
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    },
    h.opts,
  );
  const distribution = new aws.cloudfront.Distribution(
    `${base}-cdn`,
    {
      enabled: true,
      comment: `pulumi-docker-mailserver: MTA-STS policy of ${h.domain}`,
      aliases: [host],
      isIpv6Enabled: true,
      priceClass: "PriceClass_100",
      origins: [
        {
          originId: "policy",
          domainName: bucket.bucketRegionalDomainName,
          originAccessControlId: oac.id,
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: "policy",
        // https-only, not redirect-to-https: a sender fetching over HTTP gets no redirect to follow.
        viewerProtocolPolicy: "https-only",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        cachePolicyId: CACHING_OPTIMIZED,
        compress: false,
      },
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: {
        acmCertificateArn: validation.certificateArn,
        sslSupportMethod: "sni-only",
        minimumProtocolVersion: "TLSv1.2_2021",
      },
    },
    h.opts,
  );
  const bucketPolicy = new aws.s3.BucketPolicy(
    `${base}-bucket-policy`,
    {
      bucket: bucket.id,
      policy: pulumi.all([bucket.arn, distribution.arn]).apply(([bucketArn, distributionArn]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "CloudFrontReadsThePolicy",
              Effect: "Allow",
              Principal: { Service: "cloudfront.amazonaws.com" },
              Action: "s3:GetObject",
              Resource: `${bucketArn}/.well-known/mta-sts.txt`,
              Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
            },
          ],
        }),
      ),
    },
    { ...h.opts, dependsOn: [block] },
  );
  const aliases = (["A", "AAAA"] as const).map(
    (type) =>
      new aws.route53.Record(
        `${base}-alias-${type.toLowerCase()}`,
        {
          zoneId: h.zoneId,
          name: host,
          type,
          aliases: [
            {
              name: distribution.domainName,
              zoneId: distribution.hostedZoneId,
              evaluateTargetHealth: false,
            },
          ],
          allowOverwrite: false,
        },
        h.opts,
      ),
  );
  return [object, bucketPolicy, distribution, ...aliases];
}
