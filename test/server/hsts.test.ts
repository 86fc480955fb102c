import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createAuthContext } from '../../src/http/context.js';
import { createServerApp } from '../../src/server/app.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';

import type { HttpRequest } from '../../src/http/types.js';

const app = createServerApp(
  createAuthContext({
    sessionStore: new MemorySessionStore(),
    userStore: new MemoryUserStore(),
    secrets: ['a secret that is at least thirty-two bytes long'],
  }),
);

async function hsts(host: string, protocol: 'http' | 'https'): Promise<string | undefined> {
  const request: HttpRequest = {
    method: 'GET',
    path: '/auth/session',
    clientAddress: '192.0.2.1',
    protocol,
    header: (name) => (name === 'host' ? host : undefined),
    readBody: () => Promise.resolve(new Uint8Array()),
  };
  const response = await app(request);
  return response.headers.find(([name]) => name === 'Strict-Transport-Security')?.[1];
}

describe('Strict-Transport-Security', () => {
  it('SSL stripping: over HTTPS on a real host name, browsers are told to use HTTPS only', async () => {
    assert.equal(await hsts('auth.example.com', 'https'), 'max-age=31536000');
    assert.equal(await hsts('auth.example.com:8443', 'https'), 'max-age=31536000');
  });

  it('never over plain HTTP (RFC 6797 section 7.2)', async () => {
    assert.equal(await hsts('auth.example.com', 'http'), undefined);
  });

  it('never for this machine: a development certificate must not pin HTTPS on every localhost port', async () => {
    for (const host of [
      'localhost',
      'localhost:3000',
      'app.localhost',
      '127.0.0.1:3000',
      '[::1]:3000',
    ]) {
      assert.equal(await hsts(host, 'https'), undefined, host);
    }
  });
});
