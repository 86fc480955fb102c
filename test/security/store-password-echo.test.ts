import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import pg from 'pg';

import { describeError } from '../../src/http/guard.js';
import { secretsMaskedLogger, storeUrlSecrets } from '../../src/untrusted-text.js';
import { findPostgres, uniqueTestName } from '../support/shared-stores.js';
import { send, startTestServer } from '../support/server.js';

import type { Logger } from '../../src/log.js';

// A store server (or whatever answers at its address) can put anything in its error replies,
// the password the server sent it included; the drivers quote those replies in their errors,
// and the server logs them. None of this may reach a log line.

type LogCall = Parameters<Logger['log']>;

function recordingLogger(): { logger: Logger; lines: LogCall[] } {
  const lines: LogCall[] = [];
  return { lines, logger: { log: (...line) => lines.push(line) } };
}

describe('a store server that sends back the password it was sent', () => {
  it('does not get it into a log field: plain, percent-encoded or as a password parameter', () => {
    const secrets = storeUrlSecrets('redis://:hunter%2042x@cache.internal:6379?password=k3y-k3y');
    const { logger, lines } = recordingLogger();
    const masked = secretsMaskedLogger(logger, secrets);
    masked.log('warn', 'store.client_error', {
      detail: 'ReplyError: WRONGPASS you sent hunter 42x, hunter%2042x and k3y-k3y',
      status: 503,
      client: null,
    });
    masked.log('info', 'server.stopped');
    assert.deepEqual(lines, [
      [
        'warn',
        'store.client_error',
        { detail: 'ReplyError: WRONGPASS you sent ***, *** and ***', status: 503, client: null },
      ],
      ['info', 'server.stopped'],
    ]);
  });

  it('costs nothing where there is no password: the logger is passed on as it is', () => {
    const { logger } = recordingLogger();
    assert.equal(secretsMaskedLogger(logger, storeUrlSecrets('redis://127.0.0.1:6379')), logger);
    assert.equal(secretsMaskedLogger(logger, []), logger);
  });

  it('gets no credential-looking text or line break into an error detail', () => {
    const detail = describeError(
      new Error(
        'cannot reach redis://admin:hunter2@cache.internal:6379\n' +
          "\u202e{\"level\":\"info\"} ERR unknown command 'HELLO', with args beginning with: 'AUTH' 'x'",
      ),
    );
    assert.doesNotMatch(detail, /hunter2|'x'|\n|\u202e/);
    assert.match(detail, /^Error: cannot reach redis:\/\/\*\*\*@cache\.internal:6379 /);
    assert.ok(describeError(new Error('x'.repeat(10_000))).length <= 300);
  });
});

describe('a server on PostgreSQL whose store URL holds a password', async () => {
  const found = await findPostgres();
  if ('skip' in found) {
    it('writes no log line holding the password', { skip: found.skip }, () => undefined);
    return;
  }
  const schema = uniqueTestName();
  const store = new URL(found.url);
  // The shared server trusts loopback connections, so any password is accepted; one already in
  // the URL (LATCHKEY_TEST_POSTGRES_URL) is the one to look for.
  if (store.password === '') store.password = 'Store-Pa55word-for-logs';
  const password = decodeURIComponent(store.password);
  store.searchParams.set('schema', schema);
  after(async () => {
    const client = new pg.Client({ connectionString: found.url });
    await client.connect();
    try {
      // uniqueTestName() is a plain identifier: lower case, digits and "_".
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  });

  it('writes no log line holding the password, whatever field carries it', async () => {
    const server = await startTestServer({ env: { LATCHKEY_STORE: store.toString() } });
    try {
      const response = await send(server.url, 'GET', `/${store.password}`);
      assert.equal(response.status, 404);
    } finally {
      await server.close();
    }
    const requests = server.logs.filter((line) => line.event === 'http.request');
    assert.equal(requests.length, 1);
    assert.equal(requests[0]?.path, '/***');
    assert.equal(server.rawLog().includes(password), false);
  });
});
