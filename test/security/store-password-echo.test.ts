import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';

import { describeCause } from '../../src/cli/cause.js';
import { main } from '../../src/cli/main.js';
import { StoreUnavailableError } from '../../src/errors.js';
import { describeError } from '../../src/log.js';
import { openPostgresStores } from '../../src/stores/postgres/index.js';
import { openRedisStores } from '../../src/stores/redis/index.js';
import { registerStoreSecrets, storeUrlSecrets, untrustedText } from '../../src/untrusted-text.js';

import type { AddressInfo, Server, Socket } from 'node:net';
import type { CliIo } from '../../src/cli/io.js';

// A store server (or whatever answers at its address) can put anything in its error replies,
// the password it was sent included; the drivers quote those replies in their errors, and
// Latchkey logs them (store.client_error, store.unavailable) and prints them (the CLI's cause).

/**
 * A PostgreSQL server on loopback that asks for the password in clear, then refuses the login
 * with a message that repeats it after `padding` characters of filler.
 */
async function startEchoingPostgres(padding: number): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => {
    sockets.add(socket);
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

/** A Redis server on loopback that says OK to everything but INFO, which it refuses with `info`. */
async function startRefusingInfoRedis(info: string): Promise<{ port: number; server: Server }> {
  const server = createServer((socket: Socket) => {
    sockets.add(socket);
    let pending = '';
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      // Each command is an array of bulk strings: answer each complete one in turn.
      for (;;) {
        const parsed = /^\*(\d+)\r\n/.exec(pending);
        if (parsed === null) return;
        let at = parsed[0].length;
        const words: string[] = [];
        for (let index = 0; index < Number(parsed[1]); index += 1) {
          const head = /^\$(\d+)\r\n/.exec(pending.slice(at));
          if (head === null) return;
          const start = at + head[0].length;
          if (pending.length < start + Number(head[1]) + 2) return;
          words.push(pending.slice(start, start + Number(head[1])));
          at = start + Number(head[1]) + 2;
        }
        pending = pending.slice(at);
        const command = (words[0] ?? '').toUpperCase();
        if (command === 'QUIT') {
          socket.end('+OK\r\n');
          return;
        }
        socket.write(command === 'INFO' ? `-${info}\r\n` : '+OK\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

// Every connection the fake servers accepted.
const sockets = new Set<Socket>();

describe('a store server that sends back the password it was sent', () => {
  const servers: Server[] = [];
  after(() => {
    for (const server of servers) server.close();
    // A connection a client left open must not keep the test waiting.
    for (const socket of sockets) socket.destroy();
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

  it('gets none of a password written as pg decodes it, or in a URL only pg reads', async () => {
    for (const [url, echoed] of [
      ['postgres://app:%41%2F%zzSecret@127.0.0.1:PORT/test', /zzSecret/],
      ['postgres://app:Sock3tPassw0rd@/test?host=127.0.0.1&port=PORT', /Sock3t/],
      ['postgres://app:Hunter2 Se%zzcret@127.0.0.1:PORT/test', /Se%zzcret/],
    ] as const) {
      const { port, server } = await startEchoingPostgres(10);
      servers.push(server);
      const error = await refusal(url.replace('PORT', String(port)));
      assert.match((error.cause as Error).message, echoed, 'the server echoed the password');
      assert.doesNotMatch(describeError(error.cause), echoed);
      assert.doesNotMatch(describeCause(error), echoed);
    }
  });

  it('gets nothing printed on the console by the Redis driver', async () => {
    const password = 'Redis-Pa55word-echoed';
    const { port, server } = await startRefusingInfoRedis(`NOPERM you sent ${password}`);
    servers.push(server);
    const printed: string[] = [];
    const warn = console.warn;
    const error = console.error;
    console.warn = (...args: unknown[]) => printed.push(args.map(String).join(' '));
    console.error = console.warn;
    try {
      const opened = await openRedisStores(`redis://:${password}@127.0.0.1:${String(port)}`, {
        clientCache: false,
      }).catch(() => null);
      await opened?.close();
    } finally {
      console.warn = warn;
      console.error = error;
    }
    assert.deepEqual(
      printed.filter((line) => line.includes('Pa55word')),
      [],
    );
  });

  it('gets none of a store URL given in the wrong place into the CLI', async () => {
    const output: string[] = [];
    const io: CliIo = {
      out: (text) => output.push(text),
      err: (text) => output.push(text),
      readSecret: () => Promise.resolve(''),
      env: {},
    };
    for (const argv of [
      ['postgres://app:Hunter2-Secret@db.internal/app', 'users', 'list'],
      ['serve', '--port', 'postgres://app:Hunter2-Secret@db.internal/app'],
      // URLs that do not parse, quoted as typed.
      ['postgres://app:Hunter2-Secret@db.internal:abc/app', 'users', 'list'],
      ['serve', '--port', 'postgres://app:Hunter2 Se%zzcret@db.internal:5432x/app'],
      ['postgres://app:Hunter2#Secret@127.0.0.1:1/test'],
      ['postgres://app:Hunter2/Se?cret@127.0.0.1:1/test', 'users', 'list'],
    ]) {
      output.length = 0;
      assert.notEqual(await main(argv, io), 0);
      assert.match(output.join(''), /\*\*\*/);
      assert.doesNotMatch(output.join(''), /Hunter2/, argv.join(' '));
    }
  });

  it('still fails to open with STORE_UNAVAILABLE where pg cannot read the URL', async () => {
    await refusal('postgres://app:ab%C3%28cdef@127.0.0.1:1/test');
    await refusal('postgres://app:secret-pw@127.0.0.1:abc/test');
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

  it('gets none of a long password by repeating it until a cut falls inside a copy', () => {
    const password = 'a1b2c3d4'.repeat(16);
    registerStoreSecrets([password]);
    // A message ends where the server ends it: each of these holds whole copies only where a cut
    // of Latchkey's own falls (the 2,000 characters masked, the 65,536 searched).
    for (const length of [65_536, 65_537, 262_144, 1_000_000]) {
      const copies = `${password} `.repeat(Math.ceil(length / (password.length + 1)));
      const shown = untrustedText(`ERR ${copies}`.slice(0, length), [], 2_000);
      assert.doesNotMatch(shown, /a1b2/, `${String(length)} characters`);
    }
  });

  it('gets none of a passphrase whose spaces it sends as other spaces, or split over lines', () => {
    const phrase = 'correct horse battery staple';
    for (const sent of [
      'correct\thorse\u2003battery\r\nstaple',
      'correct\u00a0horse\u3000battery  staple',
      phrase,
    ]) {
      assert.equal(untrustedText(`WRONGPASS ${sent}`, [phrase], 300), 'WRONGPASS ***');
    }
    registerStoreSecrets(['tab\there-Pass']);
    assert.equal(untrustedText('WRONGPASS tab\u00a0here-Pass', [], 300), 'WRONGPASS ***');
    const inLines = 'First-Half\nSecond-Half';
    const cause = new Error(`refused: ${inLines}, try again`);
    const shown = describeCause(new StoreUnavailableError('open', cause), [inLines]);
    assert.equal(shown, '\n  cause: refused: ***, try again');
  });

  it('gets none of a password with characters that display as nothing put into it', () => {
    registerStoreSecrets(['hunter2-Secret']);
    for (const sent of [
      '\u200b',
      '\u034f',
      '\ufe0f',
      '\u3164',
      '\u00ad',
      '\u0007',
      '\ufeff',
      '\u200b'.repeat(9),
    ]) {
      const shown = describeError(new Error(`WRONGPASS hunter2${sent}-Secret!`));
      assert.equal(shown, 'Error: WRONGPASS ***!', JSON.stringify(sent));
    }
    // Only what displays as nothing: words that merely hold a password's letters stay.
    registerStoreSecrets(['letmein']);
    assert.equal(describeError(new Error('let me in')), 'Error: let me in');
  });

  it('gets none of a password whose spaces at its ends it left out', () => {
    registerStoreSecrets([' tr4iling-pass\t']);
    assert.equal(describeError(new Error('WRONGPASS "tr4iling-pass"')), 'Error: WRONGPASS "***"');
  });

  it('gets none of a password that repeats itself, sent over and over', () => {
    registerStoreSecrets(['zzzz', 'zzzzz', 'zzzzzz']);
    const shown = describeError(new Error(`ERR ${'z'.repeat(60_000)}`));
    assert.match(shown, /^Error: ERR \*\*\*z{0,3}$/);
  });

  it('gets none of a very long password, and the log line is still written', () => {
    const token = `Tok${'x1y2z3'.repeat(1_500)}`;
    registerStoreSecrets([token]);
    const echoed = `${token.slice(0, 4_000)}\u200b${token.slice(4_000)}`;
    assert.equal(describeError(new Error(`refused ${echoed}.`)), 'Error: refused ***.');
    // Not the password but most of it: the cut drops the word it goes through.
    assert.equal(describeError(new Error(`refused ${token.slice(0, -1)}.`)), 'Error: refused');
  });

  it('gets no credential-looking text or line break into an error detail', () => {
    const detail = describeError(
      new Error(
        'cannot reach redis://admin:hunter2@cache.internal:6379\n' +
          '\u202e{"level":"info"} ' +
          "ERR unknown command 'HELLO', with args beginning with: 'AUTH' 'x'",
      ),
    );
    assert.doesNotMatch(detail, /hunter2|'x'|\n|\u202e/);
    assert.match(detail, /^Error: cannot reach redis:\/\/\*\*\*@cache\.internal:6379 /);
    assert.ok(describeError(new Error('x'.repeat(100_000))).length <= 300);
  });
});
