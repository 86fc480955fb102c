import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { CookieError, serializeSetCookie } from '../../src/cookie/index.js';
import { findChromium } from '../support/chromium.js';
import { askedCookie, differences } from './oracle/asked-cookie.js';
import { attributeRefusals } from './oracle/attribute-refusals.js';
import { packBatches } from './oracle/batches.js';
import { openChromiumJar } from './oracle/chromium-jar.js';
import { generatedOptionSets } from './oracle/generated-option-sets.js';
import { nameValueRefusals } from './oracle/name-value-refusals.js';
import { HOST, handPickedOptionSets } from './oracle/option-sets.js';
import { policyRefusals } from './oracle/policy-refusals.js';

import type { CookieErrorCode } from '../../src/cookie/index.js';
import type { ChromiumJar, Delivery, ChromiumCookie } from './oracle/chromium-jar.js';
import type { OptionSet } from './oracle/option-sets.js';
import type { ChromiumOutcome, Refusal } from './oracle/refusal.js';

// A differential test with Debian's Chromium as the oracle. Every cookie is sent by a loopback
// node:http server in a real Set-Cookie response, and what Chromium stored is read back through
// the DevTools protocol (Network.getAllCookies). Requests go to `localhost` and `*.localhost`,
// which Chromium resolves to loopback by itself; see option-sets.ts for how Domain is tested.

const found = findChromium();
const skip = 'skip' in found ? found.skip : false;
const chromiumPath = 'path' in found ? found.path : '';

const NOW_MS = Date.now();
const SEED = 0x1a7c4;
const handPicked = handPickedOptionSets(NOW_MS);
const generated = generatedOptionSets(NOW_MS, 100, SEED);
const optionSets = [...handPicked, ...generated];
const refusals = [...nameValueRefusals(), ...attributeRefusals(), ...policyRefusals(NOW_MS)];

// The only refusals of cookies that Chromium stores as asked. Each is a name or value outside
// the server grammar of RFC 6265 section 4.1.1, which issue 3 requires the serializer to refuse;
// the reason beside each case in oracle/name-value-refusals.ts says which rule, and which
// servers break on it. Every other refusal must be one that Chromium drops or alters.
const GRAMMAR_ONLY_RULES = [
  'an empty name',
  'a name with a space',
  'a name with a separator "("',
  'a non-ASCII name',
  'a value with an inner space',
  'a value with a comma',
  'a value with a backslash',
  'a non-ASCII value',
  'a value with an unbalanced double quote',
  'a value with a double quote inside',
  'a value with two pairs of double quotes',
];
const GRAMMAR_CODES: readonly CookieErrorCode[] = ['COOKIE_NAME_INVALID', 'COOKIE_VALUE_INVALID'];
const grammarOnly = refusals.filter((refusal) => refusal.chromium.kind === 'grammar-only');
const punished = refusals.filter((refusal) => refusal.chromium.kind !== 'grammar-only');
const REFUSALS_TITLE =
  'each refused option set: Chromium drops or alters it, or it is one of the listed names and' +
  ' values outside RFC 6265 section 4.1.1';
const GRAMMAR_ONLY_TITLE =
  'Chromium stores each of these refused cookies as asked; RFC 6265 section 4.1.1 forbids a' +
  ' server to send them, and issue 3 requires refusing them';

/** Serializes now, so that a refusal fails its own test instead of the whole file. */
function serialize(set: OptionSet): string | CookieError {
  try {
    return serializeSetCookie(set.name, set.value, set.options);
  } catch (error) {
    if (error instanceof CookieError) return error;
    throw error;
  }
}

const CONTROL = 'oracle-control';

