/**
 * The route matcher's properties over random rule sets and hostile paths, as plain fast-check
 * properties: `route-matcher.test.ts` runs them with a fixed seed, `npm run fuzz` with a random one.
 * They throw (never use a test runner's `expect`) so that both can run them.
 *
 * The oracle is written apart from src/policy/path-readings.ts: escapes are decoded with a regular
 * expression and dot segments resolved by the URL parser, rules are tried one by one in order.
 */
import fc from "fast-check";
import type { GateConfig, RoutePolicy } from "../../src/config/config.ts";
import { loadConfig } from "../../src/config/load-config.ts";
import { compilePattern, normalisePath } from "../../src/policy/route-pattern.ts";
import { matchRouteOf } from "../support/route-rules.ts";

/** Segment names with case variants, so that rules and paths collide under case folding. */
const NAMES = ["help", "Help", "HELP", "private", "Private", "admin", "Admin", "ADMIN", "guide", "x"];

type Access = "public" | "signed-in" | "admins" | "staff";
const ACCESS: readonly Access[] = ["public", "signed-in", "admins", "staff"];

export interface RandomRule {
  readonly pattern: string;
  readonly access: Access;
}

const base = fc
  .array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 })
  .map((parts) => `/${parts.join("/")}`);

const rule: fc.Arbitrary<RandomRule> = fc.record({
  pattern: fc.oneof(
    { weight: 4, arbitrary: base },
    { weight: 4, arbitrary: base.map((b) => `${b}/*`) },
    { weight: 1, arbitrary: base.map((b) => `${b}/`) },
    { weight: 1, arbitrary: fc.constantFrom("*", "/*", "/") },
  ),
  access: fc.constantFrom(...ACCESS),
});

export const ruleSet = fc.array(rule, { minLength: 1, maxLength: 8 });

/** Spellings that some origin reads differently from the URL parser. */
const HOSTILE = [
  "..",
  ".",
  "%2e%2e",
  "..;",
  ";",
  "a;b=c",
  "%2f",
  "%2F",
  "%2F..%2F",
  "..%2f",
  "..%5c",
  "%5c",
  "%252f",
  "%252F..%252F",
  "..%252f",
  "%2e%2e%252f",
  "%25",
  "%2",
  "",
];

/** A path made of rule names in any letter case and hostile segments, as the URL parser leaves it. */
export const hostilePath = fc
  .tuple(
    fc.array(
      fc.oneof(
        fc
          .constantFrom(...NAMES)
          .chain((name) => fc.constantFrom(name, name.toLowerCase(), name.toUpperCase())),
        fc.constantFrom(...HOSTILE),
      ),
      { maxLength: 6 },
    ),
    fc.boolean(),
  )
  .map(([parts, slash]) => new URL(`https://site.test/${parts.join("/")}${slash ? "/" : ""}`).pathname);

export function configOf(rules: readonly RandomRule[]): GateConfig | undefined {
  const loaded = loadConfig({
    OIDC_ISSUER: "https://issuer.test",
    OIDC_CLIENT_ID: "client-1",
    AUTH_ROUTES: rules.map(({ pattern, access }) => ({
      pattern,
      ...(access === "public" ? { access: "public" } : {}),
      ...(access === "admins" ? { allow: { groups: ["admins"] } } : {}),
      ...(access === "staff" ? { allow: { groups: ["staff"] } } : {}),
    })),
  });
  return loaded.ok ? loaded.value : undefined;
}

/** What a rule admits: rules with the same key admit the same requests. */
function accessKey(route: RoutePolicy): string {
  return route.access === "public" ? "public" : JSON.stringify(route.allow?.groups ?? "any identity");
}

/** The first rule, in order, whose pattern (case-folded for `folded`) matches `path`. */
function firstRule(config: GateConfig, path: string, folded: boolean): RoutePolicy {
  const found = config.routes.find((route) =>
    folded ? compilePattern(route.pattern.toLowerCase())(path.toLowerCase()) : route.matches(path),
  );
  return found ?? config.defaultRoute;
}

