import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseSetCookie } from '../../src/cookie/index.js';
import { BoundCookie } from '../../src/dbsc/bound-cookie.js';
import { KeyRing } from '../../src/token/keyring.js';

const keys = new KeyRing(['a secret for bound cookies, 32 bytes or more!']);
const NOW = 1_790_000_000_000;
const ID = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

function cookieHeader(setCookie: string): string {
  return setCookie.split(';')[0] ?? '';
}

describe('the DBSC bound cookie', () => {
  const bound = new BoundCookie(keys, {
    name: '__Host-auth_bound',
    lifetimeSeconds: 600,
    sameSite: 'Lax',
  });

  it('is HttpOnly, Secure, host-only and lives for its lifetime', () => {
    const parsed = parseSetCookie(bound.issue(ID, NOW), 'https://localhost/');
    assert.ok(parsed.stored);
    assert.equal(parsed.cookie.name, '__Host-auth_bound');
    assert.equal(parsed.cookie.httpOnly, true);
    assert.equal(parsed.cookie.secure, true);
    assert.equal(parsed.cookie.hostOnly, true);
    assert.equal(parsed.cookie.path, '/');
    assert.match(bound.issue(ID, NOW), /; Max-Age=600;/);
  });

  it('is valid for the session identifier it was issued for until it expires', () => {
    const header = cookieHeader(bound.issue(ID, NOW));
    assert.equal(bound.isValid(header, ID, NOW), true);
    assert.equal(bound.isValid(header, ID, NOW + 599_000), true);
    assert.equal(bound.isValid(header, ID, NOW + 600_000), false);
  });

  it('stolen bound cookie: useless for another bound session', () => {
    const header = cookieHeader(bound.issue(ID, NOW));
    assert.equal(bound.isValid(header, 'another-key-thumbprint', NOW), false);
  });

  it('forged bound cookie: a later expiry or another secret breaks it', () => {
    const value = cookieHeader(bound.issue(ID, NOW)).split('=')[1] ?? '';
    const [, mac] = value.split('.');
    const later = (Math.floor(NOW / 1000) + 900).toString(36);
    assert.equal(bound.isValid(`__Host-auth_bound=${later}.${mac}`, ID, NOW), false);
    const other = new BoundCookie(new KeyRing(['some other secret that is 32 bytes or more']), {
      name: '__Host-auth_bound',
      lifetimeSeconds: 600,
      sameSite: 'Lax',
    });
    assert.equal(bound.isValid(cookieHeader(other.issue(ID, NOW)), ID, NOW), false);
  });

  it('cookie tossing: a planted value beside the real one does not hide it', () => {
    const real = cookieHeader(bound.issue(ID, NOW));
    assert.equal(bound.isValid(`__Host-auth_bound=junk; ${real}`, ID, NOW), true);
    assert.equal(bound.isValid('__Host-auth_bound=junk', ID, NOW), false);
    assert.equal(bound.isValid(undefined, ID, NOW), false);
  });

  it('clear() removes it with matching attributes', () => {
    assert.equal(
      bound.clear(),
      '__Host-auth_bound=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax',
    );
  });

  it('refuses a name a browser would drop', () => {
    assert.throws(
      () => new BoundCookie(keys, { name: 'bad name', lifetimeSeconds: 600, sameSite: 'Lax' }),
    );
  });
});
