import type { LogFields, LogLevel, Logger } from '../log.js';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const OWN_KEYS = new Set(['time', 'level', 'event']);

/** Options for {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Lowest level written. Default: `info`. */
  level?: LogLevel;
  /**
   * Where lines go, each with whether it is at `warn` level or above (`urgent`). Default:
   * standard output, written in batches ({@link batchedStdout}), urgent lines at once.
   */
  write?: (line: string, urgent: boolean) => void;
  /** Milliseconds since the epoch, for the `time` field. Default: `Date.now`. */
  clock?: () => number;
}

/**
 * A logger writing one JSON object per line: `time`, `level`, `event`, then the fields. Fields
 * are whatever the caller passed; Latchkey's own events never carry tokens, cookies, session
 * ids or passwords.
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? batchedStdout();
  const clock = options.clock ?? Date.now;
  const time = isoTimeOf(clock);
  return {
    log(level: LogLevel, event: string, fields: LogFields = {}): void {
      if (LEVELS[level] < threshold) return;
      if ('time' in fields || 'level' in fields || 'event' in fields) {
        // A field may not pass itself off as the line's time, level or event: those are dropped.
        const others = Object.entries(fields).filter(([key]) => !OWN_KEYS.has(key));
        const line = { time: time(), level, event, ...Object.fromEntries(others) };
        write(`${JSON.stringify(line)}\n`, LEVELS[level] >= LEVELS.warn);
        return;
      }
      // time, level and event, then the fields as JSON.stringify(fields) writes them, without
      // building a merged object: the server writes one of these per request.
      write(
        `{"time":"${time()}",${headOf(level, event)}${fieldsText(fields)}}\n`,
        LEVELS[level] >= LEVELS.warn,
      );
    },
  };
}

// `"level":...,"event":...` by level and event, and `"name":` by field name, as JSON. Events
// and field names come from code, a few dozen in all; past the bound, text is made each time.
const HEADS = new Map<string, string>();
const NAMES = new Map<string, string>();
const TEXT_CACHE_LIMIT = 512;
// JSON.stringify as it is: undefined for what JSON leaves out (undefined, a function).
const stringify = JSON.stringify as (value: unknown) => string | undefined;
// A string JSON writes as it is, between quotes: printable ASCII but `"` and `\`.
const PLAIN_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function headOf(level: LogLevel, event: string): string {
  // Known levels have no space, so the key names one pair of strings. Anything else (from
  // untyped callers: another level, an event that is not a string) is written afresh.
  const known = Object.hasOwn(LEVELS, level) && typeof event === 'string';
  const key = `${level} ${event}`;
  let head = known ? HEADS.get(key) : undefined;
  if (head === undefined) {
    // JSON has no undefined: an event left out (untyped callers) is written as null.
    head = `"level":${stringify(level) ?? 'null'},"event":${stringify(event) ?? 'null'}`;
    if (known && HEADS.size < TEXT_CACHE_LIMIT) HEADS.set(key, head);
  }
  return head;
}

/**
 * `,"name":value` for each field, as JSON.stringify writes an object's members (fields without
 * a value left out), in about half its time for the strings and numbers of a request's line.
 */
function fieldsText(fields: LogFields): string {
  if (typeof (fields as { toJSON?: unknown }).toJSON === 'function') {
    const whole = stringify(fields);
    if (whole === undefined || whole === '{}') return '';
    // Something other than an object (a Date passed as the fields) stays one valid field.
    return whole.startsWith('{') ? `,${whole.slice(1, -1)}` : `,"fields":${whole}`;
  }
  let text = '';
  for (const name of Object.keys(fields)) {
    const value: unknown = fields[name];
    let valueText: string;
    if (typeof value === 'string') {
      valueText = PLAIN_STRING.test(value) ? `"${value}"` : JSON.stringify(value);
    } else if (typeof value === 'number') {
      valueText = Number.isFinite(value) ? String(value) : 'null';
    } else {
      // As a member of an object, as JSON.stringify writes it (a toJSON method is given the
      // field's name); nothing at all for a value JSON leaves out (undefined, a function).
      const member = JSON.stringify({ [name]: value });
      if (member !== '{}') text += `,${member.slice(1, -1)}`;
      continue;
    }
    let nameText = NAMES.get(name);
    if (nameText === undefined) {
      nameText = `,${JSON.stringify(name)}:`;
      if (NAMES.size < TEXT_CACHE_LIMIT) NAMES.set(name, nameText);
    }
    text += nameText + valueText;
  }
  return text;
}

