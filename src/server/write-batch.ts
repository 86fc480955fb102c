/**
 * Answers written together under load: after a turn of the event loop that wrote at least
 * {@link BUSY_TURN_ANSWERS} answers, the next turn's are queued and written all at once at the
 * end of its poll phase (`setImmediate`), in the order they were queued. Otherwise each is
 * written at once.
 *
 * A busy server reads many requests in one turn. Written as soon as each answer is ready, every
 * answer wakes the client afresh: a reverse proxy or load balancer on the same machine, which
 * has gone back to waiting in the meantime, is woken once per answer, and the kernel charges
 * that wake-up to the server's write. Written together after every ready connection has been
 * read, the answers of one turn wake it about once. On loopback this took the server from about
 * 40 to 29 µs of CPU per authenticated request, and its client from 26 to 19
 * (docs/benchmarks.md).
 *
 * A queued answer waits for the rest of its turn, which may hold slow work (a login's
 * statements once its hash is done): under light load that wait is not worth it, so a turn
 * queues only when the one before it was busy.
 *
 * A write that throws is handed to `onError`, and the other writes still run.
 */
export function createWriteBatch(onError: (error: unknown) => void): (write: () => void) => void {
  let queued: (() => void)[] = [];
  // Answers written or queued this turn, and whether this turn queues them.
  let answers = 0;
  let queueing = false;
  let turnEnding = false;

  const run = (write: () => void): void => {
    try {
      write();
    } catch (error) {
      onError(error);
    }
  };
  const endTurn = (): void => {
    const writes = queued;
    queued = [];
    queueing = answers >= BUSY_TURN_ANSWERS;
    answers = 0;
    turnEnding = false;
    // A write made while these run counts towards the next turn.
    for (const write of writes) run(write);
  };

  return (write) => {
    answers += 1;
    if (!turnEnding) {
      turnEnding = true;
      setImmediate(endTurn);
    }
    if (queueing) queued.push(write);
    else run(write);
  };
}

/** How many answers make a turn busy, so that the next turn queues its answers. Unit: answers. */
export const BUSY_TURN_ANSWERS = 4;
