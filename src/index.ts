import { createWorker } from "./worker.ts";

/** The DPoP replay store's Durable Object class (the `DPOP_REPLAY` binding in wrangler.toml). */
export { DpopReplayObject } from "./dpop/replay-object.ts";
export { RevocationFence } from "./fence/revocation-fence.ts";

export default createWorker();
