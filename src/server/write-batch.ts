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
 * A write that throws does not stop the others: once they have run, the first error is thrown
 * again, as it would have been had it been written at once. A write must only write: the SQLite
 * read caches take the file's state once per turn and let it go in a `setImmediate` of their own,
 * so a lookup made from here would be answered from the state of the turn before.
 */
export function createWriteBatch(): (write: () => void) => void {
  let queued: (() => void)[] = [];
  // Answers written or queued this turn, and whether this turn queues them.
  let answers = 0;
  let queueing = false;
  let turnEnding = false;

  const endTurn = (): void => {
    const writes = queued;
    queued = [];
    queueing = answers >= BUSY_TURN_ANSWERS;
    answers = 0;
    turnEnding = false;
    // A write made while these run counts towards the next turn.
    let failure: { error: unknown } | null = null;
    for (const write of writes) {
      try {
        write();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== null) throw failure.error;
  };

  return (write) => {
    answers += 1;
    if (!turnEnding) {
      turnEnding = true;
      setImmediate(endTurn);
    }
    if (queueing) queued.push(write);
    else write();
  };
}

/** How many answers make a turn busy, so that the next turn queues its answers. Unit: answers. */
export const BUSY_TURN_ANSWERS = 4;
