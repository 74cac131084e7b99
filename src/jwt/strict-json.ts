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
  if (text.length > 2 && hasDuplicateKey(text)) return undefined;
  return value as Record<string, unknown>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Walks already-valid JSON text and reports whether some object repeats a key. Keys are compared
 * after unescaping, so `"sub"` and `"\u0073ub"` are the same key.
 */
function hasDuplicateKey(text: string): boolean {
  const frames: Frame[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    const frame = frames[frames.length - 1];
    if (ch === "{") {
      frames.push({ keys: new Set(), expectingKey: true });
    } else if (ch === "[") {
      frames.push({ keys: undefined, expectingKey: false });
    } else if (ch === "}" || ch === "]") {
      frames.pop();
    } else if (ch === "," && frame?.keys) {
      frame.expectingKey = true;
    } else if (ch === '"') {
      const end = endOfString(text, i);
      if (frame?.keys && frame.expectingKey) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (frame.keys.has(key)) return true;
        frame.keys.add(key);
        frame.expectingKey = false;
      }
      i = end;
      continue;
    }
    i++;
  }
  return false;
}

interface Frame {
  /** The keys seen so far; undefined for an array. */
  readonly keys: Set<string> | undefined;
  expectingKey: boolean;
}

function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === "\\") i += 2;
    else if (ch === '"') return i + 1;
    else i++;
  }
  return i;
}
