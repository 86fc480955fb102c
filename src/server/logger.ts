import type { LogFields, LogLevel, Logger } from '../log.js';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const OWN_KEYS = new Set(['time', 'level', 'event']);

/** Options for {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Lowest level written. Default: `info`. */
  level?: LogLevel;
  /** Where lines go. Default: standard output, written once per event-loop turn. */
  write?: (line: string) => void;
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
        write(`${JSON.stringify(line)}\n`);
        return;
      }
      // The same line as JSON.stringify({ time, level, event, ...fields }), without building the
      // merged object: the server writes one of these per request.
      const rest = JSON.stringify(fields);
      const head =
        `{"time":"${time()}","level":${JSON.stringify(level)},` +
        `"event":${JSON.stringify(event)}`;
      write(rest === '{}' ? `${head}}\n` : `${head},${rest.slice(1)}\n`);
    },
  };
}

/**
 * Lines for standard output, gathered and written once per turn of the event loop. When
 * stdout is a file or a pipe, Node writes it synchronously: one system call per request line
 * would cost the busy server more than the request itself. Everything is written before exit.
 */
export function batchedStdout(): (line: string) => void {
  let pending: string[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    process.stdout.write(text);
  };
  process.on('exit', flush);
  return (line) => {
    pending.push(line);
    if (pending.length >= 256) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}

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
