import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { CookieJar } from '../../src/cookie/index.js';
import { findCorpus } from '../support/corpora.js';
import { readRawResponse, splitLines } from './raw-response.js';

// Adam Barth's http-state user-agent suite, as web-platform-tests updated it in 2020, read in
// place from the shared corpora. For case <id>, a browser requests
// http://home.example.org:8888/cookie-parser?<id>; the response is a 302 whose header lines are
// the bytes of <id>-test; the browser follows the Location (default
// /cookie-parser-result?<id>, resolved against the first URL) and must send the Cookie header
// of <id>-expected ("Cookie: " and the line end removed; an empty file means no header). Bytes
// become strings as raw-response.ts explains: one character per octet, compared byte for byte.
const found = findCorpus('http-state');
const corpus = 'path' in found ? found.path : '';
const skip = 'skip' in found ? found.skip : false;

// A fixed clock, because some expiries are absolute dates. It must fall after the latest date
// the corpus means as past (0003: 7 August 2007) and before the earliest it means as future
// (chromium0016 and 0017: 18 April 2027), or those cases change meaning when run. 1 January 2025
// is well inside; the real clock would break them after April 2027.
const NOW = Date.UTC(2025, 0, 1);
const LATEST_PAST_EXPIRY = Date.UTC(2007, 7, 7, 8, 4, 19);
const EARLIEST_FUTURE_EXPIRY = Date.UTC(2027, 3, 18, 21, 6, 29);

interface Divergence {
  /** What the 2020 expectation says the browser sends ('' for no Cookie header). */
  expected: string;
  /** What this implementation sends. */
  ours: string;
  /** Why: the RFC 6265bis section or the browser behaviour that disagrees with the file. */
  reason: string;
}

// Every case either passes or is listed here, with the output the test then insists on.
const DIVERGENCES: Record<string, Divergence> = {
  attribute0023: {
    expected: '',
    ours: 'foo=bar',
    reason:
      'RFC 6265bis 5.7 keeps the last Path (/cookie-parser-result), which path-matches the result' +
      ' URL (5.1.4); the original http-state expected foo=bar. WPT changed the file because it' +
      ' reads cookies at /cookies/http-state/resources/cookie-setter.py, outside that path.',
  },
  'disabled-chromium0022': {
    expected: 'AAA=BB',
    ours: '',
    reason:
      'the line holds a bare CR: RFC 6265bis 5.6 ignores a line with a control character (RFC' +
      ' 9112 2.2 also lets a recipient reject the field). The expectation is old Chromium, which' +
      ' cut the line at the CR; Chromium now refuses lines with CR, LF or NUL. WPT disables it.',
  },
  'disabled-path0029': {
    expected: 'foo=bar',
    ours: '',
    reason:
      'the WHATWG URL parser keeps "%6F" in /cookie-parser-result/f%6Fo/bar, and RFC 6265bis' +
      ' 5.1.4 path-matches undecoded octets, so Path=/cookie-parser-result/foo/bar does not' +
      " match. Chromium's URL canonicalizer unescapes unreserved characters and sends it;" +
      ' Firefox follows WHATWG URL. WPT disables the case.',
  },
};

function caseIds(): string[] {
  return readdirSync(corpus)
    .filter((file) => file.endsWith('-test'))
    .map((file) => file.slice(0, -'-test'.length))
    .sort();
}

function runCase(id: string): { expected: string; actual: string } {
  const jar = new CookieJar({ now: () => NOW });
  const first = new URL(`http://home.example.org:8888/cookie-parser?${id}`);
  const response = readRawResponse(readFileSync(join(corpus, `${id}-test`)));
  jar.storeResponse(response.setCookies, first);
  const next = new URL(response.location ?? `/cookie-parser-result?${id}`, first);

  const expectedLines = splitLines(readFileSync(join(corpus, `${id}-expected`)));
  assert.ok(expectedLines.length <= 1, `${id}-expected holds more than one line`);
  const expected = (expectedLines[0] ?? '').replace(/^Cookie: /, '');
  return { expected, actual: jar.getCookieHeader(next) };
}

void describe('the http-state corpus', { skip }, () => {
  void test('the fixed clock keeps every absolute expiry on the side its case means', () => {
    assert.ok(LATEST_PAST_EXPIRY < NOW && NOW < EARLIEST_FUTURE_EXPIRY);
  });

  void test('every case passes or sits in the divergence list, and the list is not stale', (t) => {
    const ids = caseIds();
    assert.equal(ids.length, 221);
    for (const id of Object.keys(DIVERGENCES)) assert.ok(ids.includes(id), `${id} is not a case`);

    let passed = 0;
    let divergent = 0;
    for (const id of ids) {
      const { expected, actual } = runCase(id);
      if (expected === actual) passed++;
      else if (DIVERGENCES[id] !== undefined) divergent++;
    }
    t.diagnostic(`http-state: ${passed} passed, ${divergent} divergent, of ${ids.length} cases`);
    assert.equal(passed + divergent, ids.length);
    assert.equal(divergent, Object.keys(DIVERGENCES).length);
  });

  for (const id of skip === false ? caseIds() : []) {
    const divergence = DIVERGENCES[id];
    if (divergence === undefined) {
      void test(`case ${id} sends the Cookie header the corpus expects`, () => {
        const { expected, actual } = runCase(id);
        assert.equal(actual, expected);
      });
    } else {
      void test(`case ${id} diverges as documented: ${divergence.reason}`, () => {
        const { expected, actual } = runCase(id);
        assert.equal(expected, divergence.expected, 'the corpus expectation changed');
        assert.equal(actual, divergence.ours);
      });
    }
  }
});
