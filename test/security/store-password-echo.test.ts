import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';

import { describeCause } from '../../src/cli/cause.js';
import { StoreUnavailableError } from '../../src/errors.js';
import { describeError } from '../../src/http/guard.js';
import { openPostgresStores } from '../../src/stores/postgres/index.js';
import { registerStoreSecrets, storeUrlSecrets, untrustedText } from '../../src/untrusted-text.js';

import type { AddressInfo, Server } from 'node:net';

// A store server (or whatever answers at its address) can put anything in its error replies,
// the password it was sent included; the drivers quote those replies in their errors, and
// Latchkey logs them (store.client_error, store.unavailable) and prints them (the CLI's cause).

/**
 * A PostgreSQL server on loopback that asks for the password in clear, then refuses the login
 * with a message that repeats it after `padding` characters of filler.
 */
async function startEchoingPostgres(padding: number): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => {
    let received = Buffer.alloc(0);
    let asked = false;
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (!asked && received.length >= 8 && received.length >= received.readInt32BE(0)) {
        asked = true;
        received = received.subarray(received.readInt32BE(0));
        // AuthenticationCleartextPassword.
        socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
      }
      if (asked && received.length >= 5 && received.length >= 1 + received.readInt32BE(1)) {
        const password = received.subarray(5, received.readInt32BE(1)).toString('utf8');
        const message = `${'x'.repeat(padding)}${password.replace(/\0$/, '')}`;
        const fields = Buffer.from(`SFATAL\0C28P01\0M${message}\0\0`, 'utf8');
        const head = Buffer.alloc(5);
        head.write('E', 0);
        head.writeInt32BE(4 + fields.length, 1);
        socket.end(Buffer.concat([head, fields]));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

async function refusal(url: string): Promise<StoreUnavailableError> {
  const error: unknown = await openPostgresStores(url).then(
    (stores) => stores.close().then(() => null),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof StoreUnavailableError, String(error));
  return error;
}

describe('a store server that sends back the password it was sent', () => {
  const servers: Server[] = [];
  after(() => {
    for (const server of servers) server.close();
  });

  it('gets none of it into a log line or the CLI, wherever its padding puts the cut', async () => {
    const password = 'hunter2-Secret';
    // Around the 300-character cut of a log line's detail, and the CLI's.
    for (const padding of [0, 250, 270, 280, 286, 290, 295, 299, 310]) {
      const { port, server } = await startEchoingPostgres(padding);
      servers.push(server);
      const error = await refusal(`postgres://app:${password}@127.0.0.1:${String(port)}/test`);
      const cause = error.cause as Error;
      assert.match(cause.message, /hunter2-Secret$/, 'the driver quotes what the server sent');
      const detail = describeError(cause);
      const printed = describeCause(error);
      assert.doesNotMatch(detail, /hu/, `log detail, ${String(padding)} characters first`);
      assert.doesNotMatch(printed, /hu/, `CLI cause, ${String(padding)} characters first`);
      if (padding < 280) assert.match(detail, /\*\*\*$/);
    }
  });

  it('gets none of a password that pg took from PGPASSWORD', async () => {
    const before = process.env.PGPASSWORD;
    process.env.PGPASSWORD = 'from-the-Environment';
    try {
      const { port, server } = await startEchoingPostgres(10);
      servers.push(server);
      const error = await refusal(`postgres://app@127.0.0.1:${String(port)}/test`);
      assert.match((error.cause as Error).message, /from-the-Environment/);
      assert.doesNotMatch(describeError(error.cause), /Environment/);
      assert.doesNotMatch(describeCause(error), /Environment/);
    } finally {
      if (before === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = before;
    }
  });

  it('gets none of a password holding characters that are made spaces', () => {
    const password = 'pass\u00adword\u202e1';
    registerStoreSecrets([password]);
    const shown = untrustedText(`ERR you sent '${password}'`, [], 300);
    assert.equal(shown, "ERR you sent '***'");
  });

  it('gets none of a password with spaces by pushing it past the 2,000-character cut', () => {
    const secrets = storeUrlSecrets('redis://:correct%20horse@cache.internal');
    const shown = untrustedText(`${' '.repeat(1_990)}correct horse battery`, secrets, 300);
    assert.doesNotMatch(shown, /correct|horse/);
  });

  it('gets none of a password written with an escape that pg decodes on its own', () => {
    assert.ok(storeUrlSecrets('postgres://u:Zq%41%zz9k@db.internal/app').includes('ZqA%zz9k'));
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
    assert.ok(describeError(new Error('x'.repeat(100_000))).length <= 300);
  });
});
