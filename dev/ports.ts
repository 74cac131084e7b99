/**
 * Port checks for the local stack: a port is proven free by binding it, on the interface the stack
 * listens on, before anything is started.
 */
import { createServer } from "node:net";

/** The interface every part of the local stack listens on. */
export const STACK_HOST = "127.0.0.1";

/** Which part of the stack a port belongs to. */
export type StackPart = "worker" | "provider";

/**
 * The port of one part of the stack is held by another process: refused before starting, or found
 * answering as something other than the worker this run started.
 */
export class PortInUseError extends Error {
  readonly part: StackPart;
  readonly port: number;

  constructor(part: StackPart, port: number, detail: string) {
    super(
      `port ${port} on ${STACK_HOST} (the ${part === "worker" ? "worker" : "identity provider"}) ${detail}`,
    );
    this.name = "PortInUseError";
    this.part = part;
    this.port = port;
  }
}

/** Resolves when `port` can be bound on the stack's interface; rejects with a PortInUseError if not. */
export async function assertPortFree(port: number, part: StackPart): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") reject(new PortInUseError(part, port, "is already in use"));
      else reject(new PortInUseError(part, port, `cannot be bound: ${error.code ?? error.message}`));
    });
    server.listen({ port, host: STACK_HOST, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** A port that was free a moment ago (the kernel's choice). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, STACK_HOST, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
