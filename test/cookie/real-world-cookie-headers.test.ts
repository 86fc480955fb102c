import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { getCookie, getCookieValues, parseCookieHeader } from '../../src/cookie/index.js';
import { findCorpus } from '../support/corpora.js';

// Real Cookie headers of popular sites (values obfuscated), kept outside the repository in the
// shared corpora (../shared/corpora/ from the project root). They are read, never copied.
const found = findCorpus('real-world/top-cookie.json');
const corpus = 'path' in found ? found.path : '';
const skip = 'skip' in found ? found.skip : false;

function readHeaders(): [site: string, header: string][] {
  const parsed: unknown = JSON.parse(readFileSync(corpus, 'utf8'));
  assert.ok(typeof parsed === 'object' && parsed !== null, 'the corpus is not a JSON object');
  const entries = Object.entries(parsed);
  assert.ok(entries.length > 0, 'the corpus is empty');
  return entries.map(([site, header]) => {
    assert.equal(typeof header, 'string', `the header of ${site} is not a string`);
    return [site, header as string];
  });
}

const trim = (text: string): string => text.replace(/^[ \t]+|[ \t]+$/g, '');

void describe('parseCookieHeader on real-world Cookie headers', { skip }, () => {
  void test('loses no pair of any header', () => {
    for (const [site, header] of readHeaders()) {
      const expected = header
        .split(';')
        .map(trim)
        .filter((pair) => pair !== '');
      const parsed = parseCookieHeader(header);
      assert.equal(parsed.length, expected.length, site);
      assert.deepEqual(
        parsed.map(({ name, value }) => `${name}=${value}`),
        expected,
        site,
      );
    }
  });

  void test('finds every cookie of every header by name', () => {
    for (const [site, header] of readHeaders()) {
      const parsed = parseCookieHeader(header);
      for (const { name, value } of parsed) {
        const all = parsed.filter((pair) => pair.name === name).map((pair) => pair.value);
        assert.equal(getCookie(header, name), all[0], `${site}: ${name}`);
        assert.deepEqual(getCookieValues(header, name), all, `${site}: ${name}`);
        assert.ok(all.includes(value));
      }
    }
  });
});