describe('the cookie codec against Chromium', { skip }, () => {
  let jar: ChromiumJar;
  before(async () => {
    jar = await openChromiumJar(chromiumPath);
  });
  after(async () => {
    await jar.close();
  });

  describe('Chromium stores each cookie serializeSetCookie writes as the options asked', () => {
    const lines = new Map(optionSets.map((set) => [set, serialize(set)]));
    const results = new Map<OptionSet, { stored: ChromiumCookie[]; delivery: Delivery }>();

    before(async () => {
      const written = optionSets.filter((set) => typeof lines.get(set) === 'string');
      const line = (set: OptionSet) => String(lines.get(set));
      const batches = packBatches(written, line, (set) => set.options.partitioned === true);
      for (const batch of batches) {
        const delivery = await jar.deliver(batch.host, batch.items.map(line));
        for (const set of batch.items) {
          const stored = delivery.cookies.filter((cookie) => cookie.name === set.name);
          results.set(set, { stored, delivery });
        }
      }
    });

    it('covers at least 50 hand-picked and 100 generated option sets with distinct names', () => {
      assert.ok(handPicked.length >= 50, `${String(handPicked.length)} hand-picked option sets`);
      assert.equal(generated.length, 100);
      const keys = optionSets.map((set) => `${set.host} ${set.name}`);
      assert.equal(new Set(keys).size, keys.length);
    });

    for (const set of optionSets) {
      it(`stores ${set.title} as asked`, () => {
        const line = lines.get(set);
        assert.equal(typeof line, 'string', `serializeSetCookie refused it: ${String(line)}`);
        const result = results.get(set);
        assert.ok(result, 'the cookie was delivered');

        const literal = askedCookie(set.host, set.name, set.value, set.options, NOW_MS);
        const asked = literal && { ...literal, ...set.asked };
        if (asked === undefined) {
          assert.deepEqual(result.stored, [], 'a cookie that asks to be deleted is not stored');
          return;
        }
        assert.equal(result.stored.length, 1, `one cookie stored for ${String(line)}`);
        assert.deepEqual(differences(asked, result.stored[0]!, result.delivery), []);
      });
    }
  });

  describe('Chromium reads Domain=localhost as host-only', () => {
    // Accepted by the serializer, and not stored as asked: `localhost` has no registrable
    // domain, and RFC 6265bis section 5.6.3 turns a Domain equal to such a host into a
    // host-only cookie. The cookie reaches fewer hosts than asked, never more. This is why the
    // Domain cases above run on sub.a.localhost.
    it('stores a Domain=localhost cookie sent by localhost as a host-only cookie', async () => {
      const line = serializeSetCookie('dom', 'v', { domain: HOST });
      const { cookies } = await jar.deliver(HOST, [line]);
      assert.deepEqual(
        cookies.map((cookie) => [cookie.name, cookie.domain]),
        [['dom', HOST]],
      );
    });
  });

  describe('Chromium sends a cookie for a path beyond ASCII back only if it is encoded', () => {
    // Why serializeSetCookie percent-encodes such a path: Chromium stores the raw form as asked,
    // but compares it with the request's path, which the URL parser has percent-encoded.
    it('sends the cookie written for /café to /café/x, but not one with the raw path', async () => {
      const encoded = serializeSetCookie('encoded', 'v', { path: '/café' });
      const delivery = await jar.deliver(HOST, [encoded, 'raw=v; Path=/café'], ['/café/x']);
      const stored = delivery.cookies.map((cookie) => [cookie.name, cookie.path]);
      assert.deepEqual(stored.sort(), [
        ['encoded', '/caf%C3%A9'],
        ['raw', '/café'],
      ]);
      assert.deepEqual(delivery.sentTo.get('/café/x'), ['encoded']);
    });
  });

  describe(REFUSALS_TITLE, () => {
    async function checkRefusal(refusal: Refusal): Promise<void> {
      assert.throws(
        () => serializeSetCookie(refusal.name, refusal.value, refusal.options),
        (error) => error instanceof CookieError && error.code === refusal.code,
      );
      // A valid cookie first, in the same response, shows that the response itself was read.
      const delivery = await jar.deliver(refusal.host, [`${CONTROL}=1; Path=/`, refusal.line]);
      checkOutcome(refusal, delivery);
    }

    it('lets Chromium store as asked only the listed name and value grammar refusals', (t) => {
      assert.deepEqual(
        grammarOnly.map((refusal) => refusal.rule),
        GRAMMAR_ONLY_RULES,
      );
      for (const refusal of grammarOnly) {
        assert.ok(GRAMMAR_CODES.includes(refusal.code), `${refusal.rule}: ${refusal.code}`);
      }
      t.diagnostic(
        `refused sets: ${String(punished.length)} dropped or altered by Chromium,` +
          ` ${String(grammarOnly.length)} refused by the RFC 6265 server grammar though` +
          ' Chromium stores them as asked',
      );
    });

    describe('Chromium drops or alters each of these refused cookies', () => {
      for (const refusal of punished) {
        it(`refuses ${refusal.rule}, and Chromium ${verb(refusal.chromium)}`, async () => {
          await checkRefusal(refusal);
        });
      }
    });

    describe(GRAMMAR_ONLY_TITLE, () => {
      for (const refusal of grammarOnly) {
        const reason = refusal.chromium.kind === 'grammar-only' ? refusal.chromium.reason : '';
        it(`refuses ${refusal.rule}, which Chromium stores as asked (${reason})`, async () => {
          await checkRefusal(refusal);
        });
      }
    });
  });
});

