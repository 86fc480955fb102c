// Benchmarks the cookie codec against the `cookie` package (jshttp/cookie), in one process:
//
//   node --import tsx bench/cookie.ts [--markdown]
//
// Both sides do the same work. `cookie.parse` percent-decodes values by default and ours does
// not, so it is given an identity `decode`; `cookie.serialize` percent-encodes the value by
// default and ours does not, so it is given an identity `encode`. Results are medians of
// interleaved rounds (see bench/lib/compare.ts), printed and written to
// bench/results/cookie.json.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as cookie from 'cookie';

import { getCookie, parseCookieHeader, serializeSetCookie } from '../src/cookie/index.js';
import { compare, lastResult } from './lib/compare.js';
import { describeMachine } from './lib/machine.js';
import { writeResults } from './lib/results.js';
import { formatMarkdownTable, formatOpsPerSecond, formatTable } from './lib/table.js';

import type { Matchup, MatchupResult } from './lib/compare.js';

const COMMAND = 'node --import tsx bench/cookie.ts';
const identity = (text: string): string => text;
const PARSE_OPTIONS: cookie.ParseOptions = { decode: identity };

// A typical session cookie: a 256-bit base64url token, 30 days, the secure attributes.
const SESSION_NAME = '__Host-sid';
const SESSION_TOKEN = 'q3Xv9TnKf0bWcY2mR8sLhA4uJz7PeGdN1oVtEyBxIwQ';
const SESSION_SECONDS = 30 * 24 * 60 * 60;

const headers = new Map([1, 10, 50].map((count) => [count, cookieHeader(count)]));

const matchups: Matchup[] = [];
for (const [count, { header, lastName }] of headers) {
  const label = `${String(count)} cookie${count === 1 ? '' : 's'}`;
  matchups.push({
    name: `parse, ${label}`,
    ours: (iterations) => {
      let result;
      for (let i = 0; i < iterations; i++) result = parseCookieHeader(header);
      return result;
    },
    theirs: (iterations) => {
      let result;
      for (let i = 0; i < iterations; i++) result = cookie.parse(header, PARSE_OPTIONS);
      return result;
    },
  });
  matchups.push({
    name: `look up the last name, ${label}`,
    ours: (iterations) => {
      let result;
      for (let i = 0; i < iterations; i++) result = getCookie(header, lastName);
      return result;
    },
    theirs: (iterations) => {
      let result;
      for (let i = 0; i < iterations; i++) result = cookie.parse(header, PARSE_OPTIONS)[lastName];
      return result;
    },
  });
}
matchups.push({
  name: 'serialize a session cookie',
  ours: (iterations) => {
    let result;
    for (let i = 0; i < iterations; i++) {
      result = serializeSetCookie(SESSION_NAME, SESSION_TOKEN, {
        maxAge: SESSION_SECONDS,
        path: '/',
        secure: true,
        httpOnly: true,
        sameSite: 'Lax',
      });
    }
    return result;
  },
  theirs: (iterations) => {
    let result;
    for (let i = 0; i < iterations; i++) {
      result = cookie.serialize(SESSION_NAME, SESSION_TOKEN, {
        maxAge: SESSION_SECONDS,
        path: '/',
        secure: true,
        httpOnly: true,
        sameSite: 'lax',
        encode: identity,
      });
    }
    return result;
  },
});

checkSameAnswers();
const settings = { rounds: 40, sampleMs: 25, warmupMs: 250 };
const results = compare(matchups, settings);
assert.ok(lastResult() !== undefined);

const machine = describeMachine();
const rows = [
  ['case', 'ours (ops/s)', 'cookie (ops/s)', 'ours/theirs', 'quartiles'],
  ...results.map(row),
];
const numeric = [false, true, true, true, true];
console.log(`${machine.cpuModel}, ${String(machine.cpus)} CPUs, Node ${machine.node}`);
console.log(
  `cookie@${cookieVersion()}, medians of ${String(settings.rounds)} interleaved rounds\n`,
);
console.log(formatTable(rows, numeric));
if (process.argv.includes('--markdown')) console.log(`\n${formatMarkdownTable(rows, numeric)}`);

const path = writeResults('cookie', {
  command: COMMAND,
  date: new Date().toISOString(),
  machine,
  theirs: `cookie@${cookieVersion()}`,
  settings,
  results,
});
console.log(`\nwritten to ${path}`);

function row(result: MatchupResult): string[] {
  const [low, high] = result.ratioQuartiles;
  return [
    result.name,
    formatOpsPerSecond(result.oursOpsPerSecond),
    formatOpsPerSecond(result.theirsOpsPerSecond),
    result.ratio.toFixed(2),
    `${low.toFixed(2)}–${high.toFixed(2)}`,
  ];
}

/**
 * A Cookie header of `count` distinct cookies shaped like real ones (analytics ids, a session
 * token, a CSRF token, preferences, a percent-encoded consent record), from a fixed seed.
 */
function cookieHeader(count: number): { header: string; lastName: string } {
  let state = 0x5eed + count;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return state;
  };
  const chars = (alphabet: string, length: number): string =>
    Array.from({ length }, () => alphabet[next() % alphabet.length]).join('');
  const digits = (length: number) => chars('0123456789', length);
  const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const shapes: ((index: number) => [string, string])[] = [
    () => ['__Host-sid', chars(base64url, 43)],
    () => ['_ga', `GA1.1.${digits(10)}.${digits(10)}`],
    () => ['csrf_token', chars('0123456789abcdef', 32)],
    () => ['_fbp', `fb.1.${digits(13)}.${digits(10)}`],
    () => ['consent', '%7B%22ads%22%3Afalse%2C%22stats%22%3Atrue%7D'],
    () => ['lang', 'en-US'],
    (index) => [
      `_ga_${chars('ABCDEFGHJKLMNPQRSTUVWXYZ23456789', 10)}`,
      `GS1.1.${digits(10)}.${String(index)}.1.0`,
    ],
    (index) => [`pref_${String(index)}`, chars(base64url, 8 + (next() % 24))],
  ];
  const pairs: [string, string][] = [];
  for (let index = 0; index < count; index++) {
    const shape = shapes[index < shapes.length - 1 ? index : shapes.length - 1]!;
    pairs.push(shape(index));
  }
  const lastName = pairs.at(-1)![0];
  return { header: pairs.map(([name, value]) => `${name}=${value}`).join('; '), lastName };
}

/** Both sides must give the same answers, or the comparison means nothing. */
function checkSameAnswers(): void {
  for (const { header, lastName } of headers.values()) {
    const ours = Object.fromEntries(parseCookieHeader(header).map((p) => [p.name, p.value]));
    assert.deepEqual(ours, { ...cookie.parse(header, PARSE_OPTIONS) });
    assert.equal(getCookie(header, lastName), cookie.parse(header, PARSE_OPTIONS)[lastName]);
  }
  const attributes = (line: string) => line.split('; ').sort();
  const session = { maxAge: SESSION_SECONDS, path: '/', secure: true, httpOnly: true } as const;
  assert.deepEqual(
    attributes(serializeSetCookie(SESSION_NAME, SESSION_TOKEN, { ...session, sameSite: 'Lax' })),
    attributes(
      cookie.serialize(SESSION_NAME, SESSION_TOKEN, {
        ...session,
        sameSite: 'lax',
        encode: identity,
      }),
    ),
  );
}

function cookieVersion(): string {
  const manifest = new URL('../package.json', import.meta.resolve('cookie'));
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return version;
}
