/**
 * SMTP and TLS checks against the running server: the banner on 25 names the hostname and
 * STARTTLS is offered and completes (RFC 3207); 465 (submissions) and 993 (IMAPS) complete an
 * implicit-TLS handshake with a certificate that covers the hostname, is in its validity period and
 * chains to a trusted CA (a self-signed certificate is reported as such).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8314 (implicit TLS for submission and IMAP)
 */
import { checkServerIdentity, type PeerCertificate, type TLSSocket } from "node:tls";
import { fail, pass, skip, type Check, type CheckId } from "./checks";
import { SmtpConnection, SmtpError, printable, replyText } from "./smtp";

/** Where and how to connect. */
export interface TlsCheckOptions {
  /** The hostname: SNI, and what the banner and certificate must name. */
  readonly hostname: string;
  /** The address to connect to (the host's IP, or a test server). */
  readonly connectHost: string;
  /** Ports of smtp, submissions, imaps; `undefined` skips that check. */
  readonly ports: {
    readonly smtp?: number;
    readonly submissions?: number;
    readonly imaps?: number;
  };
  /** Extra trusted CA certificates (PEM), e.g. a test CA. @default the system's */
  readonly ca?: string;
  /** Per-check bound in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
  /** "now" for validity checks. @default new Date() */
  readonly now?: Date;
  /** EHLO name. @default "dmsctl-verify.invalid" */
  readonly ehloName?: string;
  /** Why a skipped port is skipped, by check id. */
  readonly skipReasons?: Partial<Record<CheckId, string>>;
}

/** What a certificate says about itself, and whether it is fit for `hostname`. */
export interface CertificateVerdict {
  readonly ok: boolean;
  /** `certificate for mail.example.com, issued by R11, valid until 2026-03-01`. */
  readonly description: string;
  /** Problems, each a phrase: `self-signed`, `expired on 2024-01-01`, `does not cover x`. */
  readonly problems: readonly string[];
}

/** Judges a peer certificate (pure, given `authorized` and the error Node reported). */
export function judgeCertificate(
  cert: PeerCertificate,
  authorized: boolean,
  authorizationError: string | undefined,
  hostname: string,
  now: Date,
): CertificateVerdict {
  const problems: string[] = [];
  if (checkServerIdentity(hostname, cert) !== undefined) {
    const names = (cert.subjectaltname ?? `CN=${String(cert.subject?.CN ?? "")}`).replace(
      /DNS:/g,
      "",
    );
    problems.push(`does not cover ${hostname} (names ${names})`);
  }
  const from = new Date(cert.valid_from);
  const to = new Date(cert.valid_to);
  if (now < from) problems.push(`not valid before ${day(from)}`);
  if (now > to) problems.push(`expired on ${day(to)}`);
  if (!authorized) {
    const code = authorizationError ?? "untrusted";
    if (code === "DEPTH_ZERO_SELF_SIGNED_CERT" || code === "SELF_SIGNED_CERT_IN_CHAIN") {
      problems.push("self-signed");
    } else if (code !== "CERT_HAS_EXPIRED" && code !== "ERR_TLS_CERT_ALTNAME_INVALID") {
      problems.push(`not trusted (${code})`);
    }
  }
  const issuer = String(cert.issuer?.CN ?? cert.issuer?.O ?? "unknown issuer");
  return {
    ok: problems.length === 0,
    description: `certificate issued by ${issuer}, valid until ${day(to)}`,
    problems,
  };
}

function day(d: Date): string {
  return Number.isNaN(d.getTime()) ? "an invalid date" : d.toISOString().slice(0, 10);
}

function certFix(hostname: string): string {
  return (
    `Serve a certificate for ${hostname} from a public CA (spec tls: letsencrypt or manual), ` +
    "and renew it before it expires; DMS reloads renewed certificates (docs/dms-contract.md#live-reload)."
  );
}

/** Why `smtp-starttls` did not run when `smtp-banner` failed. */
export const NO_SESSION = "skipped: no SMTP session (see smtp-banner)";

function silentFix(host: string, subject: string): string {
  return `Something at ${subject} accepts connections but says nothing: a tarpit, a filtering proxy or another service holds the port. Check what listens there (\`ss -ltnp\` on the host, \`docker ps\`) and that the mail container of ${host} is running and healthy.`;
}

const CONNECT_FAILURE = /^(timeout|unreachable|refused|silent) during (connect|banner|tls):/;

/**
 * How a failed SMTP/TLS check failed to get a session (`timeout`, `unreachable`, `refused`,
 * `silent`), or undefined when it got one and failed on what it found. For grouping failures of
 * one host by root cause.
 */
export function connectFailureKind(check: Check): string | undefined {
  if (check.status !== "fail") return undefined;
  if (check.id !== "smtp-banner" && check.id !== "tls-465" && check.id !== "tls-993") {
    return undefined;
  }
  return CONNECT_FAILURE.exec(check.message)?.[1];
}

