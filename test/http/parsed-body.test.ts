import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { readFields } from '../../src/http/body.js';
import { bytesFromParsedBody } from '../../src/http/parsed-body.js';

import type { HttpRequest } from '../../src/http/types.js';

function request(contentType: string, bytes: Uint8Array): HttpRequest {
  return {
    method: 'POST',
    path: '/auth/login',
    clientAddress: '',
    protocol: 'http',
    header: (name) => (name === 'content-type' ? contentType : undefined),
    readBody: () => Promise.resolve(bytes),
  };
}

describe('bodies an application’s parser already decoded', () => {
  it('password collision by U+FFFD: a replacement character from lenient decoding is refused', async () => {
    for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
      const bytes = bytesFromParsedBody(type, {
        email: 'j@example.com',
        password: 'pass\uFFFDword',
      });
      const result = await readFields(request(type, bytes));
      const code = result.ok
        ? 'ok'
        : (JSON.parse(result.response.body) as { error: { code: string } }).error.code;
      assert.equal(code, 'INVALID_ENCODING');
    }
  });

  it('a clean parsed body comes through whole', async () => {
    const type = 'application/json';
    const bytes = bytesFromParsedBody(type, { email: 'j@example.com', password: 'pässword 🔑' });
    const result = await readFields(request(type, bytes));
    assert.ok(result.ok);
    assert.equal(result.fields.password, 'pässword 🔑');
  });
});
