import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { LoadOptions, LoadResult, RequestVariation } from './http-load.js';

/**
 * The load generator the benchmarks drive: autocannon (from npm, in the benchmark's own
 * process) unless BENCH_LOAD_GENERATOR=wrk asks for wrk (a C program, which must be on the
 * PATH: Debian's package `wrk`). On two cores the load generator shares the machine with the
 * server under test; wrk takes a fraction of autocannon's CPU for the same load, and leaves the
 * rest to the server. Loads at a fixed rate (`overallRate`) always use autocannon: wrk has none.
 */
export function loadGenerator(): 'autocannon' | 'wrk' {
  const asked = process.env.BENCH_LOAD_GENERATOR ?? 'autocannon';
  if (asked !== 'autocannon' && asked !== 'wrk') {
    throw new Error(`BENCH_LOAD_GENERATOR must be autocannon or wrk, not ${JSON.stringify(asked)}`);
  }
  if (asked === 'wrk' && wrkVersion() === null) {
    throw new Error('BENCH_LOAD_GENERATOR=wrk, but wrk is not installed (apt-get install wrk)');
  }
  return asked;
}

// What wrkVersion found, once asked.
let installedWrk: string | null | undefined;

/** `wrk 4.1.0`, say, or null when wrk is not installed. */
export function wrkVersion(): string | null {
  if (installedWrk !== undefined) return installedWrk;
  installedWrk = null;
  try {
    // wrk prints its version with its usage, and exits 1, when given no URL.
    execFileSync('wrk', ['--version'], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout } = error as { stdout?: unknown };
    const output = typeof stdout === 'string' ? stdout : '';
    const match = /^wrk (?:debian\/)?([0-9.]+)/.exec(output);
    if (match !== null) installedWrk = `wrk ${match[1]!}`;
  }
  return installedWrk;
}

/** The load generator in use, with its version: `autocannon 8.0.0`, `wrk 4.1.0`. */
export function describeLoadGenerator(): string {
  if (loadGenerator() === 'wrk') return `${wrkVersion() ?? 'wrk'} (autocannon at a fixed rate)`;
  const manifest = createRequire(import.meta.url)('autocannon/package.json') as { version: string };
  return `autocannon ${manifest.version}`;
}

// wrk is given the requests of a varying load in advance: this many are drawn, and the different
// ones among them go into its script. Drawn at random from a thousand seeded sessions, 10,000
// use all of them but a few at most (none is left out in about 19 lists of 20); a load over more
// than a quarter as many different requests (a million sessions) cannot be cut down to a list
// without changing what it measures (how often a server's caches hold the session), and is
// refused.
const VARIATIONS_MAX = 10_000;
const DISTINCT_MAX = VARIATIONS_MAX / 4;

/**
 * One load run with wrk: the same settings as autocannon's (connections, duration, method,
 * headers, body, a request varied by `nextRequest`), one wrk thread (BENCH_WRK_THREADS for
 * more), and the outcome in {@link LoadResult}'s terms. wrk counts answers of status 400 and
 * above as errors and does not tell them apart, so `statusCounts` has two entries: `"<400"` and
 * `">=400"`. Latencies are wrk's, to the microsecond.
 */
