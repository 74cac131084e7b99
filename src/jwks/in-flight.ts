/**
 * The refresh running in an isolate, joined by the requests that need it meanwhile.
 *
 * Isolate caches hold values; this holds a promise only while a refresh runs, because coalescing
 * needs the other requests to learn when it ends. On Workers, I/O started by one request may never
 * complete for another (the first client can disconnect and its request be cancelled), so two
 * guards keep a request from hanging on it: every wait is raced against the refresh deadline, and a
 * refresh older than the deadline no longer counts as running — the next request starts a new one,
 * and if the old one ever finishes, the generation check makes it lose.
 */
export class InFlightRefresh<R> {
  #current: { readonly promise: Promise<R>; readonly startedAt: number } | undefined;

  constructor(private readonly deadlineMs: number) {}

  /** The refresh running now, unless it has outlived the deadline. */
  running(nowMs: number): Promise<R> | undefined {
    const current = this.#current;
    return current && nowMs - current.startedAt <= this.deadlineMs ? current.promise : undefined;
  }

  /** Records `promise` as the running refresh until it settles. */
  start(nowMs: number, promise: Promise<R>): Promise<R> {
    const current = { promise, startedAt: nowMs };
    this.#current = current;
    void promise.then(() => {
      if (this.#current === current) this.#current = undefined;
    });
    return promise;
  }

  /** Waits for a refresh another request started, at most the deadline; then `gaveUp()` answers. */
  async wait(promise: Promise<R>, gaveUp: () => R): Promise<R> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<R>((resolve) => {
      timer = setTimeout(() => resolve(gaveUp()), this.deadlineMs);
    });
    try {
      return await Promise.race([promise, deadline]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
}