/**
 * Lines for standard output, gathered and written together: at most {@link LOG_FLUSH_DELAY_MS}
 * after the first of them, or at once when {@link LOG_BATCH_LINES} are waiting or a line is
 * `urgent` (a warning or an error: it may be the last word of a process that is stuck, as a server
 * is while its migration waits for a lock, or about to die), unless an urgent line was written
 * early less than {@link LOG_FLUSH_DELAY_MS} before (a flood of warnings that clients can cause
 * waits for the batch). Each write is a system call (to a file, Node writes standard output
 * synchronously): one per request line would cost a busy server more than the request itself,
 * and one per turn of the event loop (about 20 requests under load) still cost it about 0.4 µs
 * of CPU a request (docs/benchmarks.md). What waits is written when the process exits (the
 * `exit` event: process.exit, the end of the event loop, an uncaught exception). A process ended
 * by SIGKILL, by an abort, or by a SIGTERM it does not handle (`latchkey serve` handles it) loses
 * the last few milliseconds of lines. To a pipe, Node writes asynchronously, and what the reader
 * had not taken when the process exits is lost, as it always was.
 */
export function batchedStdout(): (line: string, urgent?: boolean) => void {
  // One batch for the whole process, however many loggers write to it: their lines keep the
  // order they were logged in, and the process has one `exit` listener, not one per logger (the
  // eleventh would have drawn Node's MaxListenersExceededWarning).
  if (!flushesAtExit) {
    flushesAtExit = true;
    // A log that cannot be written (its reader gone, a full disk) is said once, on standard
    // error; the server goes on serving, and its lines are dropped.
    let told = false;
    process.stdout.on('error', (error: Error) => {
      if (told) return;
      told = true;
      process.stderr.write(
        `latchkey: Log lines can no longer be written to standard output (${error.message}); ` +
          'they are dropped from now on.\n',
      );
    });
    process.on('exit', () => {
      // Lines logged after this (from an exit handler registered later) go out at once.
      exiting = true;
      flushStdout();
    });
  }
  return writeStdout;
}

let pending: string[] = [];
let timer: NodeJS.Timeout | null = null;
let flushesAtExit = false;
// When an urgent line was last written early (`performance.now()`).
let urgentAt = Number.NEGATIVE_INFINITY;
let exiting = false;

function flushStdout(): void {
  if (pending.length === 0) return;
  const text = pending.join('');
  pending = [];
  process.stdout.write(text);
}

function flushLater(): void {
  timer = null;
  flushStdout();
}

function writeStdout(line: string, urgent = false): void {
  if (exiting) {
    process.stdout.write(line);
    return;
  }
  pending.push(line);
  if (pending.length >= LOG_BATCH_LINES) {
    flushStdout();
  } else if (urgent && performance.now() - urgentAt >= LOG_FLUSH_DELAY_MS) {
    // At most one early write per LOG_FLUSH_DELAY_MS: warnings that any client can cause (a
    // refused cross-site request, a throttled login) must not cost a write each.
    urgentAt = performance.now();
    flushStdout();
  } else if (timer === null) {
    // Never keeps the process alive: whatever waits at exit is written by the `exit` listener.
    timer = setTimeout(flushLater, LOG_FLUSH_DELAY_MS).unref();
  }
}

/** How long a log line may wait to be written with others. Unit: milliseconds. 10. */
export const LOG_FLUSH_DELAY_MS = 10;

/** How many waiting log lines are written at once, without waiting longer. Unit: lines. 256. */
export const LOG_BATCH_LINES = 256;

/** The clock's time as an ISO 8601 string, formatted again only when the millisecond changes. */
function isoTimeOf(clock: () => number): () => string {
  let lastMs = Number.NaN;
  let lastText = '';
  return () => {
    const ms = clock();
    if (ms !== lastMs) {
      lastMs = ms;
      lastText = new Date(ms).toISOString();
    }
    return lastText;
  };
}
