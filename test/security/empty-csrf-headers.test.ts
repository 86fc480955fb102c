import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { describe, it } from 'node:test';

import { cookiePair, errorCode, send, startTestServer } from '../support/server.js';

/** A POST whose headers are sent exactly as given, empty values included. */
function post(url: string, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const request = httpRequest(`${url}${path}`, { method: 'POST', headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as unknown });
      });
    });
    request.on('error', reject);
    request.end();
  });
}

describe('CSRF with empty Origin or Sec-Fetch-Site headers', () => {
  it('an empty header counts as absent: the session still needs its token', async () => {
    const server = await startTestServer();
    try {
      const registered = await send(server.url, 'POST', '/auth/register', {
        json: { email: 'empty@example.com', password: 'correct horse battery staple' },
      });
      const cookie = cookiePair(registered.setCookies[0]);
      for (const headers of [{ origin: '' }, { 'sec-fetch-site': '' }, { origin: ' ' }]) {
        const response = await post(server.url, '/auth/logout-others', { cookie, ...headers });
        assert.equal(response.status, 403, JSON.stringify(headers));
        assert.equal(errorCode(response.body), 'CSRF_TOKEN_MISSING');
      }
    } finally {
      await server.close();
    }
  });
});
