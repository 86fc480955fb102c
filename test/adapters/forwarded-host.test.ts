import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import express from 'express';

import { send } from '../support/server.js';
import { expressHarness } from './express-harness.js';
import { fastifyHarness, inject } from './fastify-harness.js';

// A request through a proxy that names the site only in X-Forwarded-Host (as Traefik's
// forwardAuth does), from the site's own origin, with no Fetch Metadata: the CSRF check compares
// its Origin with the origin the adapter makes of the request.
const FROM_SITE = {
  origin: 'https://app.example.com',
  'x-forwarded-host': 'app.example.com',
  'x-forwarded-proto': 'https',
};
const VIA_PROXY = { trustProxy: ['127.0.0.1'] };

describe('trustForwardedHost in the Express adapter', () => {
  const { startApp } = expressHarness(express);

  it('takes the site’s origin from the trusted proxy when asked, and only then', async () => {
    const on = await startApp({ adapter: { ...VIA_PROXY, trustForwardedHost: true } });
    const off = await startApp({ adapter: VIA_PROXY });
    // Past the CSRF check, requireUser answers 401; refused by it, 403.
    const passed = await send(on.url, 'POST', '/api/notes', { json: {}, headers: FROM_SITE });
    assert.equal(passed.status, 401, passed.text);
    const refused = await send(off.url, 'POST', '/api/notes', { json: {}, headers: FROM_SITE });
    assert.equal(refused.status, 403, refused.text);
  });
});

describe('trustForwardedHost in the Fastify adapter', () => {
  const { startApp } = fastifyHarness();

  it('takes the site’s origin from the trusted proxy when asked, and only then', async () => {
    // app.inject's requests come from 127.0.0.1, the trusted proxy here.
    const on = await startApp({ plugin: { ...VIA_PROXY, trustForwardedHost: true } });
    const off = await startApp({ plugin: VIA_PROXY });
    const passed = await inject(on.app, 'POST', '/api/open', { json: {}, headers: FROM_SITE });
    assert.equal(passed.status, 200);
    const refused = await inject(off.app, 'POST', '/api/open', { json: {}, headers: FROM_SITE });
    assert.equal(refused.status, 403);
  });
});
