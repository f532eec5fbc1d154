/**
 * A minimal SMTP client for probes and checks: connect, read replies, say EHLO, STARTTLS, QUIT.
 * Every step runs against one absolute deadline, so a peer that drops SYNs, accepts and never
 * speaks, speaks garbage, or resets yields a {@link SmtpError} with a precise kind within the
 * bound, never a hang. It never sends mail.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5321 (replies §4.2, EHLO §4.1.1.1)
 * @see https://www.rfc-editor.org/rfc/rfc3207 (STARTTLS)
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from "node:tls";

/** How an SMTP exchange failed. */
export type SmtpErrorKind =
  /** RST in answer to the SYN (ECONNREFUSED): nothing listens, or a firewall rejects. */
  | "refused"
  /** No SYN-ACK before the deadline: the packets are dropped (the usual provider block). */
  | "timeout"
  /** ICMP unreachable, or no route (EHOSTUNREACH, ENETUNREACH). */
  | "unreachable"
  /** The connection was reset after it was established (ECONNRESET). */
  | "reset"
  /** The peer closed the connection in the middle of the exchange. */
  | "closed"
  /** Connected, but the peer said nothing before the deadline: a tarpit or a filtering proxy. */
  | "silent"
  /** The peer's bytes are not SMTP replies. */
  | "garbage"
  /** The TLS handshake failed. */
  | "tls"
  /** Name resolution or another local error. */
  | "error";

/** Which step an error happened in. */
export type SmtpPhase = "connect" | "banner" | "ehlo" | "starttls" | "tls" | "quit";

/** A failed SMTP step, with its kind and phase. */
export class SmtpError extends Error {
  constructor(
    readonly kind: SmtpErrorKind,
    readonly phase: SmtpPhase,
    message: string,
  ) {
    super(message);
    this.name = "SmtpError";
  }
}

/** One SMTP reply: its code and the text of each line (without the code). */
export interface SmtpReply {
  readonly code: number;
  readonly lines: readonly string[];
}

/** The first line of a reply as the peer sent it, for messages: `220 mail.example.com ESMTP`. */
export function replyText(reply: SmtpReply): string {
  return `${reply.code} ${reply.lines[0] ?? ""}`.trimEnd();
}

/** Longest reply line we accept (RFC 5321 §4.5.3.1.5 allows 512 octets; be generous). */
const MAX_LINE = 4096;
/** Most lines in one reply (an EHLO reply has a dozen). */
const MAX_LINES = 100;
const REPLY_LINE = /^([2-5][0-9][0-9])([ -]|$)(.*)$/;

/** Maps a socket error code to a kind. */
export function kindOfSocketError(code: string | undefined, connected: boolean): SmtpErrorKind {
  switch (code) {
    case "ECONNREFUSED":
      return "refused";
    case "ECONNRESET":
    case "EPIPE":
      return connected ? "reset" : "refused";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EHOSTDOWN":
    case "ENETDOWN":
      return "unreachable";
    case "ETIMEDOUT":
      return connected ? "silent" : "timeout";
    default:
      return "error";
  }
}

/** Printable text of at most `max` characters, for messages about what a peer sent. */
export function printable(text: string, max = 80): string {
  const clean = text.replace(/[^\x20-\x7e]/g, (c) =>
    c === "\r" || c === "\n" ? " " : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
  return clean.length > max ? `${clean.slice(0, max)}...` : clean.trimEnd();
}

/** Options of {@link SmtpConnection.open}. */
export interface SmtpConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Absolute deadline (`Date.now()` milliseconds) for the connection to be established. */
  readonly deadline: number;
  /** Implicit TLS from the first byte (port 465); the handshake must finish by the deadline. */
  readonly tls?: ConnectionOptions;
}

/**
 * One connection to an SMTP (or any line-based) server. Reads are buffered; each read has a
 * deadline. Call {@link close} when done; it is safe to call twice.
 */
