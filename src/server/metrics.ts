import { createHash, timingSafeEqual } from 'node:crypto';

import { authRouteKey } from '../http/auth-routes.js';

import type { LogFields, LogLevel, Logger } from '../log.js';

/** Counters of the standalone server, written in Prometheus's text format for `GET /metrics`. */
export interface ServerMetrics {
  /** Counts one answered request: its route (see {@link routeLabel}), status and duration. */
  countRequest(route: string, status: number, seconds: number): void;
  /** A logger that counts every event by name, then hands it to `inner`. */
  countingLogger(inner: Logger): Logger;
  /** Whether an `Authorization` header carries the scrape token. Constant time. */
  authorized(authorization: string | undefined): boolean;
  /** Everything counted so far, with the process's memory and CPU, in the text format. */
  render(): string;
}

/** The least length of `LATCHKEY_METRICS_TOKEN`. Unit: characters. */
export const METRICS_TOKEN_MIN_LENGTH = 32;

// Upper bounds of the request-duration histogram. Unit: seconds.
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
// Event names come from code (a few dozen); past this many, the rest count as "other", so that
// a caller logging made-up names cannot grow the answer without end.
const EVENT_NAMES_LIMIT = 256;
const BEARER = /^bearer +(\S+)$/i;
// Counted as requests, not again as events.
const REQUEST_EVENT = 'http.request';

/**
 * Counters for a server whose scrapes must send `Authorization: Bearer <token>`. The numbers
 * say how many logins fail and how busy the server is: not for everyone to read.
 */
export function createServerMetrics(token: string): ServerMetrics {
  const expected = digest(token);
  // Read once: worked out at each scrape from the uptime, it would wobble, and look like restarts.
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
  const requests = new Map<string, Map<number, number>>();
  const buckets = new Array<number>(DURATION_BUCKETS.length).fill(0);
  let durationCount = 0;
  let durationSum = 0;
  const events = new Map<string, number>();

  return {
    countRequest(route, status, seconds) {
      let byStatus = requests.get(route);
      if (byStatus === undefined) {
        byStatus = new Map();
        requests.set(route, byStatus);
      }
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      // Each bucket counts the requests at or under its bound (cumulative, as the format has it).
      for (let index = 0; index < DURATION_BUCKETS.length; index += 1) {
        if (seconds <= (DURATION_BUCKETS[index] ?? 0)) buckets[index] = (buckets[index] ?? 0) + 1;
      }
      durationCount += 1;
      durationSum += seconds;
    },
    countingLogger(inner) {
      return {
        log(level: LogLevel, event: string, fields?: LogFields): void {
          if (event !== REQUEST_EVENT) {
            const name =
              typeof event === 'string' && (events.has(event) || events.size < EVENT_NAMES_LIMIT)
                ? event
                : 'other';
            events.set(name, (events.get(name) ?? 0) + 1);
          }
          inner.log(level, event, fields);
        },
      };
    },
    authorized(authorization) {
      // The scheme in any case and one or more spaces before the token (RFC 9110 section 11.1,
      // RFC 6750 section 2.1); the token itself compared by digest, in constant time.
      const match = authorization === undefined ? null : BEARER.exec(authorization);
      return match !== null && timingSafeEqual(digest(match[1] ?? ''), expected);
    },
    render() {
      const lines: string[] = [];
      family(lines, 'latchkey_http_requests_total', 'counter', 'Requests answered.');
      for (const [route, byStatus] of requests) {
        for (const [status, count] of byStatus) {
          lines.push(
            `latchkey_http_requests_total{route="${escape(route)}",status="${status}"} ${count}`,
          );
        }
      }
      family(
        lines,
        'latchkey_http_request_duration_seconds',
        'histogram',
        "Time from a request's arrival to its answer's writing.",
      );
      DURATION_BUCKETS.forEach((bound, index) => {
        lines.push(
          `latchkey_http_request_duration_seconds_bucket{le="${bound}"} ${buckets[index] ?? 0}`,
        );
      });
      lines.push(`latchkey_http_request_duration_seconds_bucket{le="+Inf"} ${durationCount}`);
      lines.push(`latchkey_http_request_duration_seconds_sum ${durationSum}`);
      lines.push(`latchkey_http_request_duration_seconds_count ${durationCount}`);
      family(lines, 'latchkey_events_total', 'counter', 'Events logged, by name.');
      for (const [name, count] of events) {
        lines.push(`latchkey_events_total{event="${escape(name)}"} ${count}`);
      }
      const cpu = process.cpuUsage();
      family(lines, 'process_cpu_seconds_total', 'counter', 'CPU time, user and system.');
      lines.push(`process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`);
      family(lines, 'process_resident_memory_bytes', 'gauge', 'Resident memory.');
      lines.push(`process_resident_memory_bytes ${process.memoryUsage.rss()}`);
      family(lines, 'process_start_time_seconds', 'gauge', 'Start time, since the epoch.');
      lines.push(`process_start_time_seconds ${startSeconds}`);
      return `${lines.join('\n')}\n`;
    },
  };
}

/**
 * The route a path belongs to, as a label with few values: a known path as it is, a session
 * id replaced by `:id`, the demo page's files as `demo`, and anything else as `other` (a
 * scanner's thousand paths must not make a thousand series).
 */
export function routeLabel(path: string, isDemoAsset: (path: string) => boolean): string {
  if (SERVER_PATHS.has(path)) return path;
  if (path === '/api/secure-data/') return '/api/secure-data';
  if (path.startsWith('/auth/')) {
    const key = authRouteKey(path.slice('/auth'.length));
    if (key !== null) return `/auth${key}`;
  }
  return isDemoAsset(path) ? 'demo' : 'other';
}

// The server's own paths outside the auth routes (`latchkey serve` mounts those at /auth).
const SERVER_PATHS = new Set(['/api/secure-data', '/healthz', '/metrics']);

function family(lines: string[], name: string, type: string, help: string): void {
  lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

// Label values escape backslash, double quote and line feed (Prometheus's text format).
function escape(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
