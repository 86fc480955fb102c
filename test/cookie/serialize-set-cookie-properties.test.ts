import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';

import { CookieError, parseCookieHeader, serializeSetCookie } from '../../src/cookie/index.js';

import type { SetCookieOptions } from '../../src/cookie/index.js';

const NOW = Date.UTC(2025, 0, 1);
const DAY_MS = 24 * 60 * 60 * 1000;

const tchar = fc.constantFrom(...Array.from("!#$%&'*+-.^_`|~0123456789ABCXYZabcxyz"));
const cookieOctet = fc
  .integer({ min: 0x21, max: 0x7e })
  .filter((code) => ![0x22, 0x2c, 0x3b, 0x5c].includes(code))
  .map((code) => String.fromCharCode(code));
const validName = fc.string({ unit: tchar, minLength: 1, maxLength: 20 });
const plainValue = fc.string({ unit: cookieOctet, maxLength: 40 });
const validValue = fc.oneof(
  plainValue,
  plainValue.map((value) => `"${value}"`),
);
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
const validDomain = fc.array(label, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));
const avOctet = fc
  .integer({ min: 0x20, max: 0x7e })
  .filter((code) => code !== 0x3b)
  .map((code) => String.fromCharCode(code));
const validPath = fc
  .string({ unit: avOctet, maxLength: 20 })
  .map((rest) => `/${rest}`.replace(/ +$/, ''));

// Options drawn from everything the serializer accepts. Secure is added by the test, and the
// names carry no prefix, so that every combination is valid.
const validOptions: fc.Arbitrary<SetCookieOptions> = fc.record(
  {
    expires: fc.integer({ min: -1000 * DAY_MS, max: 400 * DAY_MS }).map((ms) => new Date(NOW + ms)),
    maxAge: fc.integer({ min: 0, max: 34_560_000 }),
    domain: validDomain,
    path: validPath,
    httpOnly: fc.boolean(),
    sameSite: fc.constantFrom('Strict', 'Lax', 'None'),
    partitioned: fc.boolean(),
    priority: fc.constantFrom('Low', 'Medium', 'High'),
  },
  { requiredKeys: [] },
);

// Mostly valid, sometimes anything at all: to check what can ever come out, the generator must
// reach the success path often, and also try every kind of junk in every slot.
const mostly = <T>(valid: fc.Arbitrary<T>, junk: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: junk, weight: 1 });
const junk = fc.oneof(fc.anything(), fc.string({ unit: 'binary', maxLength: 20 }), fc.double());
const anyOptions = fc.record(
  {
    expires: mostly(
      fc.integer({ min: -1000 * DAY_MS, max: 400 * DAY_MS }).map((ms) => new Date(NOW + ms)),
      fc.oneof(fc.date({ noInvalidDate: false }), junk),
    ),
    maxAge: mostly(fc.integer({ min: 0, max: 34_560_000 }), fc.oneof(fc.integer(), junk)),
    domain: mostly(validDomain, junk),
    path: mostly(validPath, junk),
    secure: mostly(fc.boolean(), junk),
    httpOnly: mostly(fc.boolean(), junk),
    sameSite: mostly(fc.constantFrom('Strict', 'Lax', 'None'), junk),
    partitioned: mostly(fc.boolean(), junk),
    priority: mostly(fc.constantFrom('Low', 'Medium', 'High'), junk),
    now: mostly(fc.constant(NOW), junk),
  },
  { requiredKeys: [] },
);
const anyName = mostly(
  fc.oneof(
    validName,
    validName.map((name) => `__Host-${name}`),
  ),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const anyValue = mostly(validValue, fc.string({ unit: 'binary', maxLength: 40 }));

const ATTRIBUTE_OF: Record<string, keyof SetCookieOptions> = {
  Expires: 'expires',
  'Max-Age': 'maxAge',
  Domain: 'domain',
  Secure: 'secure',
  HttpOnly: 'httpOnly',
  SameSite: 'sameSite',
  Partitioned: 'partitioned',
  Priority: 'priority',
};

void describe('serializeSetCookie properties', () => {
  void test('serialize then parse gives back the name and value', () => {
    fc.assert(
      fc.property(validName, validValue, validOptions, (name, value, options) => {
        const header = serializeSetCookie(name, value, { ...options, secure: true, now: NOW });
        const cookiePair = header.slice(0, header.indexOf(';'));
        assert.deepEqual(parseCookieHeader(cookiePair), [{ name, value }]);
      }),
      { numRuns: 2000 },
    );
  });

  void test('writes one header for every spelling that browsers read alike', () => {
    const respelling = fc.record({
      flips: fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
      negative: fc.integer({ min: -34_560_000, max: -1 }),
      // Years 100 and later: a past year below 100 may read as a future one, and is refused.
      past: fc.date({
        min: new Date('0100-01-01T00:00:00Z'),
        max: new Date(NOW),
        noInvalidDate: true,
      }),
    });
    fc.assert(
      fc.property(validName, validValue, validOptions, respelling, (name, value, options, r) => {
        const canonical: SetCookieOptions = { ...options, secure: true, now: NOW };
        const respelt: Record<string, unknown> = { ...canonical };
        if (options.sameSite !== undefined) respelt.sameSite = recase(options.sameSite, r.flips);
        if (options.priority !== undefined) respelt.priority = recase(options.priority, r.flips);
        if (options.domain !== undefined) respelt.domain = `.${options.domain}`;
        if (options.maxAge === 0) respelt.maxAge = r.negative;
        if (options.expires !== undefined && options.expires.getTime() <= NOW) {
          respelt.expires = r.past;
        }
        assert.equal(
          serializeSetCookie(name, value, respelt as SetCookieOptions),
          serializeSetCookie(name, value, canonical),
        );
      }),
      { numRuns: 2000 },
    );
  });

  void test('only ever throws a CookieError, whatever it is given', () => {
    fc.assert(
      fc.property(anyName, anyValue, anyOptions, (name, value, options) => {
        try {
          serializeSetCookie(name as string, value as string, options as SetCookieOptions);
        } catch (error) {
          assert.ok(error instanceof CookieError, String(error));
        }
      }),
      { numRuns: 3000 },
    );
  });

  void test('never writes CR, LF, NUL or an attribute that was not asked for', () => {
    fc.assert(
      fc.property(anyName, anyValue, anyOptions, (name, value, options) => {
        let header: string;
        try {
          header = serializeSetCookie(name as string, value as string, options as SetCookieOptions);
        } catch {
          return;
        }
        assert.ok(!/[\r\n\0]/.test(header), header);
        const attributes = header.split('; ').slice(1);
        for (const attribute of attributes) {
          const key = attribute.split('=')[0]!;
          if (key === 'Path') continue;
          const option = ATTRIBUTE_OF[key];
          assert.ok(option !== undefined, `unknown attribute ${key}`);
          assert.ok(options[option] !== undefined && options[option] !== false, key);
        }
        assert.equal(attributes.filter((attribute) => attribute.startsWith('Path=')).length, 1);
      }),
      { numRuns: 5000 },
    );
  });
});

/** `text` with each letter upper- or lower-cased as `flips` says, cycling through it. */
function recase(text: string, flips: readonly boolean[]): string {
  return Array.from(text, (letter, index) =>
    flips[index % flips.length] ? letter.toUpperCase() : letter.toLowerCase(),
  ).join('');
}