export async function loadWithWrk(url: string, options: LoadOptions): Promise<LoadResult> {
  const connections = options.connections ?? 50;
  const threads = Number(process.env.BENCH_WRK_THREADS ?? 1);
  // wrk gives each thread connections / threads of them, rounded down.
  if (!Number.isSafeInteger(threads) || threads < 1 || connections % threads !== 0) {
    throw new Error(
      `BENCH_WRK_THREADS must be a whole number of threads that divides ${String(connections)} ` +
        'connections',
    );
  }
  const seconds = options.durationSeconds ?? 5;
  const variations: RequestVariation[] = [];
  if (options.nextRequest !== undefined) {
    for (let index = 0; index < VARIATIONS_MAX; index += 1) variations.push(options.nextRequest());
    if (new Set(variations.map((variation) => JSON.stringify(variation))).size > DISTINCT_MAX) {
      throw new Error(
        `wrk cannot drive this load: its requests vary over more than ${String(DISTINCT_MAX)} ` +
          'different ones; run it with autocannon (leave BENCH_LOAD_GENERATOR out)',
      );
    }
  } else {
    variations.push({});
  }
  for (const name of Object.keys({ ...options.headers, ...variations[0]?.headers })) {
    // wrk writes these itself, and looks for them by these spellings only.
    if (/^(host|content-length)$/i.test(name)) {
      throw new Error(`wrk-load: ${name} is set by wrk itself; leave it out of the headers`);
    }
  }
  // Each different request once, in the order first drawn: cycled through, they spread the load
  // as the draws would, from a script a quarter of the size (written, and read by wrk, at start).
  const distinct = new Map(variations.map((variation) => [JSON.stringify(variation), variation]));
  const requests = [...distinct.values()].map((variation) => ({
    headers: { ...options.headers, ...variation.headers },
    body: variation.body ?? options.body ?? null,
  }));

  const folder = mkdtempSync(join(tmpdir(), 'latchkey-wrk-'));
  try {
    const script = join(folder, 'load.lua');
    writeFileSync(script, luaScript(options.method ?? 'GET', requests));
    const output = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        'wrk',
        [
          '--threads',
          String(threads),
          '--connections',
          String(connections),
          '--duration',
          `${String(seconds)}s`,
          '--timeout',
          '10s',
          '--script',
          script,
          url,
        ],
        { encoding: 'utf8', timeout: (seconds + 30) * 1_000 },
        (error, stdout, stderr) => {
          options.signal?.removeEventListener('abort', stop);
          if (error !== null && !stdout.includes('{"requests"')) {
            reject(new Error(`wrk failed: ${stderr.slice(-1_000)}`, { cause: error }));
          } else {
            resolve(stdout);
          }
        },
      );
      const stop = (): void => {
        child.kill('SIGINT');
      };
      options.signal?.addEventListener('abort', stop, { once: true });
    });
    const line = output.split('\n').find((text) => text.startsWith('{"requests"'));
    if (line === undefined) throw new Error(`wrk printed no summary:\n${output.slice(-1_000)}`);
    return toLoadResult(JSON.parse(line) as WrkSummary);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** What the script's `done` prints: wrk's summary, times in microseconds. */
interface WrkSummary {
  requests: number;
  durationUs: number;
  statusErrors: number;
  connectErrors: number;
  readErrors: number;
  writeErrors: number;
  timeouts: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

function toLoadResult(summary: WrkSummary): LoadResult {
  const seconds = summary.durationUs / 1e6;
  const connectionErrors = summary.connectErrors + summary.readErrors + summary.writeErrors;
  return {
    requestsPerSecond: (summary.requests - summary.statusErrors) / seconds,
    p50Ms: summary.p50Us / 1_000,
    p99Ms: summary.p99Us / 1_000,
    maxMs: summary.maxUs / 1_000,
    failures: summary.statusErrors + connectionErrors + summary.timeouts,
    statusCounts: {
      '<400': summary.requests - summary.statusErrors,
      '>=400': summary.statusErrors,
    },
    connectionErrors,
    timeouts: summary.timeouts,
  };
}

/**
 * The Lua script wrk runs: every request built once at start, each thread starting at its own
 * place in the list and taking the next one for every request; at the end, the summary as one
 * line of JSON.
 */
function luaScript(
  method: string,
  requests: readonly { headers: Record<string, string>; body: string | null }[],
): string {
  const entries = requests.map(({ headers, body }) => {
    const fields = Object.entries(headers).map(([name, value]) => `[${lua(name)}]=${lua(value)}`);
    return `{h={${fields.join(',')}},b=${body === null ? 'nil' : lua(body)}}`;
  });
  return `local variations = {
${entries.join(',\n')}
}
local built = {}
local at = 0
local started = 0
function setup(thread)
  thread:set("start", started)
  started = started + 1
end
function init(args)
  for index, variation in ipairs(variations) do
    built[index] = wrk.format(${lua(method)}, nil, variation.h, variation.b)
  end
  at = ((start or 0) * 7919) % #built
end
function request()
  at = at % #built + 1
  return built[at]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"statusErrors":%d,"connectErrors":%d,"readErrors":%d,' ..
    '"writeErrors":%d,"timeouts":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;
}

/** A Lua string literal: JSON's escapes are Lua's, but for `\u` (none in ASCII input). */
function lua(text: string): string {
  if (!/^[\x20-\x7e]*$/.test(text)) {
    throw new Error(`wrk-load: only printable ASCII goes into a request: ${JSON.stringify(text)}`);
  }
  return JSON.stringify(text);
}
