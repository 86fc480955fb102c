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

        const asked = askedCookie(set.host, set.name, set.value, set.options, NOW_MS);
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

  describe('Chromium drops or alters each cookie serializeSetCookie refuses', () => {
    for (const refusal of refusals) {
      it(`refuses ${refusal.rule}, and Chromium ${verb(refusal.chromium)}`, async () => {
        assert.throws(
          () => serializeSetCookie(refusal.name, refusal.value, refusal.options),
          (error) => error instanceof CookieError && error.code === refusal.code,
        );
        // A valid cookie first, in the same response, shows that the response itself was read.
        const delivery = await jar.deliver(refusal.host, [`${CONTROL}=1; Path=/`, refusal.line]);
        checkOutcome(refusal, delivery);
      });
    }
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
    case 'as-asked':
      return 'stores it as asked (the serializer is stricter)';
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
  const literal = askedCookie(refusal.host, refusal.name, refusal.value, refusal.options, NOW_MS);
  const asked = literal && { ...literal, ...refusal.asked };
  const exact = stored.filter(
    (cookie) => asked !== undefined && differences(asked, cookie, delivery).length === 0,
  );
  const shown = JSON.stringify(stored);

  switch (outcome.kind) {
    case 'drops':
      assert.deepEqual(stored, [], 'nothing but the control cookie is stored');
      break;
    case 'as-asked':
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
