import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { CookieJar } from '../../src/cookie/index.js';
import { findCorpus } from '../support/corpora.js';
import { readRawResponse } from './raw-response.js';

// web-platform-tests' table-driven cookie cases, read in place from the shared corpora, run the
// way WPT's httpCookieTest (cookies/resources/cookie-test.js) runs them:
//
// 1. A test page on http://web-platform.test (its file name says where: `.https` pages are on
//    https, `.www` pages on the www subdomain) fetches /cookies/resources/cookie.py, which
//    answers with one Set-Cookie field per string of `cookie`, written raw as UTF-8 (a "\n" in a
//    string ends the header line there). The cookies' default path is thus /cookies/resources.
// 2. The page then reads document.cookie: by default in an iframe at
//    /cookies/resources/echo-cookie.html (cookies stored on the default path); with
//    `defaultPath: false` on the test page itself. document.cookie leaves out HttpOnly cookies
//    and decodes the stored octets as UTF-8.
// 3. That string must equal `expected` ('' for no cookie). Every case starts with an empty jar.
const found = findCorpus('wpt-cookies');
const corpus = 'path' in found ? found.path : '';
const skip = 'skip' in found ? found.skip : false;

// A fixed clock, for the absolute expiries (1980, 2007, 2027 and 2038): as in the http-state
// test, it sits after 7 August 2007 and before 7 August 2027, the dates the cases mean as past
// and as future.
const NOW = Date.UTC(2025, 0, 1);

/** The test page each file's cases come from in WPT's cookies/ folder. */
const PAGES: Record<string, string> = {
  'attributes_expires.json': 'http://web-platform.test/cookies/attributes/expires.html',
  'attributes_invalid.json': 'http://web-platform.test/cookies/attributes/invalid.html',
  'attributes_max_age.json': 'http://web-platform.test/cookies/attributes/max-age.html',
  'attributes_path.json': 'http://web-platform.test/cookies/attributes/path.html',
  'attributes_secure.json': 'https://web-platform.test/cookies/attributes/secure.https.html',
  'attributes_secure_non_secure.json':
    'http://web-platform.test/cookies/attributes/secure-non-secure.html',
  'encoding_charset.json': 'http://web-platform.test/cookies/encoding/charset.html',
  'name.json': 'http://web-platform.test/cookies/name/name.html',
  'size_attributes.json': 'http://www.web-platform.test/cookies/size/attributes.www.sub.html',
  'size_name_and_value.json': 'http://web-platform.test/cookies/size/name-and-value.html',
  'value.json': 'http://web-platform.test/cookies/value/value.html',
};

interface WptCase {
  id: string;
  cookie: string | string[];
  expected: string;
  name: string;
  defaultPath?: boolean;
  page: URL;
}

// Every case either passes or is listed here by id, with what it expects, what we give and why
// (an RFC 6265bis section or known Chromium behaviour). None diverges today.
const DIVERGENCES: Record<string, { expected: string; ours: string; reason: string }> = {};

function readCases(): WptCase[] {
  const cases: WptCase[] = [];
  for (const file of readdirSync(corpus)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const page = PAGES[file];
    assert.ok(page !== undefined, `no WPT page is known for ${file}: add it to PAGES`);
    const entries = JSON.parse(readFileSync(join(corpus, file), 'utf8')) as unknown;
    assert.ok(Array.isArray(entries), `${file} is not a JSON array`);
    entries.forEach((entry: unknown, index) => {
      const { cookie, expected, name } = entry as Partial<WptCase>;
      assert.ok(typeof cookie === 'string' || Array.isArray(cookie), `${file}[${index}]`);
      assert.ok(typeof expected === 'string' && typeof name === 'string', `${file}[${index}]`);
      const defaultPath = (entry as { defaultPath?: unknown }).defaultPath;
      cases.push({
        id: `${file.replace(/\.json$/, '')}#${index}`,
        cookie,
        expected,
        name,
        ...(typeof defaultPath === 'boolean' ? { defaultPath } : {}),
        page: new URL(page),
      });
    });
  }
  return cases;
}

function runCase(testCase: WptCase): string {
  const jar = new CookieJar({ now: () => NOW });
  const lines = [testCase.cookie].flat().map((line) => `Set-Cookie: ${line}\n`);
  const response = readRawResponse(Buffer.from(lines.join(''), 'utf8'));
  jar.storeResponse(response.setCookies, new URL('/cookies/resources/cookie.py', testCase.page));

  const readAt =
    testCase.defaultPath === false
      ? testCase.page
      : new URL('/cookies/resources/echo-cookie.html', testCase.page);
  const documentCookie = jar.getCookieHeader(readAt, { api: 'non-http' });
  return Buffer.from(documentCookie, 'latin1').toString('utf8');
}

void describe('the wpt-cookies corpus', { skip }, () => {
  void test('every case passes or sits in the divergence list, and the list is not stale', (t) => {
    const cases = readCases();
    const ids = cases.map((testCase) => testCase.id);
    for (const id of Object.keys(DIVERGENCES)) assert.ok(ids.includes(id), `${id} is not a case`);

    let passed = 0;
    let divergent = 0;
    for (const testCase of cases) {
      if (runCase(testCase) === testCase.expected) passed++;
      else if (DIVERGENCES[testCase.id] !== undefined) divergent++;
    }
    t.diagnostic(`wpt-cookies: ${passed} passed, ${divergent} divergent, of ${cases.length} cases`);
    assert.equal(passed + divergent, cases.length);
    assert.equal(divergent, Object.keys(DIVERGENCES).length);
  });

  for (const testCase of skip === false ? readCases() : []) {
    const divergence = DIVERGENCES[testCase.id];
    const title = `${testCase.id} (${testCase.name})`;
    if (divergence === undefined) {
      void test(`${title} gives document.cookie the corpus expects`, () => {
        assert.equal(runCase(testCase), testCase.expected);
      });
    } else {
      void test(`${title} diverges as documented: ${divergence.reason}`, () => {
        assert.equal(testCase.expected, divergence.expected, 'the corpus expectation changed');
        assert.equal(runCase(testCase), divergence.ours);
      });
    }
  }
});
