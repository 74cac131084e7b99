/**
 * What a running `npm start` leaves for `npm run token`: where its provider and worker listen. A small
 * JSON file (no secrets), written once the stack is up and removed when it stops, so the token command
 * the banner prints works as printed on any port.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

/** The file's default place, inside the git-ignored `.wrangler/` of the checkout. */
export const DEFAULT_STACK_STATE_PATH = fileURLToPath(
  new URL("../.wrangler/edge-auth-dev.json", import.meta.url),
);
/** An environment variable that moves the file (both `npm start` and `npm run token` read it). */
export const STACK_STATE_ENV = "EDGE_AUTH_DEV_STATE";

export interface StackState {
  /** The `npm start` process that wrote it. */
  readonly pid: number;
  readonly siteUrl: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly redirectUri: string;
}

export function stackStatePath(env: NodeJS.ProcessEnv = process.env): string {
  return env[STACK_STATE_ENV] || DEFAULT_STACK_STATE_PATH;
}

export async function writeStackState(path: string, state: StackState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(state, null, 2)}\n`);
}

/** The recorded stack and whether its process still runs; undefined when there is no readable file. */
export function readStackState(path: string): { state: StackState; running: boolean } | undefined {
  if (!existsSync(path)) return undefined;
  let state: Partial<StackState>;
  try {
    state = JSON.parse(readFileSync(path, "utf8")) as Partial<StackState>;
  } catch {
    return undefined;
  }
  const { pid, siteUrl, issuer, clientId, redirectUri } = state;
  if (
    typeof pid !== "number" ||
    ![siteUrl, issuer, clientId, redirectUri].every((v) => typeof v === "string")
  )
    return undefined;
  return { state: state as StackState, running: isRunning(pid) };
}

/** Removes the file if it still describes the stack of process `pid` (another `npm start` may have replaced it). */
export function removeStackState(path: string, pid: number): void {
  if (readStackState(path)?.state.pid === pid) rmSync(path, { force: true });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
