import fc from 'fast-check';

import { MAX_COOKIE_LIFETIME_SECONDS, serializeSetCookie } from '../../../src/cookie/index.js';
import { HOST, PARENT_DOMAIN, SUBDOMAIN_HOST, yearAt } from './option-sets.js';

import type { SetCookieOptions } from '../../../src/cookie/index.js';
import type { OptionSet } from './option-sets.js';

const DAY = 24 * 60 * 60;

const tchar = fc.constantFrom(...Array.from("!#$%&'*+-.^_`|~0123456789ABCXYZabcxyz"));
const cookieOctet = fc
  .integer({ min: 0x21, max: 0x7e })
  .filter((code) => ![0x22, 0x2c, 0x3b, 0x5c].includes(code))
  .map((code) => String.fromCharCode(code));
const avOctet = fc
  .integer({ min: 0x20, max: 0x7e })
  .filter((code) => code !== 0x3b)
  .map((code) => String.fromCharCode(code));

const plainValue = fc.string({ unit: cookieOctet, maxLength: 80 });
const value = fc.oneof(
  { weight: 4, arbitrary: plainValue },
  { weight: 1, arbitrary: plainValue.map((text) => `"${text}"`) },
);
const path = fc.string({ unit: avOctet, maxLength: 30 }).map((rest) => `/${rest}`);
// Lifetimes stay a minute clear of "now" and of the 400-day cap, so that the seconds between
// drawing an option set and delivering it cannot move it across either edge.
// Negative Max-Age values and the oldest dates are deletions that are written canonically.
const lifetime = fc.oneof(
  { weight: 2, arbitrary: fc.constant({}) },
  {
    weight: 3,
    arbitrary: fc
      .integer({ min: 0, max: MAX_COOKIE_LIFETIME_SECONDS })
      .map((maxAge) => ({ maxAge })),
  },
  { weight: 1, arbitrary: fc.integer({ min: -DAY, max: -1 }).map((maxAge) => ({ maxAge })) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.integer({ min: -1000 * DAY, max: -60 }),
        fc.integer({ min: 60, max: MAX_COOKIE_LIFETIME_SECONDS - 60 }),
      )
      .map((offset) => ({ expiresInSeconds: offset })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(1, 75, 100, 1600).map((expiresInYear) => ({ expiresInYear })),
  },
);
// Keywords in any letter case, as JavaScript callers may write them.
const sameSite = fc.constantFrom(undefined, 'Strict', 'Lax', 'None', 'strict', 'LAX', 'nOnE');
const priority = fc.constantFrom(undefined, 'Low', 'Medium', 'High', 'low', 'HIGH');

const draw = fc.record({
  prefix: fc.constantFrom('', '', '', '', '__Secure-', '__Host-', '__Http-', '__Host-Http-'),
  stem: fc.string({ unit: tchar, minLength: 1, maxLength: 24 }),
  value,
  scope: fc.constantFrom('localhost', 'subdomain', 'parent', 'dotted', 'self'),
  path: fc.option(path, { nil: undefined }),
  lifetime,
  secure: fc.boolean(),
  httpOnly: fc.boolean(),
  sameSite,
  partitioned: fc.boolean(),
  priority,
});

/**
 * `count` option sets drawn with a fixed seed from everything `serializeSetCookie` might be
 * given, keeping only those it accepts: the claim under test is that an accepted cookie is
 * stored exactly as asked. Names get a numbered suffix so that each one is distinct.
 */
export function generatedOptionSets(nowMs: number, count: number, seed: number): OptionSet[] {
  const sets: OptionSet[] = [];
  const drawn = fc.sample(draw, { seed, numRuns: count * 10 });
  for (const [index, sample] of drawn.entries()) {
    if (sets.length === count) break;
    const name = `${sample.prefix}${sample.stem}-g${String(index)}`;
    const options: SetCookieOptions = {
      ...lifetimeOptions(sample.lifetime, nowMs),
      secure: sample.secure,
      httpOnly: sample.httpOnly,
      sameSite: sample.sameSite as SetCookieOptions['sameSite'],
      partitioned: sample.partitioned,
      priority: sample.priority as SetCookieOptions['priority'],
      path: sample.path,
      domain: domainFor(sample.scope),
    };
    if (!accepts(name, sample.value, options)) continue;
    sets.push({
      title: `generated #${String(index)} (${summarize(options)})`,
      host: sample.scope === 'localhost' ? HOST : SUBDOMAIN_HOST,
      name,
      value: sample.value,
      options,
    });
  }
  return sets;
}

function lifetimeOptions(
  lifetime: { maxAge?: number; expiresInSeconds?: number; expiresInYear?: number },
  nowMs: number,
): SetCookieOptions {
  if (lifetime.maxAge !== undefined) return { maxAge: lifetime.maxAge };
  if (lifetime.expiresInSeconds !== undefined) {
    return { expires: new Date(nowMs + lifetime.expiresInSeconds * 1000) };
  }
  if (lifetime.expiresInYear !== undefined) return { expires: yearAt(lifetime.expiresInYear) };
  return {};
}

function domainFor(scope: string): string | undefined {
  if (scope === 'parent') return PARENT_DOMAIN;
  if (scope === 'dotted') return `.${PARENT_DOMAIN}`;
  if (scope === 'self') return SUBDOMAIN_HOST;
  return undefined;
}

function accepts(name: string, value: string, options: SetCookieOptions): boolean {
  try {
    serializeSetCookie(name, value, options);
    return true;
  } catch {
    return false;
  }
}

function summarize(options: SetCookieOptions): string {
  const set = Object.entries(options).filter(
    ([, option]) => option !== undefined && option !== false,
  );
  return set.length === 0 ? 'no options' : set.map(([key]) => key).join(', ');
}
