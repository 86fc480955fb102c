import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';

import {
  CookieError,
  CookieJar,
  parseSetCookie,
  serializeSetCookie,
} from '../../src/cookie/index.js';

import type { SetCookieOptions } from '../../src/cookie/index.js';

const NOW = Date.UTC(2025, 0, 1);
const DAY_MS = 24 * 60 * 60 * 1000;

const tchar = fc.constantFrom(...Array.from("!#$%&'*+-.^_`|~0123456789ABCXYZabcxyz"));
const cookieOctet = fc
  .integer({ min: 0x21, max: 0x7e })
  .filter((code) => ![0x22, 0x2c, 0x3b, 0x5c].includes(code))
  .map((code) => String.fromCharCode(code));
const plainValue = fc.string({ unit: cookieOctet, maxLength: 40 });
const value = fc.oneof(
  plainValue,
  plainValue.map((text) => `"${text}"`),
);
const name = fc.oneof(
  { arbitrary: fc.string({ unit: tchar, minLength: 1, maxLength: 20 }), weight: 4 },
  fc
    .tuple(fc.constantFrom('__Secure-', '__Host-', '__host-', '__Http-', '__Host-Http-'), tchar)
    .map(([prefix, rest]) => prefix + rest),
);
// Labels start with a letter so that no host reads as an IPv4 address, and never with "xn--".
const label = fc
  .stringMatching(/^[a-z](?:[a-z0-9-]{0,8}[a-z0-9])?$/)
  .filter((text) => !text.startsWith('xn--'));
const domain = fc.array(label, { minLength: 2, maxLength: 4 }).map((parts) => parts.join('.'));
const avOctet = fc
  .integer({ min: 0x20, max: 0x7e })
  .filter((code) => code !== 0x3b)
  .map((code) => String.fromCharCode(code));
const path = fc
  .string({ unit: avOctet, maxLength: 20 })
  .map((rest) => `/${rest}`.replace(/ +$/, ''));

const options: fc.Arbitrary<SetCookieOptions> = fc.record(
  {
    expires: fc.integer({ min: -1000 * DAY_MS, max: 400 * DAY_MS }).map((ms) => new Date(NOW + ms)),
    maxAge: fc.integer({ min: 0, max: 34_560_000 }),
    domain,
    path,
    secure: fc.boolean(),
    httpOnly: fc.boolean(),
    sameSite: fc.constantFrom('Strict', 'Lax', 'None'),
    partitioned: fc.boolean(),
    priority: fc.constantFrom('Low', 'Medium', 'High'),
  },
  { requiredKeys: [] },
);

// Set-Cookie-like lines with every kind of junk in every slot, and plain junk.
const junkText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: fc.constantFrom(' ', '\t', ';', '=', ',', '"', '.', '/', '\0', '\r', '\n') }),
);
const attributeName = fc.constantFrom(
  'Expires',
  'max-age',
  'DOMAIN',
  'Path',
  'Secure',
  'HttpOnly',
  'SameSite',
  'Partitioned',
  'Priority',
  '',
);
const anyLine = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc
    .tuple(
      junkText,
      junkText,
      fc.array(fc.tuple(attributeName, fc.oneof(junkText, domain, path)), { maxLength: 6 }),
    )
    .map(
      ([pairName, pairValue, attributes]) =>
        `${pairName}=${pairValue}` + attributes.map(([key, text]) => `; ${key}=${text}`).join(''),
    ),
);
const anyUrl = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  domain.map((host) => `http://${host}/a/b`),
  fc.constantFrom('http://localhost/', 'https://127.0.0.1/x', 'ftp://x.example/', 'bad url'),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

/**
 * When a cookie written with `asked` expires, in milliseconds since the epoch: Max-Age wins over
 * Expires, an Expires loses its milliseconds to the IMF-fixdate, and a deletion (Max-Age 0, or
 * an Expires at or before now) is written as the epoch.
 */