/** `smtp-banner` and `smtp-starttls` on port 25 (one session). */
export async function checkSmtp(options: TlsCheckOptions): Promise<Check[]> {
  const port = options.ports.smtp;
  const subject = `${options.connectHost}:${port ?? 25}`;
  if (port === undefined) {
    const why = options.skipReasons?.["smtp-banner"] ?? "skipped";
    return [skip("smtp-banner", subject, why), skip("smtp-starttls", subject, why)];
  }
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const host = options.hostname;
  const unreachableFix = `Make ${host} reachable on TCP ${port}: publish the port (spec services.smtp) and open it in the host and cloud firewalls.`;
  let conn: SmtpConnection | undefined;
  const out: Check[] = [];
  try {
    conn = await SmtpConnection.open({ host: options.connectHost, port, deadline });
    const banner = await conn.readReply("banner", deadline);
    const text = replyText(banner);
    const named = (banner.lines[0] ?? "").split(/\s+/)[0]?.toLowerCase();
    if (banner.code !== 220) {
      out.push(
        fail("smtp-banner", subject, `banner "${printable(text)}" is not 220`, unreachableFix),
      );
      out.push(skip("smtp-starttls", subject, NO_SESSION));
      return out;
    }
    out.push(
      named === host
        ? pass("smtp-banner", subject, `"${printable(text)}"`)
        : fail(
            "smtp-banner",
            subject,
            `banner "${printable(text)}" does not name ${host}`,
            `Set the hostname of the container to ${host} (spec hostname); Postfix names myhostname in its banner.`,
          ),
    );
    const ehlo = await conn.command(
      `EHLO ${options.ehloName ?? "dmsctl-verify.invalid"}`,
      "ehlo",
      deadline,
    );
    const tlsFix = `Configure TLS (spec tls) so Postfix offers STARTTLS on port 25 (RFC 3207).`;
    if (ehlo.code !== 250) {
      out.push(fail("smtp-starttls", subject, `EHLO got "${printable(replyText(ehlo))}"`, tlsFix));
      return out;
    }
    if (!ehlo.lines.some((l) => /^STARTTLS\b/i.test(l))) {
      out.push(fail("smtp-starttls", subject, "STARTTLS is not offered", tlsFix));
      return out;
    }
    const go = await conn.command("STARTTLS", "starttls", deadline);
    if (go.code !== 220) {
      out.push(
        fail("smtp-starttls", subject, `STARTTLS got "${printable(replyText(go))}"`, tlsFix),
      );
      return out;
    }
    const secure = await conn.startTls(tlsOptions(options), deadline);
    const verdict = verdictOf(secure, options);
    // Opportunistic TLS on 25: senders accept any certificate unless MTA-STS or DANE demand
    // more, so only a wrong name or an expired certificate fails; trust is reported.
    const hard = verdict.problems.filter(
      (p) => !p.startsWith("self-signed") && !p.startsWith("not trusted"),
    );
    const detail = `STARTTLS ${secure.getProtocol() ?? "TLS"}, ${verdict.description}${verdict.problems.length > 0 ? ` (${verdict.problems.join(", ")})` : ""}`;
    out.push(
      hard.length === 0
        ? pass("smtp-starttls", subject, detail)
        : fail("smtp-starttls", subject, detail, certFix(host)),
    );
    conn.quit();
    conn = undefined;
    return out;
  } catch (err) {
    const e = err instanceof SmtpError ? err : new SmtpError("error", "connect", String(err));
    const msg = `${e.kind} during ${e.phase}: ${e.message}`;
    if (out.length === 0) {
      // A peer that accepted the connection is reachable: opening a firewall would not help.
      const fix = e.kind === "silent" ? silentFix(host, subject) : unreachableFix;
      out.push(fail("smtp-banner", subject, msg, fix));
      out.push(skip("smtp-starttls", subject, NO_SESSION));
    } else {
      out.push(fail("smtp-starttls", subject, msg, `Check the TLS setup of ${host} (spec tls).`));
    }
    return out;
  } finally {
    conn?.close();
  }
}

function tlsOptions(options: TlsCheckOptions) {
  return {
    servername: options.hostname,
    rejectUnauthorized: false,
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
  };
}

/**
 * Why Node did not authorize the peer's certificate (`CERT_HAS_EXPIRED`, ...), or undefined.
 * Node types `authorizationError` as an Error but hands over a string code as often.
 */
export function authorizationCode(socket: TLSSocket): string | undefined {
  const authError = socket.authorizationError as unknown as Error | string | null | undefined;
  if (authError == null) return undefined;
  if (typeof authError === "string") return authError;
  return (authError as NodeJS.ErrnoException).code ?? authError.message;
}

function verdictOf(socket: TLSSocket, options: TlsCheckOptions): CertificateVerdict {
  const code = authorizationCode(socket);
  return judgeCertificate(
    socket.getPeerCertificate(),
    socket.authorized,
    code,
    options.hostname,
    options.now ?? new Date(),
  );
}

/** `tls-465` or `tls-993`: an implicit-TLS handshake and its certificate. */
export async function checkImplicitTls(
  id: "tls-465" | "tls-993",
  options: TlsCheckOptions,
): Promise<Check> {
  const port = id === "tls-465" ? options.ports.submissions : options.ports.imaps;
  const subject = `${options.connectHost}:${port ?? (id === "tls-465" ? 465 : 993)}`;
  if (port === undefined) return skip(id, subject, options.skipReasons?.[id] ?? "skipped");
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let conn: SmtpConnection | undefined;
  try {
    conn = await SmtpConnection.open({
      host: options.connectHost,
      port,
      deadline,
      tls: tlsOptions(options),
    });
    const socket = conn.raw as TLSSocket;
    const verdict = verdictOf(socket, options);
    const detail = `${socket.getProtocol() ?? "TLS"}, ${verdict.description}`;
    return verdict.ok
      ? pass(id, subject, detail)
      : fail(id, subject, `${detail}: ${verdict.problems.join(", ")}`, certFix(options.hostname));
  } catch (err) {
    const e = err instanceof SmtpError ? err : new SmtpError("error", "tls", String(err));
    return fail(
      id,
      subject,
      `${e.kind} during ${e.phase}: ${e.message}`,
      e.kind === "silent"
        ? silentFix(options.hostname, subject)
        : `Make port ${port} reachable and serve TLS on it (spec services and tls).`,
    );
  } finally {
    conn?.close();
  }
}