function verb(outcome: ChromiumOutcome): string {
  switch (outcome.kind) {
    case 'drops':
      return 'drops it';
    case 'rejects-response':
      return 'rejects the whole response';
    case 'alters':
      return 'stores something else';
    case 'grammar-only':
      return 'stores it as asked';
  }
}

function checkOutcome(refusal: Refusal, delivery: Delivery): void {
  const outcome = refusal.chromium;
  if (outcome.kind === 'rejects-response') {
    assert.equal(delivery.responseRejected, true, 'Chromium refused the response');
    assert.deepEqual(delivery.cookies, []);
    return;
  }
  assert.equal(delivery.responseRejected, false, 'Chromium read the response');
  assert.ok(
    delivery.cookies.some((cookie) => cookie.name === CONTROL),
    'the control cookie',
  );

  const stored = delivery.cookies.filter((cookie) => cookie.name !== CONTROL);
  const asked = askedCookie(refusal.host, refusal.name, refusal.value, refusal.options, NOW_MS);
  const exact = stored.filter(
    (cookie) => asked !== undefined && differences(asked, cookie, delivery).length === 0,
  );
  const shown = JSON.stringify(stored);

  switch (outcome.kind) {
    case 'drops':
      assert.deepEqual(stored, [], 'nothing but the control cookie is stored');
      break;
    case 'grammar-only':
      assert.equal(stored.length, asked === undefined ? 0 : 1, shown);
      assert.equal(exact.length, stored.length, shown);
      break;
    case 'alters':
      assert.ok(stored.length > 0, 'something is stored');
      assert.deepEqual(exact, [], 'nothing stored is what the options asked for');
      assert.ok(
        stored.some((cookie) => hasFields(cookie, outcome.stored, outcome.lifetime, delivery)),
        `expected ${JSON.stringify(outcome)} among ${shown}`,
      );
      break;
  }
}

function hasFields(
  cookie: ChromiumCookie,
  fields: Partial<ChromiumCookie>,
  lifetime: number | 'session' | undefined,
  delivery: Delivery,
): boolean {
  const entries = Object.entries(fields) as [keyof ChromiumCookie, unknown][];
  if (!entries.every(([key, want]) => cookie[key] === want)) return false;
  if (lifetime === undefined) return true;
  if (lifetime === 'session') return cookie.expires === -1;
  return (
    cookie.expires >= delivery.sentAt + lifetime - 1 &&
    cookie.expires <= delivery.receivedAt + lifetime + 1
  );
}
