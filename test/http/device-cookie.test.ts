import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DeviceCookie } from '../../src/http/device-cookie.js';
import { KeyRing } from '../../src/token/keyring.js';

const keys = new KeyRing(['a secret for device cookies, 32 bytes or more']);
const devices = new DeviceCookie(keys, { secure: true });

/** The `name=value` pair of a Set-Cookie line, as the browser sends it back. */
const sentBack = (setCookie: string): string => setCookie.split(';')[0]!;

describe('the device cookie', () => {
  it('names the device for the account and password it was issued under, and no other', () => {
    const cookie = sentBack(devices.issue('ada@example.com', 'stamp-1', null));
    const id = devices.read(cookie, 'ada@example.com', 'stamp-1');
    assert.match(id ?? '', /^[A-Za-z0-9_-]{22}$/);
    assert.equal(devices.read(cookie, 'ada@example.com', 'stamp-2'), null);
    assert.equal(devices.read(cookie, 'bob@example.com', 'stamp-1'), null);
  });

  it('is never accepted for an email with no account (stamp ""), even when signed so', () => {
    const cookie = sentBack(devices.issue('nobody@example.com', '', null));
    assert.equal(devices.read(cookie, 'nobody@example.com', ''), null);
  });

  it('user enumeration by timing: its MAC is checked, account or none', (t) => {
    const verify = t.mock.method(KeyRing.prototype, 'verify');
    const forged = `__Host-latchkey_device=${'A'.repeat(22)}.${'B'.repeat(43)}`;
    assert.equal(devices.read(forged, 'ada@example.com', 'stamp-1'), null);
    assert.equal(devices.read(forged, 'nobody@example.com', ''), null);
    // One check each: skipped for the unknown email, it would answer that login sooner.
    assert.equal(verify.mock.callCount(), 2);
  });
});
