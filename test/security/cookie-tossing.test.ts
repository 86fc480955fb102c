import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { errorCode, send, startTestServer } from '../support/server.js';
import { PASSWORD, registerUser, sessionStatus } from '../support/users.js';

import type { TestServer } from '../support/server.js';

// Cookie tossing: a sibling subdomain (or a plain-HTTP page on the same host, for a cookie
// without the __Host- prefix) sets a second cookie of the same name, and the browser sends
// both. A server that picks "the first" or "the last" lets the attacker choose the session.
const junk = (letter: string) => `__Host-auth_token=${letter.repeat(43)}`;

describe('cookie tossing with duplicate names', () => {
  let server: TestServer;
  const own = () => ({ origin: server.url, 'sec-fetch-site': 'same-origin' });
  const warnings = (event: string) =>
    server.logs.filter((line) => line.event === event && line.level === 'warn').length;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('two live sessions in one Cookie header are both refused, in either order', async () => {
    const victim = await registerUser(server.url);
    const attacker = await registerUser(server.url);
    const before = warnings('session.ambiguous');
    for (const cookie of [
      `${victim.cookie}; ${attacker.cookie}`,
      `${attacker.cookie}; ${victim.cookie}`,
    ]) {
      for (const path of ['/api/secure-data', '/auth/session', '/auth/sessions']) {
        const response = await send(server.url, 'GET', path, { cookie });
        assert.equal(response.status, 401, `${path}: ${response.text}`);
        assert.equal(errorCode(response.body), 'UNAUTHENTICATED');
      }
    }
    assert.ok(warnings('session.ambiguous') > before, 'the ambiguity is logged as a warning');
  });

  it('one live session beside junk is accepted, with a session.duplicate_cookie warning', async () => {
    const victim = await registerUser(server.url);
    const before = warnings('session.duplicate_cookie');
    const response = await send(server.url, 'GET', '/api/secure-data', {
      cookie: `${junk('J')}; ${victim.cookie}`,
    });
    assert.equal(response.status, 200, response.text);
    assert.equal(warnings('session.duplicate_cookie'), before + 1);
    const line = server.logs.findLast((entry) => entry.event === 'session.duplicate_cookie');
    assert.equal(line?.count, 2);
    assert.equal(server.rawLog().includes(victim.cookie.split('=')[1] ?? '-'), false);
  });

  it('one live session beside an ended one is accepted: a stale cookie is not a second session', async () => {
    const victim = await registerUser(server.url);
    const ended = await registerUser(server.url);
    const logout = await send(server.url, 'POST', '/auth/logout', {
      cookie: ended.cookie,
      headers: own(),
    });
    assert.equal(logout.status, 200);
    const response = await send(server.url, 'GET', '/api/secure-data', {
      cookie: `${ended.cookie}; ${victim.cookie}`,
    });
    assert.equal(response.status, 200, response.text);
  });

  it('more values than a browser sends are not searched for a live one', async () => {
    const victim = await registerUser(server.url);
    const cookie = ['K', 'L', 'M', 'N'].map(junk).concat(victim.cookie).join('; ');
    assert.equal((await send(server.url, 'GET', '/api/secure-data', { cookie })).status, 401);
  });

  it('logout with more than 16 values is refused with TOO_MANY_SESSION_COOKIES, and nothing ends', async () => {
    const victim = await registerUser(server.url);
    const other = await registerUser(server.url);
    const letters = 'ABCDEFGHIJKLMNO'.split('');
    const cookie = [...letters.map(junk), other.cookie, victim.cookie].join('; ');
    assert.equal(letters.length + 2, 17);
    for (const path of ['/auth/logout', '/auth/login']) {
      const response = await send(server.url, 'POST', path, {
        json: { email: victim.email, password: PASSWORD },
        cookie,
        headers: own(),
      });
      assert.equal(response.status, 400, `${path}: ${response.text}`);
      assert.equal(errorCode(response.body), 'TOO_MANY_SESSION_COOKIES', path);
      assert.deepEqual(response.setCookies, [], path);
      assert.equal(response.headers.get('clear-site-data'), null, path);
    }
    assert.equal(await sessionStatus(server.url, victim.cookie), 200);
    assert.equal(await sessionStatus(server.url, other.cookie), 200);
  });

  it('logout with exactly 16 values ends every live session among them', async () => {
    const victim = await registerUser(server.url);
    const other = await registerUser(server.url);
    const letters = 'ABCDEFGHIJKLMN'.split('');
    const cookie = [...letters.map(junk), other.cookie, victim.cookie].join('; ');
    const response = await send(server.url, 'POST', '/auth/logout', { cookie, headers: own() });
    assert.equal(response.status, 200, response.text);
    assert.equal((response.body as { endedSessions: number }).endedSessions, 2);
    assert.equal(await sessionStatus(server.url, victim.cookie), 401);
    assert.equal(await sessionStatus(server.url, other.cookie), 401);
  });
});
