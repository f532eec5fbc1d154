/**
 * Misbehaving TCP peers on loopback for probe and check tests: a tarpit (accepts, never speaks), a
 * garbage speaker, a resetter, and an SMTP peer with a custom banner. Each listens on a free port
 * and stops with `close()`.
 */
import { createServer, type Server, type Socket } from "node:net";

export type PeerBehaviour =
  /** Accepts and says nothing. */
  | { readonly kind: "tarpit" }
  /** Sends `text` as the banner (raw bytes), then waits. */
  | { readonly kind: "banner"; readonly text: string }
  /** Accepts, then resets the connection (RST) after `afterMs`. */
  | { readonly kind: "reset"; readonly afterMs: number }
  /** A 220 banner, then `ehloReply` to anything. */
  | { readonly kind: "smtp"; readonly banner: string; readonly ehloReply: string };

export interface Peer {
  readonly port: number;
  readonly hostPort: string;
  close(): Promise<void>;
}

export async function startPeer(behaviour: PeerBehaviour): Promise<Peer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    switch (behaviour.kind) {
      case "tarpit":
        break;
      case "banner":
        socket.write(behaviour.text);
        break;
      case "reset":
        setTimeout(() => socket.resetAndDestroy(), behaviour.afterMs);
        break;
      case "smtp":
        socket.write(`${behaviour.banner}\r\n`);
        socket.on("data", (d) => {
          if (/^QUIT/i.test(d.toString())) socket.end("221 bye\r\n");
          else socket.write(`${behaviour.ehloReply}\r\n`);
        });
        break;
      default: {
        const _: never = behaviour;
        throw new Error(String(_));
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    port,
    hostPort: `127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Fails under `CI=true` when a server binary is missing; otherwise returns a skip reason. */
export function requireTool(available: boolean, what: string): string | false {
  if (available) return false;
  if (process.env.CI === "true") throw new Error(`${what} is required under CI=true`);
  return `${what} is not available`;
}