function decodeOnce(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/** Dot segments resolved by the URL parser (RFC 3986 §5.2.4 for these inputs), then normalised. */
function resolved(text: string): string {
  const safe = text.replace(/[?#]/g, "_");
  return normalisePath(new URL(`https://site.test${safe.startsWith("/") ? "" : "/"}${safe}`).pathname);
}

/** Every reading an origin may make of `pathname` before letter case and trailing slashes. */
export function oracleReadings(pathname: string): string[] {
  const texts = [pathname];
  for (let i = 0; i < 2; i++) {
    const decoded = decodeOnce(texts.at(-1) as string);
    if (decoded !== texts.at(-1)) texts.push(decoded);
  }
  const readings = new Set<string>([normalisePath(pathname)]);
  for (const text of texts) {
    const slashed = text.replace(/\\/g, "/");
    const withoutParams = slashed
      .split("/")
      .map((segment) => segment.split(";")[0])
      .join("/");
    for (const candidate of [slashed, withoutParams]) {
      readings.add(resolved(candidate));
      readings.add(resolved(candidate.replace(/\/{2,}/g, "/")));
    }
  }
  return [...readings];
}

interface Reading {
  readonly path: string;
  readonly rule: RoutePolicy;
}

/** Each reading as read, case-folded, and with its trailing slash removed or added (see match-route.ts). */
function everyReading(config: GateConfig, pathname: string): Reading[] {
  const slashEndedExact = config.routes.some((r) => r.pattern.length > 1 && r.pattern.endsWith("/"));
  const out: Reading[] = [];
  for (const path of oracleReadings(pathname)) {
    const asRead = firstRule(config, path, false);
    const variants: [string, boolean][] = [
      [path, false],
      [path, true],
    ];
    if (asRead.pattern !== path) {
      const other =
        path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : slashEndedExact ? `${path}/` : "";
      if (other !== "") variants.push([other, false], [other, true]);
    }
    for (const [variant, folded] of variants)
      out.push({ path: variant, rule: firstRule(config, variant, folded) });
  }
  return out;
}

function fail(message: string): never {
  throw new Error(message);
}

/**
 * The gate never admits a request under a rule more lenient than the rule of any reading: when the
 * readings of a path fall under rules that admit differently, the path is ambiguous; otherwise it gets
 * the rule of its canonical path. And conversely: a path is called ambiguous only when its readings
 * disagree.
 */
export function judgesByEveryReading(config: GateConfig, pathname: string): void {
  const canonical = firstRule(config, normalisePath(pathname), false);
  const readings = everyReading(config, pathname);
  const disagreeing = readings.find((reading) => accessKey(reading.rule) !== accessKey(canonical));
  const judged = matchRouteOf(config, "site.test", pathname);
  if (judged.ok) {
    if (disagreeing)
      fail(
        `${pathname} admitted under ${judged.value.pattern}, but read as ${disagreeing.path} under ${disagreeing.rule.pattern}`,
      );
    if (judged.value !== canonical) fail(`${pathname} got ${judged.value.pattern}, not ${canonical.pattern}`);
  } else if (!disagreeing) {
    fail(
      `${pathname} called ambiguous (${judged.failure.detail}) though every reading is under ${accessKey(canonical)}`,
    );
  }
}

/**
 * Every pattern's own path (`/exact`, and for `/base/*` both `/base` and `/base/zz9`) gets the rule it
 * falls under as written and is never ambiguous, in every rule set the configuration accepts; rule sets
 * written in one letter case without slash-ended exact patterns are always accepted.
 */
export function ownPathsStayTheirRules(rules: readonly RandomRule[]): void {
  const config = configOf(rules);
  if (!config) {
    const plain = rules.every((r) => r.pattern === r.pattern.toLowerCase() && !/.\/$/.test(r.pattern));
    if (plain) fail(`rules in one letter case refused: ${JSON.stringify(rules)}`);
    return;
  }
  for (const route of config.routes) {
    const own =
      route.pattern === "*"
        ? []
        : route.pattern.endsWith("/*")
          ? [route.pattern.slice(0, -2) || "/", `${route.pattern.slice(0, -2)}/zz9`]
          : [route.pattern];
    for (const path of own) {
      const judged = matchRouteOf(config, "site.test", path);
      if (!judged.ok) fail(`${route.pattern}: own path ${path} is ambiguous (${judged.failure.detail})`);
      if (judged.value !== firstRule(config, path, false))
        fail(`${route.pattern}: ${path} under ${judged.value.pattern}`);
    }
  }
}

export const gateNeverLaxerProperty = fc.property(
  ruleSet,
  fc.array(hostilePath, { minLength: 1, maxLength: 8 }),
  (rules, paths) => {
    const config = configOf(rules);
    fc.pre(config !== undefined);
    for (const path of paths) judgesByEveryReading(config as GateConfig, path);
  },
);

export const ownPathsProperty = fc.property(ruleSet, ownPathsStayTheirRules);
