/** What a call came to within its deadline: its value, or why there is none. */
export type DeadlineOutcome<T> = { readonly value: T } | { readonly problem: string };

/**
 * Runs one call to a store or a service (KV, a Durable Object) within a deadline: one that throws or
 * does not answer in time is a problem for the caller to judge (a miss, a 503), never a hang or a
 * crash. The problem names the error's class and message (cut at 200 characters), never a value.
 */
export async function withDeadline<T>(
  call: () => Promise<T>,
  timeoutMs: number,
): Promise<DeadlineOutcome<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<{ readonly problem: string }>((resolve) => {
    timer = setTimeout(() => resolve({ problem: `timed out after ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([call().then((value) => ({ value })), timeout]);
  } catch (error) {
    return {
      problem: error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : "unknown error",
    };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
