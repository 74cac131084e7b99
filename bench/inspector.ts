/**
 * workerd's inspector (`workerd serve --inspector-addr`), spoken to over the DevTools protocol: one
 * WebSocket per worker, by service name. The bench profiles through it (profile.ts) and reads an
 * isolate's heap (memory.ts, soak.ts).
 */

export interface InspectorSession {
  send(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): void;
}

/** One DevTools protocol session with the worker `service` of the workerd whose inspector is on `port`. */
export async function openSession(port: number, service: string): Promise<InspectorSession> {
  const url = `ws://127.0.0.1:${port}/${service}`;
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error(`inspector ${url} refused the connection`)), {
      once: true,
    });
  });
  let nextId = 1;
  const pending = new Map<number, (result: Record<string, unknown>) => void>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown> };
    if (message.id !== undefined) pending.get(message.id)?.(message.result ?? {});
  });
  return {
    send(method, params = {}) {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        socket.send(JSON.stringify({ id, method, params }));
      });
    },
    close: () => socket.close(),
  };
}

/**
 * The V8 heap of one worker's isolate, in bytes, as it stands: workerd's inspector answers
 * `Runtime.getHeapUsage` but not a forced collection, so a reading includes garbage not yet collected.
 * A heap that is bounded shows as readings that saw-tooth under a ceiling.
 */
export async function heapBytes(port: number, service: string): Promise<{ used: number; total: number }> {
  const session = await openSession(port, service);
  try {
    const usage = await session.send("Runtime.getHeapUsage");
    return { used: Number(usage.usedSize), total: Number(usage.totalSize) };
  } finally {
    session.close();
  }
}
