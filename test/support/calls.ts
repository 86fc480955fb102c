/**
 * `target`, with the name of each of its methods pushed onto `calls` when it is called (then
 * called as it was): for tests that compare which store calls two paths make.
 */
export function recordingCalls<T extends object>(target: T, calls: string[]): T {
  return new Proxy(target, {
    get(object, name, receiver) {
      const value: unknown = Reflect.get(object, name, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(name));
        return (value as (...a: unknown[]) => unknown).apply(object, args);
      };
    },
  });
}
