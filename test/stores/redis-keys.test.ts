import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { RedisKeys } from '../../src/stores/redis/keys.js';

describe('RedisKeys.user', () => {
  it('gives every id its own key, the same each time it is asked, however odd the id', () => {
    const keys = new RedisKeys('app');
    const ids = [
      'kfwratkfjrgsbroyqaywjfwqwy',
      '0',
      '-0',
      'NaN',
      '',
      'é',
      'e\u0301',
      '\ud800',
      'a}b{c',
      'x'.repeat(200),
      'long '.repeat(100).slice(3, 200),
    ];
    for (let round = 0; round < 2; round += 1) {
      for (const id of ids) assert.equal(keys.user(id), `app:{u:${id}}:user`);
    }
  });

  it('stays right past the number of users it remembers', () => {
    const keys = new RedisKeys('p');
    for (let index = 0; index < 25_000; index += 1) {
      const id = `user-${String(index)}`;
      assert.equal(keys.user(id), `p:{u:${id}}:user`);
    }
    assert.equal(keys.user('user-3'), 'p:{u:user-3}:user');
  });
});
