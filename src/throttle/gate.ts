/**
 * Limits how many holders a key may have at once, queueing the rest in arrival order for a
 * bounded time. Per process: it orders attempts that this server handles.
 */
export class KeyedGate {
  readonly #entries = new Map<string, { active: number; waiting: (() => void)[] }>();

  /**
   * Waits for a place under `key` (at most `limit` holders) and resolves a release function,
   * or null when `maxWaiting` others already wait or no place frees up within `timeoutMs`.
   */
  acquire(
    key: string,
    options: { limit: number; maxWaiting: number; timeoutMs: number },
  ): Promise<(() => void) | null> {
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { active: 0, waiting: [] };
      this.#entries.set(key, entry);
    }
    const current = entry;
    if (current.active < options.limit) {
      current.active += 1;
      return Promise.resolve(this.#releaser(key, current));
    }
    if (current.waiting.length >= options.maxWaiting) return Promise.resolve(null);

    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        current.active += 1;
        resolve(this.#releaser(key, current));
      };
      const timer = setTimeout(() => {
        const index = current.waiting.indexOf(wake);
        if (index !== -1) current.waiting.splice(index, 1);
        resolve(null);
      }, options.timeoutMs);
      current.waiting.push(wake);
    });
  }

  #releaser(key: string, entry: { active: number; waiting: (() => void)[] }): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.active -= 1;
      const next = entry.waiting.shift();
      if (next !== undefined) next();
      else if (entry.active === 0) this.#entries.delete(key);
    };
  }
}
