import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ConfigError } from '../../src/errors.js';
import { latchkey as expressLatchkey } from '../../src/http/express.js';
import { checkCsrf, createFetchHandler } from '../../src/http/fetch.js';
import { latchkey as honoLatchkey } from '../../src/http/hono.js';
import { createLatchkey } from '../../src/http/latchkey.js';
import { createNextHandlers, latchkeyNext } from '../../src/http/next.js';
import { latchkeyNode } from '../../src/http/node-adapter.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';
import { inProcessRequest } from '../support/http-request.js';

import type { LatchkeyOptions } from '../../src/http/latchkey.js';

const SECRET = 'a secret that is at least thirty-two bytes long';

// As JavaScript callers pass them: unchecked by the compiler.
function options(extra: Record<string, unknown> = {}): LatchkeyOptions {
  const given: Record<string, unknown> = {
    sessionStore: new MemorySessionStore(),
    userStore: new MemoryUserStore(),
    secrets: [SECRET],
    ...extra,
  };
  return given as unknown as LatchkeyOptions;
}

function refused(option: string, message?: RegExp): (error: unknown) => true {
  return (error) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.option, option);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  };
}

describe('createLatchkey checks its options once, naming the one at fault', () => {
  it('an options name misspelt (as JavaScript lets through) is refused, with the likely one', () => {
    assert.throws(
      () => createLatchkey(options({ sesion: { idleTimeoutSeconds: 60 } })),
      refused('sesion', /did you mean session\?/),
    );
    assert.throws(
      () => createLatchkey(options({ trustedOrigin: ['https://app.example.com'] })),
      refused('trustedOrigin', /did you mean trustedOrigins\?/),
    );
    assert.throws(
      () => createLatchkey(options({ session: { idleTimeoutSecs: 60 } })),
      refused('session.idleTimeoutSecs', /the options of session are idleTimeoutSeconds/),
    );
    assert.throws(
      () => createLatchkey(options({ cookie: { httpOnly: false } })),
      refused('cookie.httpOnly'),
    );
    assert.throws(() => createLatchkey(options({ throttle: { max: 3 } })), refused('throttle.max'));
    assert.throws(
      () => createLatchkey(options({ accounts: { argon2: {} } })),
      refused('accounts.argon2', /did you mean accounts\.argon2id\?/),
    );
    assert.throws(
      () => createLatchkey(options({ accounts: { passwordPolicy: { minLenght: 15 } } })),
      refused(
        'accounts.passwordPolicy.minLenght',
        /did you mean accounts\.passwordPolicy\.minLength\?/,
      ),
    );
    assert.throws(
      () => createLatchkey(options({ accounts: { argon2id: { memoryCost: 65_536 } } })),
      refused('accounts.argon2id.memoryCost', /Latchkey has no such option/),
    );
  });

  it('secrets left out, or given as one string, are named', () => {
    assert.throws(
      () => createLatchkey(options({ secrets: undefined })),
      refused('secrets', /needs a list of at least one secret \(got undefined\)/),
    );
    assert.throws(
      () => createLatchkey(options({ secrets: SECRET })),
      refused('secrets', /\(got string\)/),
    );
  });

  it('routesPrefix must be a path: a slash before each segment, none at the end', async () => {
    for (const [given, suggested] of [
      ['auth', '/auth'],
      ['/auth/', '/auth'],
      ['api//auth', '/api/auth'],
      ['//', '/auth'],
      ['/auth?x', '/auth'],
      ['/a%2Fb', '/auth'],
      ['/a/../auth', '/auth'],
      ['/./auth', '/auth'],
    ] as const) {
      assert.throws(
        () => createLatchkey(options({ routesPrefix: given })),
        refused('routesPrefix', new RegExp(`as in "${suggested}"`)),
        given,
      );
    }
    for (const good of ['/auth', '/api/auth', '/v1.2/_auth~x', '/api:v1/@auth', '/a;b=c']) {
      assert.doesNotThrow(() => createLatchkey(options({ routesPrefix: good })), good);
    }
    // The root, written either way: the routes are /session, /login...
    for (const root of ['/', '']) {
      const latchkey = createLatchkey(options({ routesPrefix: root }));
      const answer = await latchkey.handleAuthRoute(inProcessRequest('GET', '/session'));
      assert.equal(answer?.status, 401, root);
    }
  });

  it('an origin is taken in any spelling of one, and kept as browsers send it', () => {
    const latchkey = createLatchkey(
      options({
        origin: 'https://APP.Example.com:443/',
        trustedOrigins: ['http://Front.example.com:80', 'https://admin.example.com:8443'],
      }),
    );
    assert.equal(latchkey.context.origin, 'https://app.example.com');
    assert.deepEqual(
      [...latchkey.context.trustedOrigins],
      ['http://front.example.com', 'https://admin.example.com:8443'],
    );
    for (const notAnOrigin of [
      'https://app.example.com/login',
      'https://user@app.example.com',
      'https://app.example.com?x=1',
      'ftp://app.example.com',
      'app.example.com',
    ]) {
      assert.throws(() => createLatchkey(options({ origin: notAnOrigin })), refused('origin'));
    }
  });
});

describe('the adapters check their own options when they are made', () => {
  const instance = createLatchkey(options());
  const misspelt = { trustproxy: 1 } as Record<string, unknown>;
  const adapters: [string, () => unknown][] = [
    ['latchkey/node', () => latchkeyNode(instance, misspelt)],
    ['latchkey/express', () => expressLatchkey(instance, misspelt)],
    ['latchkey/hono', () => honoLatchkey(instance, misspelt)],
    ['latchkey/next', () => latchkeyNext(instance, misspelt)],
    ['latchkey/fetch', () => createFetchHandler(instance, misspelt)],
  ];
  it('the documented options are taken, clientAddress included, by the Next.js and Fetch handlers', async () => {
    const session = (): Request => new Request('https://app.example.com/auth/session');
    const next = latchkeyNext(instance, { clientAddress: () => '203.0.113.9', trustProxy: 1 });
    assert.equal((await next.handlers.GET(session())).status, 401);
    const handlers = createNextHandlers(instance, { clientAddress: () => '203.0.113.9' });
    assert.equal((await handlers.GET(session())).status, 401);
    const fetchRoutes = createFetchHandler(instance, {
      clientAddress: '203.0.113.9',
      trustProxy: 1,
    });
    assert.equal((await fetchRoutes(session()))?.status, 401);
  });

  it('the per-request Fetch functions and issuePasswordReset refuse a misspelt option too', async () => {
    const request = new Request('https://app.example.com/api/notes', { method: 'POST' });
    await assert.rejects(
      checkCsrf(instance, request, { clientAdress: '203.0.113.9' } as Record<string, unknown>),
      refused('clientAdress', /did you mean clientAddress\?/),
    );
    await assert.rejects(
      instance.issuePasswordReset('any', { lifetime: 60 } as Record<string, unknown>),
      refused('lifetime', /did you mean lifetimeSeconds\?|its options are lifetimeSeconds/),
    );
  });

  for (const [name, make] of adapters) {
    it(`${name}: a misspelt trustProxy is refused, not ignored (every client one address)`, () => {
      assert.throws(make, refused('trustproxy', /did you mean trustProxy\?/));
    });
  }
});
