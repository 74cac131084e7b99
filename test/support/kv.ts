/** A KV namespace that counts the operations made through it (for "one KV read, not 50"). */
export function countingKv(inner: KVNamespace) {
  const counts = { get: 0, put: 0, delete: 0 };
  const namespace = new Proxy(inner, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (property === "get" || property === "put" || property === "delete") counts[property]++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { namespace, counts, inner };
}
