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
