/** Headers on every answer edge-auth makes itself: nothing it says may sit in a shared cache. */
export const NO_STORE = "private, no-store";
