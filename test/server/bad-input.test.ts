import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';

import { errorCode, send, startTestServer } from '../support/server.js';
import { registerUser, sessionStatus } from '../support/users.js';

import type { TestServer } from '../support/server.js';

const NO_SESSION = 'You have no session with this id.';

const PASSWORD = 'correct horse battery staple';

describe('the auth server over HTTP, given bad input', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  const cases: {
    name: string;
    method: string;
    path: string;
    options: Parameters<typeof send>[3];
    status: number;
    code: string;
  }[] = [
    {
      name: 'malformed JSON',
      method: 'POST',
      path: '/auth/login',
      options: { body: '{"email":', headers: { 'content-type': 'application/json' } },
      status: 400,
      code: 'INVALID_JSON',
    },
    {
      name: 'a JSON array',
      method: 'POST',
      path: '/auth/register',
      options: { json: [1, 2] },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'JSON null',
      method: 'POST',
      path: '/auth/register',
      options: { json: null },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a missing password',
      method: 'POST',
      path: '/auth/register',
      options: { json: { email: 'x@example.com' } },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a numeric email',
      method: 'POST',
      path: '/auth/login',
      options: { json: { email: 42, password: PASSWORD } },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'an object password',
      method: 'POST',
      path: '/auth/register',
      options: { json: { email: 'y@example.com', password: { $ne: '' } } },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'an email of 10,000 characters',
      method: 'POST',
      path: '/auth/register',
      options: { json: { email: `${'a'.repeat(10_000)}@example.com`, password: PASSWORD } },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a password of 2,000 characters',
      method: 'POST',
      path: '/auth/login',
      options: { json: { email: 'z@example.com', password: 'p'.repeat(2_000) } },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a password of 300 characters at registration',
      method: 'POST',
      path: '/auth/register',
      options: { json: { email: 'w@example.com', password: 'p'.repeat(300) } },
      status: 400,
      code: 'PASSWORD_TOO_LONG',
    },
    {
      name: 'a body over 16 KiB',
      method: 'POST',
      path: '/auth/register',
      options: { json: { email: 'v@example.com', password: PASSWORD, pad: 'x'.repeat(20_000) } },
      status: 413,
      code: 'BODY_TOO_LARGE',
    },
    {
      name: 'text/plain',
      method: 'POST',
      path: '/auth/login',
      options: { body: 'email=a', headers: { 'content-type': 'text/plain' } },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'a JSON body that is not UTF-8 (password collision by U+FFFD)',
      method: 'POST',
      path: '/auth/register',
      options: {
        body: Uint8Array.from([
          ...new TextEncoder().encode('{"email":"utf@example.com","password":"'),
          ...Array<number>(10).fill(0xff),
          ...new TextEncoder().encode('"}'),
        ]),
        headers: { 'content-type': 'application/json' },
      },
      status: 400,
      code: 'INVALID_ENCODING',
    },
    {
      name: 'a form escape that is not UTF-8',
      method: 'POST',
      path: '/auth/register',
      options: {
        body: 'email=utf%40example.com&password=%FF%FF%FF%FF%FF%FF%FF%FF%FF',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      status: 400,
      code: 'INVALID_ENCODING',
    },
    {
      name: 'a charset other than UTF-8',
      method: 'POST',
      path: '/auth/register',
      options: {
        body: '{}',
        headers: { 'content-type': 'application/json; charset=latin1' },
      },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'no Content-Type',
      method: 'POST',
      path: '/auth/register',
      options: { body: new TextEncoder().encode('{}') },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'JSON sent as a form (curl -d without a Content-Type)',
      method: 'POST',
      path: '/auth/login',
      options: {
        body: ' {"email":"v@example.com","password":"correct horse battery staple"}',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'a repeated form field',
      method: 'POST',
      path: '/auth/register',
      options: {
        body: 'email=a@example.com&email=b@example.com&password=xxxxxxxxxx',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a repeated JSON member (parser confusion: a firewall reads the first, JSON.parse the last)',
      method: 'POST',
      path: '/auth/register',
      options: {
        body: '{"email":"a@example.com","password":"a long enough password","email":"b@example.com"}',
        headers: { 'content-type': 'application/json' },
      },
      status: 400,
      code: 'VALIDATION_FAILED',
    },
    {
      name: 'a gzip-encoded JSON body',
      method: 'POST',
      path: '/auth/register',
      options: {
        body: gzipSync('{"email":"gzip@example.com","password":"a long enough password"}'),
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    {
      name: 'an unknown route',
      method: 'GET',
      path: '/nope',
      options: {},
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      name: 'an unknown auth route',
      method: 'POST',
      path: '/auth/nope',
      options: {},
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      name: 'GET on login',
      method: 'GET',
      path: '/auth/login',
      options: {},
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
    },
    {
      name: 'DELETE on secure data',
      method: 'DELETE',
      path: '/api/secure-data',
      options: {},
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
    },
    {
      name: 'DELETE of a session id of the wrong shape, without a session',
      method: 'DELETE',
      path: '/auth/sessions/not-an-id',
      options: {},
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'POST on the session',
      method: 'POST',
      path: '/auth/session',
      options: { json: {} },
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
    },
  ];

  for (const testCase of cases) {
    it(`answers ${testCase.status} ${testCase.code} to ${testCase.name}, and changes nothing`, async () => {
      const before = await send(server.url, 'GET', '/auth/session');
      const response = await send(server.url, testCase.method, testCase.path, testCase.options);
      assert.equal(response.status, testCase.status, response.text);
      assert.equal(errorCode(response.body), testCase.code);
      assert.deepEqual(response.setCookies, []);
      assert.equal(before.status, 401);
      if (testCase.status === 405) assert.ok(response.headers.get('allow'));
    });
  }

  it('a session id of the wrong shape is one the user does not have: 404, none ended', async () => {
    const held = await registerUser(server.url);
    for (const id of ['not-an-id', 'with%20space', 'a'.repeat(300)]) {
      const response = await send(server.url, 'DELETE', `/auth/sessions/${id}`, {
        cookie: held.cookie,
        headers: { 'x-csrf-token': held.csrfToken },
      });
      assert.equal(response.status, 404, `${id}: ${response.text}`);
      assert.equal((response.body as { error: { message: string } }).error.message, NO_SESSION);
    }
    assert.equal(await sessionStatus(server.url, held.cookie), 200);
  });

  it('reads a real form whose first field name starts with a bracket as a form', async () => {
    const response = await send(server.url, 'POST', '/auth/login', {
      body: '[csrf]=1&email=nobody%40example.com&password=xxxxxxxxxx',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(response.status, 401, response.text);
    assert.equal(errorCode(response.body), 'INVALID_CREDENTIALS');
  });

  it('names what to fix: the Content-Type of JSON sent as a form, the repeated field', async () => {
    const asForm = await send(server.url, 'POST', '/auth/register', {
      body: '{"email":"w@example.com","password":"correct horse battery staple"}',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.match(JSON.stringify(asForm.body), /Content-Type: application\/json/);
    const repeated = await send(server.url, 'POST', '/auth/register', {
      body: 'email=a@example.com&email=b@example.com&password=xxxxxxxxxx',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal((repeated.body as { error: { field?: string } }).error.field, 'email');
  });

  it('creates no account for any refused registration', async () => {
    for (const email of ['x@example.com', 'y@example.com', 'v@example.com', 'w@example.com']) {
      const login = await send(server.url, 'POST', '/auth/login', {
        json: { email, password: PASSWORD },
      });
      assert.equal(login.status, 401, email);
    }
  });
});
