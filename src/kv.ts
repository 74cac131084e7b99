import { withDeadline } from "./deadline.ts";
import { fail, ok, type Result } from "./result.ts";

/*
 * Every KV call a request waits for runs within a deadline (`withDeadline`, DEFAULTS.kvTimeoutMs):
 * KV that throws or does not answer in time is a problem for the caller to judge, never a hang.
 */

/** Reads a KV value as text within a deadline (see `withDeadline`). */
export async function readKvText(
  kv: KVNamespace,
  key: string,
  timeoutMs: number,
): Promise<{ readonly text: string | null } | { readonly problem: string }> {
  const read = await withDeadline(() => kv.get(key, "text"), timeoutMs);
  return "problem" in read ? read : { text: read.value };
}

/**
 * Lists the keys under `prefix` page by page, each page within the KV deadline, up to `maxPages`,
 * handing every key to `each`. Says whether the listing was complete (false: cut short at `maxPages`),
 * or the problem of the first page that failed.
 */
export async function listKvPrefix(
  kv: KVNamespace,
  prefix: string,
  timeoutMs: number,
  maxPages: number,
  each: (key: KVNamespaceListKey<unknown>) => void,
): Promise<Result<{ readonly complete: boolean }, string>> {
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const listed = await withDeadline(
      () => kv.list(cursor === undefined ? { prefix } : { prefix, cursor }),
      timeoutMs,
    );
    if ("problem" in listed) return fail(listed.problem);
    for (const key of listed.value.keys) each(key);
    if (listed.value.list_complete) return ok({ complete: true });
    cursor = listed.value.cursor;
  }
  return ok({ complete: false });
}
