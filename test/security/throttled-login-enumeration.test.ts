import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createAuthContext } from '../../src/http/context.js';
import { withErrorResponses } from '../../src/http/guard.js';
import { silentLogger } from '../../src/log.js';
import { createServerApp } from '../../src/server/app.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';
import { recordingCalls } from '../support/calls.js';
import { inProcessRequest } from '../support/http-request.js';

import type { UserStore } from '../../src/accounts/index.js';
import type { HttpRequest } from '../../src/http/types.js';

function login(email: string): HttpRequest {
  return inProcessRequest('POST', '/auth/login', {
    headers: { host: 'localhost', 'content-type': 'application/json', origin: 'http://localhost' },
    body: JSON.stringify({ email, password: 'a guess at the password' }),
    clientAddress: '192.0.2.7',
  });
}

describe('user enumeration through throttled logins', () => {
  it('from a throttled address, a login is refused before any account is looked up', async () => {
    // A refusal costs its sender nothing (no hash, not counted): were the account looked up
    // first, an existing one would answer later than an email with none, as often as asked.
    const lookups: string[] = [];
    const counted: UserStore = recordingCalls(new MemoryUserStore(), lookups);
    const context = createAuthContext({
      sessionStore: new MemorySessionStore(),
      userStore: counted,
      secrets: ['a secret of at least thirty-two bytes, for tests'],
      throttle: { addressFreeFailures: 2, accountFreeFailures: 100 },
    });
    const app = withErrorResponses(createServerApp(context), silentLogger);
    await context.accounts.register({
      email: 'alice@example.com',
      password: 'correct horse battery staple',
    });
    // Three failures from one address, on three emails no account has: the address waits.
    for (const email of ['x1@example.com', 'x2@example.com', 'x3@example.com']) {
      assert.equal((await app(login(email))).status, 401);
    }

    for (const email of ['alice@example.com', 'nobody@example.com']) {
      lookups.length = 0;
      const answer = await app(login(email));
      assert.equal(answer.status, 429, email);
      assert.deepEqual(lookups, [], email);
    }
  });
});
