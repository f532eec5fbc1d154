/**
 * A Node HTTPS server on loopback for tests: a certificate from a test CA (`makeTestCertificates`
 * in `./postfix.ts`), a free port, a request handler the test supplies. The test closes it.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { TestCertificates } from "./postfix";

export type HttpsHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 and a free port. */
export async function startHttps(
  certs: TestCertificates,
  handler: HttpsHandler,
): Promise<HttpsServer> {
  const server = createServer(
    { key: readFileSync(certs.keyFile), cert: readFileSync(certs.certFile) },
    handler,
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A handler serving `text` at `/.well-known/mta-sts.txt` with `contentType`, 404 elsewhere. */
export function servePolicy(text: string, contentType = "text/plain; charset=utf-8"): HttpsHandler {
  return (req, res) => {
    if (req.url !== "/.well-known/mta-sts.txt") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": contentType }).end(text);
  };
}

/** A Workers-style ES module: a default export with `fetch(Request): Response`. */
export interface WorkerModule {
  fetch(request: Request): Promise<Response>;
}

/** Loads a Worker script as the Workers runtime does: an ES module with a default export. */
export async function loadWorker(script: string): Promise<WorkerModule> {
  const url = `data:text/javascript;base64,${Buffer.from(script).toString("base64")}`;
  return ((await import(url)) as { default: WorkerModule }).default;
}

/**
 * A handler passing each request to a Worker, as Cloudflare's edge does: the Worker sees
 * `https://<Host><path>` and its Response is written back unchanged.
 */
export function workerHandler(worker: WorkerModule): HttpsHandler {
  return (req, res) => {
    const request = new Request(
      `https://${(req.headers.host ?? "").replace(/:\d+$/, "")}${req.url}`,
      {
        method: req.method ?? "GET",
      },
    );
    void worker.fetch(request).then(async (response) => {
      const body = Buffer.from(await response.arrayBuffer());
      res.writeHead(response.status, Object.fromEntries(response.headers)).end(body);
    });
  };
}
