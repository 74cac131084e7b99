// oidc-provider 9.13.3 ships its in-memory adapter without types; this is the one export used.
declare module "oidc-provider/lib/adapters/memory_adapter.js" {
  import type { AdapterFactory } from "oidc-provider";
  /** A fresh in-memory store private to one provider instance. */
  export function createMemoryAdapter(clockTolerance?: number): AdapterFactory;
}
