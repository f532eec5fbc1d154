/**
 * A small SMTP, IMAP and POP3 client for the end-to-end tests, on `node:net` and `node:tls`: just
 * enough to log in, submit a message and tell an accepted login from a refused one. Every read has
 * a deadline, so a silent server fails the test with the transcript instead of hanging it.
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";

/** How a connection is secured: none, upgraded with STARTTLS/STLS, or TLS from the first byte. */
export type Security = "plain" | "starttls" | "tls";

/** Where to connect and which certificate authority to trust. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly security: Security;
  /** The name the certificate must cover (SNI and verification). */
  readonly servername: string;
  /** PEM of the CA that signed the server certificate. */
  readonly ca: string;
}

/** Per-read deadline: DMS answers in milliseconds; Postfix's greet delay is a few seconds. */
const READ_TIMEOUT_MS = 30_000;

/** A line-oriented connection whose socket can be upgraded to TLS in place. */
class Conn {
  private socket: Socket | TLSSocket;
  private buffer = "";
  private waiting: (() => void) | undefined;
  private closed = false;
  /** Everything said both ways, for failure messages (passwords masked by the callers). */
  readonly transcript: string[] = [];

  private constructor(socket: Socket | TLSSocket) {
    this.socket = socket;
    this.attach(socket);
  }

  static async open(e: Endpoint): Promise<Conn> {
    const socket =
      e.security === "tls"
        ? tlsConnect({ host: e.host, port: e.port, servername: e.servername, ca: e.ca })
        : netConnect({ host: e.host, port: e.port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect ${e.host}:${e.port} timed out`));
      }, READ_TIMEOUT_MS);
      socket.once(e.security === "tls" ? "secureConnect" : "connect", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(new Error(`connect ${e.host}:${e.port}: ${err.message}`));
      });
    });
    return new Conn(socket);
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.setEncoding("utf8");
    socket.on("data", (d: string) => {
      this.buffer += d;
      this.waiting?.();
    });
    socket.on("close", () => {
      this.closed = true;
      this.waiting?.();
    });
    socket.on("error", () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  /** The next CRLF-terminated line, without its line end. */
  async line(): Promise<string> {
    const deadline = Date.now() + READ_TIMEOUT_MS;
    for (;;) {
      const i = this.buffer.indexOf("\r\n");
      if (i >= 0) {
        const l = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 2);
        this.transcript.push(`S: ${l}`);
        return l;
      }
      if (this.closed) throw new Error(`connection closed\n${this.transcript.join("\n")}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`read timed out\n${this.transcript.join("\n")}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          this.waiting = undefined;
          resolve();
        };
      });
    }
  }

  send(text: string, shown = text): void {
    this.transcript.push(`C: ${shown}`);
    this.socket.write(`${text}\r\n`);
  }

  /** Raw bytes (a message body), logged as a length only. */
  sendRaw(data: string): void {
    this.transcript.push(`C: <${data.length} bytes>`);
    this.socket.write(data);
  }

  /** Upgrades the connection to TLS (after the server agreed to STARTTLS/STLS). */
  async startTls(e: Endpoint): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners("data");
    const secure = tlsConnect({ socket: plain, servername: e.servername, ca: e.ca });
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", () => resolve());
      secure.once("error", reject);
    });
    this.socket = secure;
    this.buffer = "";
    this.attach(secure);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** An SMTP reply: the code and all its lines. */
interface Reply {
  readonly code: number;
  readonly text: string;
}

async function smtpReply(c: Conn): Promise<Reply> {
  const lines: string[] = [];
  // A multi-line reply has `-` after the code on every line but the last (RFC 5321 §4.2.1).
  for (let i = 0; i < 200; i++) {
    const l = await c.line();
    lines.push(l);
    if (/^\d{3}(?: |$)/.test(l)) return { code: Number(l.slice(0, 3)), text: lines.join("\n") };
  }
  throw new Error(`SMTP reply longer than 200 lines\n${c.transcript.join("\n")}`);
}

async function expect(c: Conn, code: number): Promise<Reply> {
  const r = await smtpReply(c);
  if (r.code !== code) {
    throw new SmtpError(r, `expected ${code}, got:\n${c.transcript.join("\n")}`);
  }
  return r;
}

/** A reply the client did not expect; `reply.code` tells a refusal from a deferral. */
export class SmtpError extends Error {
  constructor(
    readonly reply: Reply,
    message: string,
  ) {
    super(message);
  }
}

/** One message to submit or relay. */
export interface Envelope {
  readonly helo: string;
  readonly from: string;
  readonly to: readonly string[];
  /** The message (headers, empty line, body) with CRLF line ends. */
  readonly data: string;
  /** SASL PLAIN credentials; required on 465/587. */
  readonly auth?: { readonly user: string; readonly password: string };
}

/**
 * Sends one message and returns the server's final reply to the data (`250 2.0.0 Ok: queued as
 * <id>`). Throws {@link SmtpError} with the transcript on any other reply.
 */
export async function sendMail(e: Endpoint, m: Envelope): Promise<string> {
  const c = await Conn.open(e);
  try {
    await expect(c, 220);
    c.send(`EHLO ${m.helo}`);
    let ehlo = await expect(c, 250);
    if (e.security === "starttls") {
      if (!/STARTTLS/i.test(ehlo.text)) throw new Error(`no STARTTLS offered:\n${ehlo.text}`);
      c.send("STARTTLS");
      await expect(c, 220);
      await c.startTls(e);
      c.send(`EHLO ${m.helo}`);
      ehlo = await expect(c, 250);
    }
    if (m.auth !== undefined) {
      const token = Buffer.from(`\0${m.auth.user}\0${m.auth.password}`).toString("base64");
      c.send(`AUTH PLAIN ${token}`, "AUTH PLAIN <credentials>");
      await expect(c, 235);
    }
    c.send(`MAIL FROM:<${m.from}>`);
    await expect(c, 250);
    for (const rcpt of m.to) {
      c.send(`RCPT TO:<${rcpt}>`);
      await expect(c, 250);
    }
    c.send("DATA");
    await expect(c, 354);
    // Dot-stuffing (RFC 5321 §4.5.2): a line starting with "." gets another.
    const body = m.data.replace(/\r\n\./g, "\r\n..");
    c.sendRaw(`${body.endsWith("\r\n") ? body : `${body}\r\n`}.\r\n`);
    const done = await expect(c, 250);
    c.send("QUIT");
    return done.text;
  } finally {
    c.close();
  }
}

/** The outcome of a login: accepted, refused, or anything else (with the server's words). */
export interface LoginResult {
  readonly ok: boolean;
  readonly reply: string;
}

/** IMAP `LOGIN` (RFC 9051 §6.2.3), after STARTTLS when `security` says so. */
export async function imapLogin(e: Endpoint, user: string, password: string): Promise<LoginResult> {
  const c = await Conn.open(e);
  const tagged = async (tag: string): Promise<string> => {
    for (let i = 0; i < 200; i++) {
      const l = await c.line();
      if (l.startsWith(`${tag} `)) return l;
    }
    throw new Error(`no tagged ${tag} reply\n${c.transcript.join("\n")}`);
  };
  try {
    const greeting = await c.line();
    if (!greeting.startsWith("* OK")) return { ok: false, reply: greeting };
    if (e.security === "starttls") {
      c.send("a0 STARTTLS");
      const r = await tagged("a0");
      if (!r.startsWith("a0 OK")) return { ok: false, reply: r };
      await c.startTls(e);
    }
    const q = (s: string) => `"${s.replace(/["\\]/g, (x) => `\\${x}`)}"`;
    c.send(`a1 LOGIN ${q(user)} ${q(password)}`, `a1 LOGIN ${q(user)} <password>`);
    const r = await tagged("a1");
    c.send("a2 LOGOUT");
    return { ok: r.startsWith("a1 OK"), reply: r };
  } finally {
    c.close();
  }
}

