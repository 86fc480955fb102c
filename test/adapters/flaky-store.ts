import { MemorySessionStore } from '../../src/stores/memory/index.js';

import type { SessionStore } from '../../src/session/types.js';

/** A memory session store whose every call fails while `down` is set, as a lost database would. */
export function flakySessionStore(): { store: SessionStore; setDown(down: boolean): void } {
  const working = new MemorySessionStore();
  let down = false;
  const store: SessionStore = new Proxy(working, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        down
          ? Promise.reject(new Error('ECONNREFUSED'))
          : (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
    },
  });
  return {
    store,
    setDown: (value) => {
      down = value;
    },
  };
}
