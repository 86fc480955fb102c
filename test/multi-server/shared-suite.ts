import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { startLatchkeyProcess } from '../support/latchkey-process.js';
import { errorCode, send } from '../support/server.js';
import { PASSWORD, csrfTokenFor, loginUser, registerUser, uniqueEmail } from '../support/users.js';

import type { LatchkeyProcess } from '../support/latchkey-process.js';

/** A session as `GET /auth/sessions` lists it. */
interface ListedSession {
  id: string;
  client: string;
  current: boolean;
}

const FIREFOX_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

// Documentation addresses (RFC 5737), only ever written into X-Forwarded-For: nothing is sent
// to them. With LATCHKEY_TRUST_PROXY=1 each server counts the request as coming from there.
const ACCOUNT_GUESSER = '198.51.100.7';
const ADDRESS_GUESSER = '198.51.100.8';
const BYSTANDER = '198.51.100.9';

/**
 * Two `latchkey serve` processes (A and B) on one store, with the same signing secrets, each
 * trusting one proxy hop: everything one does, the other sees at once. `cleanup` runs after
 * both have stopped, to drop the run's schema or key prefix.
 */
export function describeSharedStore(
  title: string,
  options: { store: string; cleanup: () => Promise<void> },
): void {
  void describe(title, () => {
    let a: LatchkeyProcess | undefined;
    let b: LatchkeyProcess | undefined;
    const servers = (): [string, string] => [a?.url ?? '', b?.url ?? ''];

    before(async () => {
      const env = { LATCHKEY_TRUST_PROXY: '1' };
      [a, b] = await Promise.all([
        startLatchkeyProcess({ store: options.store, env }),
        startLatchkeyProcess({ store: options.store, env }),
      ]);
    });
    after(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await options.cleanup();
    });

    void it('accepts on B the cookie that A issued at registration', async () => {
      const [urlA, urlB] = servers();
      const user = await registerUser(urlA);

      const data = await send(urlB, 'GET', '/api/secure-data', { cookie: user.cookie });

      assert.equal(data.status, 200, data.text);
      assert.equal((data.body as { user: { email: string } }).user.email, user.email);
    });

    void it('lists on A the session that B created, with its client, and B agrees', async () => {
      const [urlA, urlB] = servers();
      const first = await registerUser(urlA);
      const second = await loginUser(urlB, first.email, {
        headers: { 'user-agent': FIREFOX_ON_LINUX },
      });

      const onA = await listSessions(urlA, first.cookie);
      const onB = await listSessions(urlB, second.cookie);

      assert.deepEqual(
        onA.map((session) => session.id).sort(),
        [first.sessionId, second.sessionId].sort(),
      );
      const fromB = onA.find((session) => session.id === second.sessionId);
      assert.deepEqual(fromB, { id: second.sessionId, client: 'Firefox on Linux', current: false });
      assert.equal(onA.find((session) => session.id === first.sessionId)?.current, true);
      assert.deepEqual(onB.map((session) => session.id).sort(), onA.map((s) => s.id).sort());
      assert.deepEqual(
        onB.filter((session) => session.current).map((session) => session.id),
        [second.sessionId],
      );
    });

    void it('refuses on A, at once, a cookie logged out on B', async () => {
      const [urlA, urlB] = servers();
      const user = await registerUser(urlA);
      const token = await csrfTokenFor(urlB, user.cookie);

      const logout = await send(urlB, 'POST', '/auth/logout', {
        cookie: user.cookie,
        headers: { 'x-csrf-token': token },
      });
      assert.equal(logout.status, 200, logout.text);
      assert.equal((logout.body as { endedSessions: number }).endedSessions, 1);

      const data = await send(urlA, 'GET', '/api/secure-data', { cookie: user.cookie });
      assert.equal(data.status, 401);
      assert.equal(errorCode(data.body), 'UNAUTHENTICATED');
    });

    void it('refuses on B, at once, a session that A ended by its id', async () => {
      const [urlA, urlB] = servers();
      const first = await registerUser(urlA);
      const second = await loginUser(urlB, first.email);

      const revoked = await send(urlA, 'DELETE', `/auth/sessions/${second.sessionId}`, {
        cookie: first.cookie,
        headers: { origin: urlA },
      });
      assert.equal(revoked.status, 200, revoked.text);

      const data = await send(urlB, 'GET', '/api/secure-data', { cookie: second.cookie });
      assert.equal(data.status, 401);
      assert.equal(
        (await send(urlB, 'GET', '/api/secure-data', { cookie: first.cookie })).status,
        200,
      );
    });

    void it('accepts on B a CSRF token that A issued, for its own session only', async () => {
      const [urlA, urlB] = servers();
      const first = await registerUser(urlA);
      const second = await loginUser(urlA, first.email);
      const firstToken = await csrfTokenFor(urlA, first.cookie);
      const secondToken = await csrfTokenFor(urlA, second.cookie);

      const mismatched = await send(urlB, 'POST', '/auth/logout-others', {
        cookie: first.cookie,
        headers: { 'x-csrf-token': secondToken },
      });
      assert.equal(mismatched.status, 403);
      assert.equal(errorCode(mismatched.body), 'CSRF_TOKEN_INVALID');

      const accepted = await send(urlB, 'POST', '/auth/logout-others', {
        cookie: first.cookie,
        headers: { 'x-csrf-token': firstToken },
      });
      assert.equal(accepted.status, 200, accepted.text);
      assert.equal((accepted.body as { endedSessions: number }).endedSessions, 1);
      assert.equal(
        (await send(urlA, 'GET', '/auth/session', { cookie: second.cookie })).status,
        401,
      );
    });

    void it('throttles on B an account whose password was guessed wrong on A', async () => {
      const [urlA, urlB] = servers();
      const user = await registerUser(urlA);
      const from = { 'x-forwarded-for': ACCOUNT_GUESSER };

      // Five failures are free, the sixth imposes a 1 s wait; after it, one more failure makes
      // it 2 s, so that B's check is not a race against the first second running out.
      for (let attempt = 1; attempt <= 6; attempt += 1) {
        assert.equal((await badLogin(urlA, user.email, from)).status, 401, `attempt ${attempt}`);
      }
      assert.equal((await badLogin(urlA, user.email, from)).status, 429, 'A throttles itself');
      await delay(1_100);
      assert.equal((await badLogin(urlA, user.email, from)).status, 401, 'attempt 7');

      const onB = await send(urlB, 'POST', '/auth/login', {
        json: { email: user.email, password: PASSWORD },
        headers: from,
      });
      assert.equal(onB.status, 429, onB.text);
      assert.equal(errorCode(onB.body), 'TOO_MANY_ATTEMPTS');
      assert.ok(Number(onB.headers.get('retry-after')) >= 1);
      assert.deepEqual(onB.setCookies, []);
    });

    void it('throttles on B an address that guessed at many accounts on A', async () => {
      const [urlA, urlB] = servers();
      const user = await registerUser(urlA);
      const from = { 'x-forwarded-for': ADDRESS_GUESSER };

      // Twenty failures per address are free; as above, two more make the wait 2 s.
      for (let attempt = 1; attempt <= 21; attempt += 1) {
        const guess = await badLogin(urlA, uniqueEmail('nobody'), from);
        assert.equal(guess.status, 401, `attempt ${attempt}`);
      }
      await delay(1_100);
      assert.equal((await badLogin(urlA, uniqueEmail('nobody'), from)).status, 401);

      const login = { json: { email: user.email, password: PASSWORD } };
      const throttled = await send(urlB, 'POST', '/auth/login', { ...login, headers: from });
      assert.equal(throttled.status, 429, throttled.text);
      assert.equal(errorCode(throttled.body), 'TOO_MANY_ATTEMPTS');
      const elsewhere = await send(urlB, 'POST', '/auth/login', {
        ...login,
        headers: { 'x-forwarded-for': BYSTANDER },
      });
      assert.equal(elsewhere.status, 200, 'the account itself is not held up');
    });
  });
}

async function listSessions(url: string, cookie: string): Promise<ListedSession[]> {
  const response = await send(url, 'GET', '/auth/sessions', { cookie });
  assert.equal(response.status, 200, response.text);
  return (response.body as { sessions: ListedSession[] }).sessions.map(
    ({ id, client, current }) => ({
      id,
      client,
      current,
    }),
  );
}

function badLogin(url: string, email: string, headers: Record<string, string>) {
  return send(url, 'POST', '/auth/login', {
    json: { email, password: 'not the password at all' },
    headers,
  });
}
