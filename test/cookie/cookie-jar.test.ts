import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { CookieError, CookieJar } from '../../src/cookie/index.js';
import { ManualClock } from '../support/clock.js';

import type { SetCookieResult } from '../../src/cookie/index.js';

const SITE = 'https://app.example.com/';

function codeOf(result: SetCookieResult): string {
  return result.stored ? 'stored' : result.code;
}

void describe('CookieJar', () => {
  void test('sends back what it stored, as a Cookie header', () => {
    const jar = new CookieJar();
    jar.storeResponse(['a=1; Path=/', 'b=2; Path=/', 'nameless; Path=/'], SITE);
    assert.equal(jar.getCookieHeader(SITE), 'a=1; b=2; nameless');
  });

  void test('returns an empty header when no cookie applies', () => {
    assert.equal(new CookieJar().getCookieHeader(SITE), '');
  });

  void test('orders longer paths first, then earlier creation times', () => {
    const clock = new ManualClock();
    const jar = new CookieJar({ now: clock.now });
    jar.setCookie('late=1; Path=/', SITE);
    clock.advanceSeconds(-10);
    jar.setCookie('early=1; Path=/', SITE);
    jar.setCookie('deep=1; Path=/docs', SITE);
    assert.equal(jar.getCookieHeader(`${SITE}docs/intro`), 'deep=1; early=1; late=1');
  });

  void test('replaces a cookie with the same identity and keeps its creation time', () => {
    const clock = new ManualClock();
    const jar = new CookieJar({ now: clock.now });
    jar.setCookie('a=1; Path=/', SITE);
    clock.advanceSeconds(5);
    jar.setCookie('b=1; Path=/', SITE);
    clock.advanceSeconds(5);
    jar.setCookie('a=2; Path=/', SITE);
    assert.equal(jar.getCookieHeader(SITE), 'a=2; b=1');
    const [first] = jar.allCookies();
    assert.equal(first?.creationTime.getTime(), clock.now() - 10_000);
  });

  void test('keeps cookies of the same name on different paths or domains apart', () => {
    const jar = new CookieJar();
    jar.storeResponse(
      ['a=host; Path=/', 'a=domain; Path=/; Domain=example.com', 'a=x; Path=/x'],
      SITE,
    );
    assert.equal(jar.getCookieHeader(`${SITE}x`), 'a=x; a=host; a=domain');
  });

  void test('deletes a cookie when a line sets it with an expiry in the past', () => {
    const jar = new CookieJar();
    jar.setCookie('a=1; Path=/', SITE);
    const result = jar.setCookie('a=; Path=/; Max-Age=0', SITE);
    assert.equal(codeOf(result), 'stored');
    assert.equal(jar.getCookieHeader(SITE), '');
    assert.deepEqual(jar.allCookies(), []);
  });

  void test('forgets a cookie once the clock passes its expiry', () => {
    const clock = new ManualClock();
    const jar = new CookieJar({ now: clock.now });
    jar.setCookie('a=1; Path=/; Max-Age=60', SITE);
    clock.advanceSeconds(59);
    assert.equal(jar.getCookieHeader(SITE), 'a=1');
    clock.advanceSeconds(1);
    assert.equal(jar.getCookieHeader(SITE), '');
  });

  void test('sends a Domain cookie to subdomains and a host-only one to its host alone', () => {
    const jar = new CookieJar();
    jar.storeResponse(['host=1; Path=/', 'wide=1; Path=/; Domain=example.com'], SITE);
    assert.equal(jar.getCookieHeader('https://deep.app.example.com/'), 'wide=1');
    assert.equal(jar.getCookieHeader('https://example.com/'), 'wide=1');
    assert.equal(jar.getCookieHeader('https://notexample.com/'), '');
  });

  void test('path-matches on "/" boundaries only', () => {
    const jar = new CookieJar();
    jar.setCookie('a=1; Path=/docs', SITE);
    assert.equal(jar.getCookieHeader(`${SITE}docs`), 'a=1');
    assert.equal(jar.getCookieHeader(`${SITE}docs/x`), 'a=1');
    assert.equal(jar.getCookieHeader(`${SITE}docsearch`), '');
  });

  void test('sends a Secure cookie only over a secure connection', () => {
    const jar = new CookieJar();
    jar.setCookie('a=1; Path=/; Secure', SITE);
    assert.equal(jar.getCookieHeader('http://app.example.com/'), '');
    assert.equal(jar.getCookieHeader('wss://app.example.com/'), 'a=1');
  });

  void test('sends HttpOnly cookies over HTTP but not to document.cookie', () => {
    const jar = new CookieJar();
    jar.storeResponse(['a=1; Path=/; HttpOnly', 'b=2; Path=/'], SITE);
    assert.equal(jar.getCookieHeader(SITE), 'a=1; b=2');
    assert.equal(jar.getCookieHeader(SITE, { api: 'non-http' }), 'b=2');
  });

  void test('refuses an HttpOnly cookie, or a replacement of one, from a script', () => {
    const jar = new CookieJar();
    const set = jar.setCookie('a=1; Path=/; HttpOnly', SITE, { api: 'non-http' });
    assert.equal(codeOf(set), 'HTTP_ONLY_FROM_NON_HTTP_API');
    jar.setCookie('sid=real; Path=/; HttpOnly', SITE);
    const overwrite = jar.setCookie('sid=forged; Path=/', SITE, { api: 'non-http' });
    assert.equal(codeOf(overwrite), 'OVERWRITES_HTTP_ONLY');
    assert.equal(jar.getCookieHeader(SITE), 'sid=real');
  });

  void test('stops a plain-http origin from shadowing a Secure cookie (cookie tossing)', () => {
    const jar = new CookieJar();
    jar.setCookie('sid=real; Path=/; Secure; Domain=example.com', SITE);
    const tossed = jar.setCookie('sid=forged; Path=/admin', 'http://evil.example.com/');
    assert.equal(codeOf(tossed), 'OVERWRITES_SECURE');
    assert.equal(codeOf(jar.setCookie('other=1; Path=/', 'http://evil.example.com/')), 'stored');
  });

  void test('sends only SameSite=None cookies with a cross-site subresource request', () => {
    const jar = new CookieJar();
    const lines = [
      's=1; SameSite=Strict',
      'l=1; SameSite=Lax',
      'd=1',
      'n=1; SameSite=None; Secure',
    ];
    jar.storeResponse(
      lines.map((line) => `${line}; Path=/`),
      SITE,
    );
    assert.equal(jar.getCookieHeader(SITE), 's=1; l=1; d=1; n=1');
    assert.equal(jar.getCookieHeader(SITE, { sameSiteContext: 'cross-site' }), 'n=1');
    const navigation = { sameSiteContext: 'cross-site-navigation' } as const;
    assert.equal(jar.getCookieHeader(SITE, navigation), 'l=1; d=1; n=1');
    assert.equal(jar.getCookieHeader(SITE, { ...navigation, method: 'POST' }), 'n=1');
  });

  void test('refuses a Lax or Strict cookie from a cross-site subresource response', () => {
    const jar = new CookieJar();
    const options = { sameSiteContext: 'cross-site' } as const;
    assert.equal(codeOf(jar.setCookie('a=1; SameSite=Lax', SITE, options)), 'SAMESITE_CROSS_SITE');
    assert.equal(codeOf(jar.setCookie('b=1; SameSite=None; Secure', SITE, options)), 'stored');
  });

  void test('hands out copies that do not change the jar', () => {
    const jar = new CookieJar();
    jar.setCookie('a=1; Path=/; Max-Age=60', SITE);
    const [cookie] = jar.getCookies(SITE);
    assert.ok(cookie !== undefined && cookie.expires !== null);
    cookie.value = 'changed';
    cookie.expires.setTime(0);
    assert.equal(jar.getCookieHeader(SITE), 'a=1');
  });

  void test('handles a missing Set-Cookie header and a single string', () => {
    const jar = new CookieJar();
    assert.deepEqual(jar.storeResponse(undefined, SITE), []);
    assert.equal(jar.storeResponse('a=1', SITE).length, 1);
    jar.clear();
    assert.deepEqual(jar.allCookies(), []);
  });

  void test('throws a TypeError for a URL that does not parse', () => {
    const jar = new CookieJar();
    assert.throws(() => jar.getCookieHeader('not a url'), TypeError);
    assert.throws(() => jar.setCookie('a=1', 'not a url'), TypeError);
  });

  void test('refuses a clock that is not a function, at construction', () => {
    assert.throws(
      () => new CookieJar({ now: 42 as unknown as () => number }),
      (error) => error instanceof CookieError && error.code === 'COOKIE_ATTRIBUTE_INVALID',
    );
  });
});
