/**
 * Parses a JSON object the way a security check needs: invalid UTF-8 is refused (not replaced),
 * and so is any object, at any depth, that names a key twice — `{"sub":"a","sub":"b"}` means
 * different things to different parsers, so it means nothing here.
 */
export function parseStrictJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const parsedKeys = keysInValue(value);
  if (closingQuoteColons(text) !== parsedKeys && keysInText(text) !== parsedKeys) return undefined;
  return value as Record<string, unknown>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/*
 * A repeated key is found by counting. JSON.parse keeps one property per distinct key of an object,
 * so the parsed value holds fewer keys than the text names exactly when some object repeats a key —
 * including spellings that differ only by escapes, like "sub" and "\u0073ub", which JSON.parse
 * unescapes to the same name.
 */

/**
 * The quick count, for text where no quote is followed by whitespace and a colon (compact JSON, as
 * providers sign it): the unescaped quotes followed at once by a colon. Every key's closing quote is
 * one of them, so the count is at least the number of keys the text names; when it equals the keys of
 * the parsed value (at most that number), the text names no key twice. Text with a quote, whitespace
 * and a colon gets -1 (a key spelled `"a" :` would escape the count; the exact count decides). The
 * scan visits the colons only, found by native indexOf: a colon is rare in a token (a few URL values
 * besides the keys), the quotes of a hundred groups are never visited.
 */
function closingQuoteColons(text: string): number {
  let count = 0;
  for (let at = text.indexOf(":"); at !== -1; at = text.indexOf(":", at + 1)) {
    let before = at - 1;
    let code = text.charCodeAt(before);
    if (code === 0x22) {
      if (!isEscaped(text, before)) count++;
      continue;
    }
    while (isJsonWhitespace(code)) code = text.charCodeAt(--before);
    if (code === 0x22 && before < at - 1) return -1;
  }
  return count;
}

/**
 * How many object keys valid JSON text names: the strings followed by a colon. Outside strings valid
 * JSON has no quote character, so the quotes alternate between opening and closing ones; a closing
 * quote is one not escaped by an odd run of backslashes. Native indexOf does the scanning.
 */
function keysInText(text: string): number {
  let keys = 0;
  let open = text.indexOf('"');
  while (open !== -1) {
    let close = text.indexOf('"', open + 1);
    while (close !== -1 && isEscaped(text, close)) close = text.indexOf('"', close + 1);
    if (close === -1) return -1; // Not valid JSON text: never equal to a count of keys.
    let next = close + 1;
    let code = text.charCodeAt(next);
    while (isJsonWhitespace(code)) code = text.charCodeAt(++next);
    if (code === 0x3a) keys++;
    open = text.indexOf('"', next);
  }
  return keys;
}

/** JSON's insignificant whitespace (RFC 8259 §2): space, tab, line feed, carriage return. */
function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function isEscaped(text: string, quote: number): boolean {
  let backslashes = 0;
  for (let i = quote - 1; text.charCodeAt(i) === 0x5c; i--) backslashes++;
  return backslashes % 2 === 1;
}

/** How many keys the objects of a parsed JSON value hold, at every depth (no recursion: no depth limit). */
function keysInValue(value: unknown): number {
  let keys = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next === null || typeof next !== "object") continue;
    const children: unknown[] = Array.isArray(next) ? next : Object.values(next);
    if (!Array.isArray(next)) keys += children.length;
    for (const child of children) if (child !== null && typeof child === "object") pending.push(child);
  }
  return keys;
}
