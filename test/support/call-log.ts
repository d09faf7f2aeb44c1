/**
 * An object whose method calls are written down by name, for tests that count reads (how many store queries one
 * operation makes): `const { proxy, calls } = withCallLog(store)`, hand `proxy` to the code under test.
 */
export function withCallLog<T extends object>(target: T): { proxy: T; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(key));
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
  return { proxy, calls };
}