export class SmtpConnection {
  private buffer = "";
  private ended: { kind: SmtpErrorKind; message: string } | undefined;
  private wake: (() => void) | undefined;

  private constructor(private socket: Socket | TLSSocket) {
    this.attach(socket);
  }

  /** The underlying socket (a `TLSSocket` after {@link startTls} or with implicit TLS). */
  get raw(): Socket | TLSSocket {
    return this.socket;
  }

  /** Connects (and for implicit TLS, completes the handshake) by the deadline. */
  static open(options: SmtpConnectOptions): Promise<SmtpConnection> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const socket: Socket | TLSSocket = options.tls
        ? tlsConnect({ ...options.tls, host: options.host, port: options.port })
        : netConnect({ host: options.host, port: options.port });
      let tcpUp = false;
      let settled = false;
      const finish = (err: SmtpError | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.removeListener("error", onError);
        socket.removeListener("close", onClose);
        if (err) {
          socket.destroy();
          reject(err);
        } else {
          resolve(new SmtpConnection(socket));
        }
      };
      const onError = (err: NodeJS.ErrnoException) => {
        const phase: SmtpPhase = tcpUp ? "tls" : "connect";
        const kind = tcpUp && options.tls ? tlsKind(err) : kindOfSocketError(err.code, tcpUp);
        finish(new SmtpError(kind, phase, describeSocketError(err, options.host, options.port)));
      };
      const onClose = () =>
        finish(
          new SmtpError(
            tcpUp ? "closed" : "refused",
            tcpUp ? "tls" : "connect",
            `${options.host}:${options.port} closed the connection`,
          ),
        );
      const timer = setTimeout(
        () => {
          const waited = seconds(Date.now() - started);
          finish(
            tcpUp
              ? new SmtpError("silent", "tls", `no TLS handshake within ${waited} s`)
              : new SmtpError(
                  "timeout",
                  "connect",
                  `no answer from ${options.host}:${options.port} within ${waited} s`,
                ),
          );
        },
        Math.max(0, options.deadline - Date.now()),
      );
      socket.once("connect", () => {
        tcpUp = true;
      });
      socket.once(options.tls ? "secureConnect" : "connect", () => finish(undefined));
      socket.on("error", onError);
      socket.on("close", onClose);
    });
  }

  /** Reads one complete reply by the deadline. */
  async readReply(phase: SmtpPhase, deadline: number): Promise<SmtpReply> {
    const lines: string[] = [];
    let code = 0;
    for (;;) {
      const line = await this.readLine(phase, deadline);
      const m = REPLY_LINE.exec(line);
      if (!m) {
        throw new SmtpError("garbage", phase, `not an SMTP reply: "${printable(line)}"`);
      }
      const lineCode = Number(m[1]);
      if (lines.length > 0 && lineCode !== code) {
        throw new SmtpError("garbage", phase, `reply code changed mid-reply: "${printable(line)}"`);
      }
      code = lineCode;
      lines.push(m[3]!);
      if (m[2] !== "-") return { code, lines };
      if (lines.length >= MAX_LINES) {
        throw new SmtpError("garbage", phase, `reply longer than ${MAX_LINES} lines`);
      }
    }
  }

  /** Reads one line (without CRLF) by the deadline. */
  async readLine(phase: SmtpPhase, deadline: number): Promise<string> {
    for (;;) {
      const nl = this.buffer.indexOf("\n");
      if (nl >= 0) {
        const line = this.buffer.slice(0, nl).replace(/\r$/, "");
        this.buffer = this.buffer.slice(nl + 1);
        return line;
      }
      if (this.buffer.length > MAX_LINE) {
        throw new SmtpError(
          "garbage",
          phase,
          `${this.buffer.length} bytes without a line end: "${printable(this.buffer)}"`,
        );
      }
      if (this.ended) {
        const partial = this.buffer === "" ? "" : ` after "${printable(this.buffer)}"`;
        throw new SmtpError(this.ended.kind, phase, `${this.ended.message}${partial}`);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const partial = this.buffer === "" ? "" : ` (got "${printable(this.buffer)}")`;
        throw new SmtpError("silent", phase, `no complete reply before the deadline${partial}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, remaining);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }

  /** Sends one command line (CRLF added). Errors surface on the next read. */
  send(line: string): void {
    if (!this.ended && !this.socket.destroyed) this.socket.write(`${line}\r\n`);
  }

  /** Sends a command and reads its reply. */
  async command(line: string, phase: SmtpPhase, deadline: number): Promise<SmtpReply> {
    this.send(line);
    return this.readReply(phase, deadline);
  }

  /**
   * Upgrades the connection after a `220` reply to STARTTLS. Resolves with the TLS socket once
   * the handshake is done (certificate errors do not fail it: `rejectUnauthorized` is the
   * caller's choice, and checks inspect the certificate instead).
   */
  startTls(options: ConnectionOptions, deadline: number): Promise<TLSSocket> {
    const plain = this.socket;
    this.detach(plain);
    this.buffer = "";
    return new Promise((resolve, reject) => {
      const secure = tlsConnect({ ...options, socket: plain });
      let settled = false;
      const finish = (err?: SmtpError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        secure.removeListener("error", onError);
        if (err) {
          secure.destroy();
          reject(err);
        } else {
          this.socket = secure;
          this.attach(secure);
          resolve(secure);
        }
      };
      const onError = (err: NodeJS.ErrnoException) =>
        finish(new SmtpError(tlsKind(err), "tls", `TLS handshake failed: ${err.message}`));
      const timer = setTimeout(
        () => finish(new SmtpError("silent", "tls", "no TLS handshake before the deadline")),
        Math.max(0, deadline - Date.now()),
      );
      secure.once("secureConnect", () => finish());
      secure.on("error", onError);
    });
  }

  /** Sends QUIT without waiting for the answer, and closes. */
  quit(): void {
    this.send("QUIT");
    this.socket.end();
    // A peer that never closes must not keep the process alive.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** Closes at once. */
  close(): void {
    this.socket.destroy();
  }

  private readonly onData = (chunk: Buffer) => {
    // latin1 keeps every byte as one character, so garbage is shown faithfully.
    this.buffer += chunk.toString("latin1");
    this.wake?.();
  };
  private readonly onError = (err: NodeJS.ErrnoException) => {
    this.ended ??= {
      kind: kindOfSocketError(err.code, true),
      message: `connection failed: ${err.code ?? err.message}`,
    };
    this.wake?.();
  };
  private readonly onEnd = () => {
    this.ended ??= { kind: "closed", message: "the peer closed the connection" };
    this.wake?.();
  };

  private attach(socket: Socket | TLSSocket): void {
    socket.on("data", this.onData);
    socket.on("error", this.onError);
    socket.on("end", this.onEnd);
    socket.on("close", this.onEnd);
  }

  private detach(socket: Socket | TLSSocket): void {
    socket.removeListener("data", this.onData);
    socket.removeListener("error", this.onError);
    socket.removeListener("end", this.onEnd);
    socket.removeListener("close", this.onEnd);
  }
}

function tlsKind(err: NodeJS.ErrnoException): SmtpErrorKind {
  const socketKind = kindOfSocketError(err.code, true);
  return socketKind === "error" ? "tls" : socketKind;
}

function describeSocketError(err: NodeJS.ErrnoException, host: string, port: number): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return `${host}:${port} refused the connection`;
    case "ECONNRESET":
      return `${host}:${port} reset the connection`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${host}:${port} is unreachable (${err.code})`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `cannot resolve ${host} (${err.code})`;
    default:
      return `${host}:${port}: ${err.code ?? err.message}`;
  }
}

/** Milliseconds as seconds with one decimal, for messages. */
export function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
