import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { framesBody, sameHeaderName } from '../../src/http/respond.js';

describe('header names', () => {
  it('are the same in any case of their letters, and only of their letters', () => {
    assert.equal(sameHeaderName('Content-Type', 'content-type'), true);
    assert.equal(sameHeaderName('SET-COOKIE', 'Set-Cookie'), true);
    assert.equal(sameHeaderName('X-Frame-Options', 'Referrer-Policy'), false);
    assert.equal(sameHeaderName('Vary', 'Var'), false);
    // Pairs one bit apart that are not letters: `[` and `{`, `@` and `` ` ``, `-` and `\r`.
    assert.equal(sameHeaderName('x[', 'x{'), false);
    assert.equal(sameHeaderName('@x', '`x'), false);
    assert.equal(sameHeaderName('a-b', 'a\rb'), false);
  });

  it('Content-Length and Transfer-Encoding frame the body, in any case', () => {
    for (const name of ['Content-Length', 'content-length', 'TRANSFER-ENCODING']) {
      assert.equal(framesBody(name), true, name);
    }
    for (const name of ['Content-Type', 'Content-Lengths', 'Transfer-Encodin', '']) {
      assert.equal(framesBody(name), false, name);
    }
  });
});
