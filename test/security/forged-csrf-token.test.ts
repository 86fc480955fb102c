import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { issueCsrfToken } from '../../src/csrf/index.js';
import { KeyRing } from '../../src/token/keyring.js';
import { errorCode, send, startTestServer } from '../support/server.js';
import { loginUser, registerUser, sessionStatus } from '../support/users.js';

import type { TestServer } from '../support/server.js';

/** The same token with the character at `index` replaced by a different base64url one. */
function changeCharacter(token: string, index: number): string {
  const at = index < 0 ? token.length + index : index;
  const replacement = token[at] === 'A' ? 'B' : 'A';
  return `${token.slice(0, at)}${replacement}${token.slice(at + 1)}`;
}

describe('forged CSRF token', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  /** Sends logout-others as a script with the victim's cookie jar would, with this token. */
  const attempt = (cookie: string, token: string, where: 'header' | 'field' = 'header') =>
    send(server.url, 'POST', '/auth/logout-others', {
      cookie,
      ...(where === 'header' ? { headers: { 'x-csrf-token': token } } : {}),
      ...(where === 'field' ? { form: { csrf_token: token } } : {}),
    });

  it('is refused with CSRF_TOKEN_INVALID in every forged form, and nothing changes', async () => {
    const victim = await registerUser(server.url);
    const victimOther = await loginUser(server.url, victim.email);
    const attacker = await registerUser(server.url);
    const genuine = victim.csrfToken;
    const otherSecret = new KeyRing(['a different secret of at least thirty-two bytes!']);

    const forgeries: { name: string; token: string }[] = [
      { name: 'another session’s token (the attacker’s own)', token: attacker.csrfToken },
      { name: 'another session of the same user', token: victimOther.csrfToken },
      { name: 'one character of the MAC changed', token: changeCharacter(genuine, 40) },
      { name: 'the last character of the MAC changed', token: changeCharacter(genuine, -1) },
      { name: 'one character of the nonce changed', token: changeCharacter(genuine, 3) },
      {
        name: 'signed with a different secret for the victim’s session id',
        token: issueCsrfToken(otherSecret, victim.sessionId),
      },
      {
        name: 'the attacker’s nonce with the victim’s MAC',
        token: `${attacker.csrfToken.split('.')[0] ?? ''}.${genuine.split('.')[1] ?? ''}`,
      },
      { name: 'junk', token: 'junk' },
      { name: 'a dot alone', token: '.' },
      { name: 'the right shape, all zeros', token: `${'0'.repeat(22)}.${'0'.repeat(43)}` },
      { name: 'the genuine token with a suffix', token: `${genuine}A` },
      { name: 'the genuine token, MAC only', token: genuine.split('.')[1] ?? '' },
      { name: 'a long value', token: 'x'.repeat(4_000) },
      { name: 'the session cookie itself', token: victim.cookie.split('=')[1] ?? '' },
    ];
    for (const forgery of forgeries) {
      const response = await attempt(victim.cookie, forgery.token);
      assert.equal(response.status, 403, `${forgery.name}: ${response.text}`);
      assert.equal(errorCode(response.body), 'CSRF_TOKEN_INVALID', forgery.name);
    }
    assert.equal(await sessionStatus(server.url, victimOther.cookie), 200);
  });

  it('is refused in the csrf_token form field as well', async () => {
    const victim = await registerUser(server.url);
    const attacker = await registerUser(server.url);
    const response = await attempt(victim.cookie, attacker.csrfToken, 'field');
    assert.equal(response.status, 403, response.text);
    assert.equal(errorCode(response.body), 'CSRF_TOKEN_INVALID');
  });

  it('the genuine token goes through, and so does a second one issued for the same session', async () => {
    const victim = await registerUser(server.url);
    assert.equal((await attempt(victim.cookie, victim.csrfToken)).status, 200);
    const again = await send(server.url, 'GET', '/auth/session', { cookie: victim.cookie });
    const second = (again.body as { csrfToken: string }).csrfToken;
    assert.notEqual(second, victim.csrfToken, 'each token carries a fresh nonce');
    assert.equal((await attempt(victim.cookie, second)).status, 200);
  });
});
