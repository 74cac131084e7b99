import { createWorker } from "./worker.ts";

export { RevocationFence } from "./fence/revocation-fence.ts";

export default createWorker();
