/**
 * Fetching a domain's MTA-STS policy the way a sending server does (RFC 8461 §3.3): HTTPS to
 * `mta-sts.<domain>` on port 443, a certificate that is trusted, in its validity period and valid
 * for that name, `GET /.well-known/mta-sts.txt`, a 200 answer (redirects are not followed),
 * `text/plain`, at most 64 KiB. Then the policy is judged: `version: STSv1`, the spec's mode, every
 * live MX of the domain matched by an `mx:` line, `max_age` within bounds, and the `_mta-sts` TXT
 * announcing the id of the policy actually served.
 *
 * Each problem fails exactly one check; a check whose precondition failed is skipped (no body, no
 * policy to judge), as in `./dns-checks.ts`. The certificate is judged before any byte of the
 * request is sent, so nothing is fetched over a connection a sender would refuse.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8461#section-3.3
 */
import { request } from "node:http";
import { isIP } from "node:net";
import { connect, type TLSSocket } from "node:tls";
import type { DnsClient } from "../net/dns";
import type { DomainSpec } from "../spec/schema";
import type { Plan } from "../plan/types";
import { mtaStsPolicyId } from "../records/policies";
import { parseMtaSts } from "../records/values";
import {
  MTA_STS_MAX_AGE_LIMIT,
  mtaStsMxMatches,
  parseMtaStsPolicy,
} from "../records/mta-sts-policy";
import { MTA_STS_POLICY_IDS, fail, pass, skip, type Check } from "./checks";
import { authorizationCode, judgeCertificate } from "./tls-checks";

/** RFC 8461 §3.3: senders SHOULD bound the policy body (64 KiB is the RFC's own figure). */
export const MTA_STS_BODY_LIMIT = 64 * 1024;

/** How to reach and judge the policy host. */
export interface MtaStsFetchOptions {
  /**
   * Connect here instead of the address `mta-sts.<domain>` resolves to (through the verify DNS
   * client). The TLS name and the `Host` header stay `mta-sts.<domain>`. @default resolved
   */
  readonly connectAddress?: string;
  /** Port of the HTTPS server. @default 443 (the only port RFC 8461 senders use) */
  readonly port?: number;
  /** Extra trusted CA certificates (PEM), e.g. a test CA. @default the system's */
  readonly ca?: string;
  /** Bound of the whole fetch in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
  /** "now" for certificate validity. @default new Date() */
  readonly now?: Date;
  /**
   * Accepted `max_age` range in seconds. RFC 8461 §3.2 caps it at 31557600 and advises weeks;
   * the lower bound is the spec's own minimum. @default { min: 86400, max: 31557600 }
   */
  readonly maxAgeBounds?: { readonly min: number; readonly max: number };
}

/** What one HTTPS fetch returned. */
export type PolicyFetch =
  | { readonly kind: "unreachable"; readonly message: string }
  | {
      readonly kind: "certificate";
      /** `certificate issued by ..., valid until ...` */
      readonly description: string;
      readonly problems: readonly string[];
    }
  | {
      readonly kind: "response";
      readonly certificate: string;
      readonly status: number;
      readonly location?: string;
      readonly contentType?: string;
      /** Undefined when the body exceeded {@link MTA_STS_BODY_LIMIT}. */
      readonly body?: string;
    };

/** The policy URL of a domain. */
export function mtaStsPolicyUrl(domain: string): string {
  return `https://mta-sts.${domain}/.well-known/mta-sts.txt`;
}

/**
 * One HTTPS GET of the policy, bounded in time and size. Never rejects: failures are a result.
 * `address` is where to connect; the SNI, the certificate name and `Host` are `mta-sts.<domain>`.
 */
