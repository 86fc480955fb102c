// DBSC through a framework adapter: Express over real HTTPS, with the auth routes mounted at
// another prefix. The registration path in the offer is relative, so it must resolve under
// that prefix; the protocol comes from the TLS socket.
import assert from 'node:assert/strict';
import { createServer, request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';

import express from 'express';

import { authRouter, latchkey, requireUser } from '../../src/http/express.js';
import { createLatchkey } from '../../src/http/latchkey.js';
import { createDevCertificate } from '../../src/server/dev-cert.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';
import { ManualClock } from '../support/clock.js';
import { makeKey, signProof } from './proof-signer.js';

import type { IncomingHttpHeaders } from 'node:http';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('DBSC through Express over HTTPS, routes under /api/auth', () => {
  const certificate = createDevCertificate();
  const clock = new ManualClock(Date.now());
  let server: Server;
  let origin: string;

  function call(
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: string,
  ): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const outgoing = httpsRequest(
        `${origin}${path}`,
        {
          method,
          ca: certificate.certPem,
          headers: { origin, ...headers },
          timeout: 10_000,
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => {
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  const cookiePair = (answer: Answer, name: string): string => {
    const lines = answer.headers['set-cookie'] ?? [];
    const line = lines.find((value) => value.startsWith(`${name}=`));
    assert.ok(line, `no ${name}`);
    return line.split(';')[0] ?? '';
  };

  before(async () => {
    const instance = createLatchkey({
      sessionStore: new MemorySessionStore(),
      userStore: new MemoryUserStore(),
      secrets: ['a secret that is at least thirty-two bytes long'],
      routesPrefix: '/api/auth',
      clock: clock.now,
      dbsc: { enabled: true },
    });
    const app = express();
    app.use(latchkey(instance));
    app.use('/api/auth', authRouter());
    app.get('/api/secure-data', requireUser(), (_request, response) => {
      response.json({ ok: true });
    });
    server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, app);
    await new Promise<void>((resolve) => {
      server.listen(0, '127.0.0.1', resolve);
    });
    origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  });

  it('offers registration at login, binds the key at the resolved path, and then wants the bound cookie', async () => {
    const registered = await call(
      'POST',
      '/api/auth/register',
      { 'content-type': 'application/json' },
      JSON.stringify({ email: 'express@example.com', password: 'correct horse battery staple' }),
    );
    assert.equal(registered.status, 201, registered.body);
    const offer = String(registered.headers['secure-session-registration'] ?? '');
    const path = /;path="([^"]+)"/.exec(offer)?.[1] ?? '';
    const challenge = /;challenge="([^"]+)"/.exec(offer)?.[1] ?? '';
    const authorization = /;authorization="([^"]+)"/.exec(offer)?.[1] ?? '';
    const registration = new URL(path, `${origin}/api/auth/register`);
    assert.equal(registration.pathname, '/api/auth/dbsc/register');

    const session = cookiePair(registered, '__Host-auth_token');
    const key = await makeKey('RS256');
    const bound = await call('POST', registration.pathname, {
      cookie: session,
      'secure-session-response': await signProof(key, { jti: challenge, authorization }),
    });
    assert.equal(bound.status, 200, bound.body);
    const instructions = JSON.parse(bound.body) as {
      refresh_url: string;
      scope: { origin: string };
    };
    assert.equal(
      new URL(instructions.refresh_url, registration).pathname,
      '/api/auth/dbsc/refresh',
    );
    assert.equal(instructions.scope.origin, origin);
    const boundCookie = cookiePair(bound, '__Host-auth_bound');

    clock.advanceSeconds(11);
    assert.equal((await call('GET', '/api/secure-data', { cookie: session })).status, 401);
    const both = `${session}; ${boundCookie}`;
    assert.equal((await call('GET', '/api/secure-data', { cookie: both })).status, 200);
    const listed = await call('GET', '/api/auth/session', { cookie: both });
    assert.equal(
      (JSON.parse(listed.body) as { session: { deviceBound: boolean } }).session.deviceBound,
      true,
    );
  });
});