function expectedExpiry(asked: SetCookieOptions): number | undefined {
  if (asked.maxAge !== undefined) return asked.maxAge <= 0 ? 0 : NOW + asked.maxAge * 1000;
  if (asked.expires === undefined) return undefined;
  const ms = asked.expires.getTime();
  return ms <= NOW ? 0 : Math.floor(ms / 1000) * 1000;
}

/** Whether `text` holds a control character other than tab (%x00-08 / %x0A-1F / %x7F). */
function hasControlCharacter(text: string): boolean {
  return Array.from(text).some((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && code !== 0x09) || code === 0x7f;
  });
}

void describe('parseSetCookie properties', () => {
  void test('gives back what serializeSetCookie wrote, for a URL that domain-matches', () => {
    // Counted so that the property cannot pass by the serializer refusing every case.
    let parsed = 0;
    fc.assert(
      fc.property(name, value, options, fc.boolean(), (cookieName, cookieValue, asked, sub) => {
        let line: string;
        try {
          line = serializeSetCookie(cookieName, cookieValue, { ...asked, now: NOW });
        } catch (error) {
          assert.ok(error instanceof CookieError);
          return;
        }
        const host = asked.domain ?? 'app.example.com';
        const url = `https://${sub ? 'www.' : ''}${host}/some/page`;
        const result = parseSetCookie(line, url, { now: NOW });
        parsed++;
        assert.ok(result.stored, `${line} from ${url}: ${result.stored ? '' : result.reason}`);
        const cookie = result.cookie;

        assert.equal(cookie.name, cookieName);
        assert.equal(cookie.value, cookieValue);
        assert.equal(cookie.path, asked.path ?? '/');
        assert.equal(cookie.domain, asked.domain ?? new URL(url).hostname);
        assert.equal(cookie.hostOnly, asked.domain === undefined);
        assert.equal(cookie.secure, asked.secure === true);
        assert.equal(cookie.httpOnly, asked.httpOnly === true);
        assert.equal(cookie.sameSite, asked.sameSite ?? 'Default');
        assert.equal(cookie.partitioned, asked.partitioned === true);

        assert.equal(cookie.expires?.getTime(), expectedExpiry(asked));
        assert.deepEqual(
          result.ignoredAttributes.map((item) => item.attribute.split('=')[0]),
          [
            ...(asked.maxAge !== undefined && asked.expires !== undefined ? ['Expires'] : []),
            ...(asked.priority !== undefined ? ['Priority'] : []),
          ],
        );
      }),
      { numRuns: 3000 },
    );
    assert.ok(parsed > 1000, `only ${parsed} of 3000 runs reached parseSetCookie`);
  });

  void test('never throws, whatever the line, URL and clock', () => {
    const anyNow = fc.oneof(fc.constant(undefined), fc.integer(), fc.double(), fc.date());
    fc.assert(
      fc.property(anyLine, anyUrl, anyNow, (line, url, now) => {
        const result = parseSetCookie(line, url, { now });
        if (result.stored) {
          assert.ok(!hasControlCharacter(result.cookie.name + result.cookie.value));
        }
      }),
      { numRuns: 5000 },
    );
  });

  void test('the jar never writes CR, LF or NUL into a Cookie header', () => {
    const hosts = ['a.example', 'b.a.example', 'localhost'];
    const url = fc
      .tuple(fc.constantFrom('http', 'https'), fc.constantFrom(...hosts), path)
      .map(([scheme, host, rest]) => `${scheme}://${host}${encodeURI(rest)}`);
    fc.assert(
      fc.property(fc.array(fc.tuple(anyLine, url), { maxLength: 20 }), url, (lines, target) => {
        const jar = new CookieJar({ now: () => NOW });
        for (const [line, from] of lines) jar.setCookie(line, from);
        const header = jar.getCookieHeader(target);
        assert.ok(!/[\r\n\0]/.test(header), JSON.stringify(header));
      }),
      { numRuns: 2000 },
    );
  });
});
