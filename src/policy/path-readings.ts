import { normalisePath } from "./route-pattern.ts";

/** A path as some origin may read it, and how it came to be read so. */
export interface PathReading {
  readonly path: string;
  /** 1 or 2 for escapes decoded once or twice. */
  readonly decodings: number;
  readonly paramsDropped: boolean;
  readonly slashesMerged: boolean;
}

/** Origins that decode a path decode it once (nginx, most frameworks) or twice (an nginx in front of one). */
const MAX_DECODINGS = 2;

const ANY_ESCAPE = /%([0-9A-Fa-f]{2})/g;

/** Whether a path can be read differently by an origin that decodes it (see `decodedReadings`). */
export function mayBeDecodedDifferently(pathname: string): boolean {
  return /[%\\;]/.test(pathname);
}

/**
 * The paths an origin that decodes the path may read, besides the canonical one (`normalisePath`),
 * which is how edge/origin parser differentials bypass path rules: every percent-escape decoded once
 * and twice (`%2F`, `%5C` and `%252F` too: nginx, double-decoding stacks), `\` read as `/` (IIS),
 * with and without `;parameters` in each segment (Tomcat, Jetty: `/public/..;/admin`), and dot segments
 * resolved again (RFC 3986 §5.2.4) both with empty segments kept and after merging slashes (nginx),
 * since `/a//..` leaves `/a/` under one and `/` under the other. Each reading is normalised.
 */
export function* decodedReadings(pathname: string): Generator<PathReading> {
  const canonical = normalisePath(pathname);
  const seen = new Set<string>([canonical]);
  let text = pathname.startsWith("/") ? pathname : `/${pathname}`;
  for (let decodings = 0; decodings <= MAX_DECODINGS; decodings++) {
    if (decodings > 0) {
      const decoded = decodeEscapes(text);
      if (decoded === text) return;
      text = decoded;
    }
    const slashed = text.includes("\\") ? text.replace(/\\/g, "/") : text;
    for (const paramsDropped of slashed.includes(";") ? [false, true] : [false]) {
      const mayMerge = paramsDropped || slashed.includes("//");
      for (const slashesMerged of mayMerge ? [false, true] : [false]) {
        const path = resolveDotSegments(slashed, paramsDropped, slashesMerged);
        if (seen.has(path)) continue;
        seen.add(path);
        yield { path, decodings, paramsDropped, slashesMerged };
      }
    }
  }
}

/** How a reading came about, for the log: `escapes decoded twice, ; parameters dropped`. */
export function describeReading(reading: PathReading): string {
  const how = [
    ...(reading.decodings === 0
      ? []
      : [reading.decodings === 1 ? "escapes decoded" : "escapes decoded twice"]),
    ...(reading.paramsDropped ? ["; parameters dropped"] : []),
    ...(reading.slashesMerged ? ["slashes merged"] : []),
  ];
  return how.length > 0 ? how.join(", ") : "dot segments resolved";
}

function decodeEscapes(text: string): string {
  if (!text.includes("%")) return text;
  return text.replace(ANY_ESCAPE, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

const DOT = /^(?:\.|%2e)$/i;
const DOT_DOT = /^(?:\.|%2e){2}$/i;

/**
 * RFC 3986 §5.2.4 over the segments of `path` (which starts with "/"), optionally dropping every
 * segment's `;parameters` first and skipping empty segments (merged slashes). A last segment `.` or
 * `..` leaves a trailing slash, as the RFC does.
 */
function resolveDotSegments(path: string, dropParams: boolean, mergeSlashes: boolean): string {
  const parts = path.split("/");
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) {
    let part = parts[i] as string;
    if (dropParams) {
      const semicolon = part.indexOf(";");
      if (semicolon !== -1) part = part.slice(0, semicolon);
    }
    const last = i === parts.length - 1;
    if (part === ".." || (part.includes("%") && DOT_DOT.test(part))) {
      out.pop();
      if (last) out.push("");
    } else if (part === "." || (part.includes("%") && DOT.test(part))) {
      if (last) out.push("");
    } else if (part !== "" || !mergeSlashes || last) {
      out.push(part);
    }
  }
  return normalisePath(`/${out.join("/")}`);
}
