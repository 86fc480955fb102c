import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';

import { newDataDir, startSecurityServer } from '../support/security-server.js';
import { errorCode, send } from '../support/server.js';
import {
  PASSWORD,
  csrfTokenFor,
  loginUser,
  registerUser,
  sessionStatus,
} from '../support/users.js';

import type { TestServer } from '../support/server.js';

const SECRET_A = 'secret A - the original one - 32+ bytes of it';
const SECRET_B = 'secret B - the one rotated in - 32+ bytes long';

describe('secret rotation', () => {
  const dataDir = newDataDir();
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Runs `body` against a server on the shared data folder with these secrets, then stops it. */
  const withServer = async (secrets: string[], body: (server: TestServer) => Promise<void>) => {
    const server = await startSecurityServer({
      dataDir,
      env: { LATCHKEY_SECRETS: secrets.join(',') },
    });
    try {
      await body(server);
    } finally {
      await server.close();
    }
  };

  /** logout-others as a script holding the cookie jar sends it: the token alone decides. */
  const withToken = (server: TestServer, cookie: string, token: string) =>
    send(server.url, 'POST', '/auth/logout-others', {
      cookie,
      headers: { 'x-csrf-token': token },
    });

  it('rotating in a new secret logs nobody out, and old tokens verify until the old one is dropped', async () => {
    let cookie = '';
    let tokenA = '';
    let deviceCookie = '';
    let email = '';
    await withServer([SECRET_A], async (server) => {
      ({ email } = await registerUser(server.url));
      const login = await loginUser(server.url, email);
      cookie = login.cookie;
      tokenA = login.csrfToken;
      deviceCookie = login.deviceCookie ?? '';
      assert.equal((await withToken(server, cookie, tokenA)).status, 200);
    });

    let tokenB = '';
    await withServer([SECRET_B, SECRET_A], async (server) => {
      assert.equal(await sessionStatus(server.url, cookie), 200, 'the session survives');
      assert.equal((await withToken(server, cookie, tokenA)).status, 200, 'old token verifies');
      tokenB = await csrfTokenFor(server.url, cookie);
      assert.equal((await withToken(server, cookie, tokenB)).status, 200, 'new token verifies');
    });

    await withServer([SECRET_B], async (server) => {
      assert.equal(await sessionStatus(server.url, cookie), 200, 'sessions are not signed');
      const stale = await withToken(server, cookie, tokenA);
      assert.equal(stale.status, 403, stale.text);
      assert.equal(errorCode(stale.body), 'CSRF_TOKEN_INVALID');
      assert.equal((await withToken(server, cookie, tokenB)).status, 200);
      // The device cookie signed with A is no longer recognised: just an unknown browser.
      const login = await send(server.url, 'POST', '/auth/login', {
        json: { email, password: PASSWORD },
        cookie: deviceCookie,
      });
      assert.equal(login.status, 200, login.text);
      assert.notEqual(login.setCookies[1]?.split(';', 1)[0], deviceCookie);
    });
  });

  it('a token signed with A is refused by a server that never knew A', async () => {
    let cookie = '';
    let tokenA = '';
    await withServer([SECRET_A], async (server) => {
      const user = await registerUser(server.url);
      cookie = user.cookie;
      tokenA = user.csrfToken;
    });
    await withServer(['an unrelated secret - also 32 bytes or more'], async (server) => {
      assert.equal(await sessionStatus(server.url, cookie), 200);
      const response = await withToken(server, cookie, tokenA);
      assert.equal(errorCode(response.body), 'CSRF_TOKEN_INVALID');
    });
  });
});
