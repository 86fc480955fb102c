/** A clock the test moves by hand, so that expiry is tested without sleeping. */
export class ManualClock {
  #now: number;

  constructor(start = Date.UTC(2026, 11, 4, 12, 0, 0)) {
    this.#now = start;
  }

  readonly now = (): number => this.#now;

  advanceSeconds(seconds: number): void {
    this.#now += seconds * 1000;
  }
}