export async function fetchMtaStsPolicy(
  domain: string,
  address: string,
  options: MtaStsFetchOptions = {},
): Promise<PolicyFetch> {
  const host = `mta-sts.${domain}`;
  const port = options.port ?? 443;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let socket: TLSSocket | undefined;
  let timer: NodeJS.Timeout | undefined;
  const bounded = new Promise<PolicyFetch>((resolve) => {
    timer = setTimeout(
      () => resolve({ kind: "unreachable", message: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const attempt = (async (): Promise<PolicyFetch> => {
    try {
      socket = await new Promise<TLSSocket>((resolve, reject) => {
        const s = connect({
          host: address,
          port,
          servername: host,
          // Judged below with judgeCertificate, before anything is sent: the same verdict as the
          // TLS checks (trust, validity, name), with its reasons in the report.
          rejectUnauthorized: false,
          ...(options.ca !== undefined ? { ca: options.ca } : {}),
        });
        s.once("secureConnect", () => resolve(s));
        s.once("error", reject);
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return {
        kind: "unreachable",
        message: `cannot connect to ${address}:${port}: ${e.code ?? e.message}`,
      };
    }
    const code = authorizationCode(socket);
    const verdict = judgeCertificate(
      socket.getPeerCertificate(),
      socket.authorized,
      code,
      host,
      options.now ?? new Date(),
    );
    if (!verdict.ok) {
      return { kind: "certificate", description: verdict.description, problems: verdict.problems };
    }
    const tls = socket;
    return new Promise<PolicyFetch>((resolve) => {
      const req = request(
        {
          createConnection: () => tls,
          method: "GET",
          path: "/.well-known/mta-sts.txt",
          headers: { host: port === 443 ? host : `${host}:${port}`, connection: "close" },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let tooBig = false;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > MTA_STS_BODY_LIMIT) {
              tooBig = true;
              res.destroy();
            } else chunks.push(c);
          });
          const done = () =>
            resolve({
              kind: "response",
              certificate: verdict.description,
              status: res.statusCode ?? 0,
              ...(res.headers.location !== undefined ? { location: res.headers.location } : {}),
              ...(res.headers["content-type"] !== undefined
                ? { contentType: res.headers["content-type"] }
                : {}),
              ...(tooBig ? {} : { body: Buffer.concat(chunks).toString("utf8") }),
            });
          res.once("end", done);
          res.once("close", done);
        },
      );
      req.once("error", (err: NodeJS.ErrnoException) =>
        resolve({
          kind: "unreachable",
          message: `HTTP request failed: ${err.code ?? err.message}`,
        }),
      );
      req.end();
    });
  })();
  try {
    return await Promise.race([attempt, bounded]);
  } finally {
    clearTimeout(timer);
    socket?.destroy();
  }
}

/** Whether a `Content-Type` is `text/plain` (parameters such as `charset` allowed). */
export function isTextPlain(contentType: string | undefined): boolean {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase() === "text/plain";
}

/** What {@link checkMtaStsPolicy} needs. */
export interface MtaStsCheckContext {
  readonly plan: Plan;
  readonly dns: DnsClient;
}

export { MTA_STS_POLICY_IDS };

/**
 * The `mta-sts-policy-*` checks of one domain: skipped (with the reason) when the domain declares
 * no MTA-STS. Never rejects.
 */
export async function checkMtaStsPolicy(
  ctx: MtaStsCheckContext,
  domain: DomainSpec,
  options: MtaStsFetchOptions = {},
): Promise<Check[]> {
  const d = domain.name;
  const sts = domain.mtaSts;
  const url = mtaStsPolicyUrl(d);
  const skipAll = (from: number, why: string): Check[] =>
    MTA_STS_POLICY_IDS.slice(from).map((id) => skip(id, d, why));
  if (sts === undefined) return [];
  const out: Check[] = [];
  const serveFix = `Serve the planned policy at ${url} (spec mtaSts.hosting, or dmsctl plan --out writes mta-sts/${d}/mta-sts.txt).`;

  let address = options.connectAddress;
  if (address === undefined) {
    const answers = await Promise.all([
      ctx.dns.query(`mta-sts.${d}`, "A"),
      ctx.dns.query(`mta-sts.${d}`, "AAAA"),
    ]);
    address = answers.flatMap((a) => (a.status === "ok" ? a.values : []))[0];
    if (address === undefined) {
      out.push(skip("mta-sts-policy-certificate", d, "skipped: no address to connect to"));
      out.push(
        fail(
          "mta-sts-policy-http",
          d,
          `mta-sts.${d} has no A or AAAA record (${answers.map((a) => a.status).join(", ")})`,
          `Publish mta-sts.${d} pointing at the host serving the policy; ${serveFix}`,
        ),
      );
      return [...out, ...skipAll(2, "skipped: no policy fetched")];
    }
  }
  const target = isIP(address) === 6 ? `[${address}]` : address;
  const fetched = await fetchMtaStsPolicy(d, address, options);
  if (fetched.kind === "unreachable") {
    return [
      skip("mta-sts-policy-certificate", d, "skipped: no TLS session"),
      fail("mta-sts-policy-http", d, `${url} via ${target}: ${fetched.message}`, serveFix),
      ...skipAll(2, "skipped: no policy fetched"),
    ];
  }
  if (fetched.kind === "certificate") {
    return [
      fail(
        "mta-sts-policy-certificate",
        d,
        `${fetched.description}: ${fetched.problems.join(", ")}`,
        `Serve mta-sts.${d} with a certificate from a public CA valid for that name; senders refuse the policy otherwise (RFC 8461 §3.3).`,
      ),
      ...skipAll(1, "skipped: a sender does not fetch over an unacceptable certificate"),
    ];
  }
  out.push(pass("mta-sts-policy-certificate", d, `mta-sts.${d}: ${fetched.certificate}`));
  if (fetched.status !== 200 || fetched.body === undefined) {
    const what =
      fetched.status >= 300 && fetched.status < 400
        ? `HTTP ${fetched.status} redirect to ${fetched.location ?? "(no Location)"}; senders do not follow redirects (RFC 8461 §3.3)`
        : fetched.status !== 200
          ? `HTTP ${fetched.status}`
          : `the body exceeds ${MTA_STS_BODY_LIMIT} bytes`;
    out.push(fail("mta-sts-policy-http", d, `${url}: ${what}`, serveFix));
    return [...out, ...skipAll(2, "skipped: no policy fetched")];
  }
  out.push(pass("mta-sts-policy-http", d, `${url}: HTTP 200, ${fetched.body.length} bytes`));
  out.push(
    isTextPlain(fetched.contentType)
      ? pass("mta-sts-policy-content-type", d, `Content-Type: ${fetched.contentType}`)
      : fail(
          "mta-sts-policy-content-type",
          d,
          `Content-Type: ${fetched.contentType ?? "(none)"}, not text/plain (RFC 8461 §3.2)`,
          `Serve ${url} with Content-Type: text/plain.`,
        ),
  );

  const body = fetched.body;
  const policy = parseMtaStsPolicy(body);
  const fieldProblems: string[] = [];
  if (policy.version !== "STSv1") {
    fieldProblems.push(`version is ${JSON.stringify(policy.version ?? null)}, not "STSv1"`);
  }
  if (policy.mode === undefined || !["enforce", "testing", "none"].includes(policy.mode)) {
    fieldProblems.push(`mode is ${JSON.stringify(policy.mode ?? null)}`);
  } else if (policy.mode !== sts.mode) {
    fieldProblems.push(`mode is ${policy.mode}, the spec declares ${sts.mode}`);
  }
  out.push(
    fieldProblems.length === 0
      ? pass("mta-sts-policy-fields", d, `version: STSv1, mode: ${policy.mode}`)
      : fail("mta-sts-policy-fields", d, fieldProblems.join("; "), serveFix),
  );

  out.push(await mxCheck(ctx, d, policy.mode, policy.mx, serveFix));
  out.push(maxAgeCheck(d, policy.maxAge, sts.maxAge, options, serveFix));
  out.push(await idCheck(ctx, d, body, sts.id));
  return out;
}

async function mxCheck(
  ctx: MtaStsCheckContext,
  d: string,
  mode: string | undefined,
  patterns: readonly string[],
  serveFix: string,
): Promise<Check> {
  if (mode === "none") return skip("mta-sts-policy-mx", d, "mode none: mx lines are not used");
  const a = await ctx.dns.query(d, "MX");
  if (a.status !== "ok") {
    return skip("mta-sts-policy-mx", d, `skipped: MX lookup of ${d} gave ${a.status}`);
  }
  const hosts = a.values.map((v) => v.split(" ")[1]!.replace(/\.$/, ""));
  const unmatched = hosts.filter((h) => !patterns.some((p) => mtaStsMxMatches(p, h)));
  const lines = patterns.length === 0 ? "no mx lines" : `mx: ${patterns.join(", ")}`;
  return unmatched.length === 0
    ? pass("mta-sts-policy-mx", d, `every MX (${hosts.join(", ")}) matches ${lines}`)
    : fail(
        "mta-sts-policy-mx",
        d,
        `MX ${unmatched.join(", ")} not matched by ${lines}: senders enforcing the policy refuse to deliver there`,
        serveFix,
      );
}

function maxAgeCheck(
  d: string,
  served: string | undefined,
  planned: number,
  options: MtaStsFetchOptions,
  serveFix: string,
): Check {
  const bounds = options.maxAgeBounds ?? { min: 86400, max: MTA_STS_MAX_AGE_LIMIT };
  if (served === undefined || !/^[0-9]{1,10}$/.test(served)) {
    const what = served === undefined ? "no max_age" : `max_age ${JSON.stringify(served)}`;
    return fail("mta-sts-policy-max-age", d, `${what}: not 1 to 10 digits`, serveFix);
  }
  const n = Number(served);
  if (n < bounds.min || n > bounds.max) {
    return fail(
      "mta-sts-policy-max-age",
      d,
      `max_age ${n} is outside ${bounds.min}..${bounds.max} seconds`,
      `Set spec mtaSts.maxAge within ${bounds.min}..${bounds.max} and serve the planned policy.`,
    );
  }
  if (n !== planned) {
    return fail(
      "mta-sts-policy-max-age",
      d,
      `max_age ${n}, the spec declares ${planned}`,
      serveFix,
    );
  }
  return pass("mta-sts-policy-max-age", d, `max_age ${n}`);
}

async function idCheck(
  ctx: MtaStsCheckContext,
  d: string,
  body: string,
  declaredId: string | undefined,
): Promise<Check> {
  const name = `_mta-sts.${d}`;
  const a = await ctx.dns.query(name, "TXT");
  const records = a.status === "ok" ? a.values.filter((v) => /^v=STSv1(;|\s|$)/.test(v)) : [];
  const ids = records.map((r) => parseMtaSts(r)?.id);
  // With a derived id (the default) the id is the hash of the policy text, so the served text
  // itself says which id must be announced; a declared id can only be compared with the plan.
  const want = declaredId ?? mtaStsPolicyId(body);
  const fix = `Publish ${name} TXT "v=STSv1; id=${want}" only once the policy is served (spec mtaSts.hosting orders it so).`;
  if (records.length !== 1 || ids[0] === undefined) {
    return fail(
      "mta-sts-policy-id",
      d,
      records.length === 0
        ? `no v=STSv1 record at ${name}`
        : records.length > 1
          ? `${records.length} v=STSv1 records at ${name}`
          : `no id in ${JSON.stringify(records[0])}`,
      fix,
    );
  }
  return ids[0] === want
    ? pass("mta-sts-policy-id", d, `${name} id=${want} announces the served policy`)
    : fail(
        "mta-sts-policy-id",
        d,
        `${name} announces id=${ids[0]}, the served policy's id is ${want}: senders with a cached policy do not refetch`,
        fix,
      );
}
