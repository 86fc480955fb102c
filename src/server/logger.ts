import type { LogFields, LogLevel, Logger } from '../log.js';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Options for {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Lowest level written. Default: `info`. */
  level?: LogLevel;
  /** Where lines go. Default: standard output. */
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
  const write =
    options.write ??
    ((line: string): void => {
      process.stdout.write(line);
    });
  const clock = options.clock ?? Date.now;
  return {
    log(level: LogLevel, event: string, fields: LogFields = {}): void {
      if (LEVELS[level] < threshold) return;
      const time = new Date(clock()).toISOString();
      write(`${JSON.stringify({ time, level, event, ...fields })}\n`);
    },
  };
}