/**
 * Logs in over IMAP and returns the `Subject:` header line of every message in INBOX
 * (`FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])`, RFC 9051 §6.4.5), in mailbox order.
 */
export async function imapSubjects(e: Endpoint, user: string, password: string): Promise<string[]> {
  const c = await Conn.open(e);
  const tagged = async (tag: string, seen: string[] = []): Promise<string> => {
    for (let i = 0; i < 10_000; i++) {
      const l = await c.line();
      if (l.startsWith(`${tag} `)) return l;
      seen.push(l);
    }
    throw new Error(`no tagged ${tag} reply\n${c.transcript.join("\n")}`);
  };
  try {
    const greeting = await c.line();
    if (!greeting.startsWith("* OK")) throw new Error(`IMAP greeting: ${greeting}`);
    if (e.security === "starttls") {
      c.send("s0 STARTTLS");
      await tagged("s0");
      await c.startTls(e);
    }
    const q = (s: string) => `"${s.replace(/["\\]/g, (x) => `\\${x}`)}"`;
    c.send(`s1 LOGIN ${q(user)} ${q(password)}`, `s1 LOGIN ${q(user)} <password>`);
    const login = await tagged("s1");
    if (!login.startsWith("s1 OK")) throw new Error(`IMAP login refused: ${login}`);
    const selected: string[] = [];
    c.send("s2 SELECT INBOX");
    const sel = await tagged("s2", selected);
    if (!sel.startsWith("s2 OK")) throw new Error(`IMAP SELECT: ${sel}`);
    if (selected.some((l) => /^\* 0 EXISTS/.test(l))) return [];
    const lines: string[] = [];
    c.send("s3 FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    const fetched = await tagged("s3", lines);
    if (!fetched.startsWith("s3 OK")) throw new Error(`IMAP FETCH: ${fetched}`);
    c.send("s4 LOGOUT");
    return lines.filter((l) => /^Subject:/i.test(l));
  } finally {
    c.close();
  }
}

/** POP3 `USER`/`PASS` (RFC 1939 §7), after STLS (RFC 2595) when `security` says so. */
export async function pop3Login(e: Endpoint, user: string, password: string): Promise<LoginResult> {
  const c = await Conn.open(e);
  try {
    const greeting = await c.line();
    if (!greeting.startsWith("+OK")) return { ok: false, reply: greeting };
    if (e.security === "starttls") {
      c.send("STLS");
      const r = await c.line();
      if (!r.startsWith("+OK")) return { ok: false, reply: r };
      await c.startTls(e);
    }
    c.send(`USER ${user}`);
    const u = await c.line();
    if (!u.startsWith("+OK")) return { ok: false, reply: u };
    c.send(`PASS ${password}`, "PASS <password>");
    const p = await c.line();
    c.send("QUIT");
    return { ok: p.startsWith("+OK"), reply: p };
  } finally {
    c.close();
  }
}

/** Whether something accepts TCP connections on `host:port` (one try, 1 s). */
export function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}
