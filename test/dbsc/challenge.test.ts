import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { challengeUseKey, issueChallenge, readChallenge } from '../../src/dbsc/challenge.js';
import { KeyRing } from '../../src/token/keyring.js';

const keys = new KeyRing(['a secret for DBSC challenges, 32 bytes or more']);
const SESSION = 'abcdefghijklmnopqrstuvwxyz';
const NOW = 1_790_000_000_000;

describe('DBSC challenges', () => {
  it('read back as the session and purpose they were issued for, until they expire', () => {
    const challenge = issueChallenge(keys, SESSION, 'register', NOW + 60_000);
    assert.deepEqual(readChallenge(keys, challenge, NOW), {
      sessionId: SESSION,
      purpose: 'register',
      expiresAt: NOW + 60_000,
    });
    assert.equal(readChallenge(keys, challenge, NOW + 59_999)?.purpose, 'register');
  });

  it('expired challenge: refused from its expiry on', () => {
    const challenge = issueChallenge(keys, SESSION, 'refresh', NOW + 60_000);
    assert.equal(readChallenge(keys, challenge, NOW + 60_000), null);
    assert.equal(readChallenge(keys, challenge, NOW + 3_600_000), null);
  });

  it('forged challenge: another session, purpose or expiry written in breaks the MAC', () => {
    const challenge = issueChallenge(keys, SESSION, 'register', NOW + 60_000);
    const [, , expires, nonce, mac] = challenge.split('.');
    const forgeries = [
      `refresh.${SESSION}.${expires}.${nonce}.${mac}`,
      `register.${'b'.repeat(26)}.${expires}.${nonce}.${mac}`,
      `register.${SESSION}.zzzzzz.${nonce}.${mac}`,
    ];
    for (const forged of forgeries) assert.equal(readChallenge(keys, forged, NOW), null, forged);
    const stranger = new KeyRing(['another server secret, also 32 bytes or more']);
    assert.equal(readChallenge(stranger, challenge, NOW), null);
  });

  it('differ each time, and each has its own single-use key', () => {
    const one = issueChallenge(keys, SESSION, 'refresh', NOW + 60_000);
    const two = issueChallenge(keys, SESSION, 'refresh', NOW + 60_000);
    assert.notEqual(one, two);
    assert.notEqual(challengeUseKey(one), challengeUseKey(two));
    assert.match(challengeUseKey(one), /^dbsc:challenge:[0-9a-f]{64}$/);
  });

  it('hostile input is not a challenge and never throws', () => {
    for (const input of [undefined, 42, '', 'register', 'x'.repeat(10_000), '....']) {
      assert.equal(readChallenge(keys, input, NOW), null);
    }
  });

  it('are valid structured-field strings (printable ASCII without quote or backslash)', () => {
    const challenge = issueChallenge(keys, SESSION, 'register', NOW + 60_000);
    assert.match(challenge, /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/);
  });
});
