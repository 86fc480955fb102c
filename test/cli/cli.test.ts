import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { openData } from '../../src/cli/data.js';
import { BIN, cliIo, latchkey } from '../support/cli-run.js';

describe('latchkey CLI', () => {
  let dataDir: string;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));
  });
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints help for the tool and for each command', () => {
    for (const args of [['--help'], ['serve', '--help'], ['users', '--help']]) {
      const result = latchkey(args);
      assert.equal(result.code, 0, args.join(' '));
      assert.match(result.stdout, /Usage:/);
    }
  });

  it('exits 2 with a plain message for an unknown command or flag', () => {
    const unknown = latchkey(['fly']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^latchkey: Unknown command "fly"/);
    const flag = latchkey(['serve', '--colour']);
    assert.equal(flag.code, 2);
    assert.doesNotMatch(flag.stderr, /\n\s+at /, 'no stack trace');
  });

  it('adds a user with the password from standard input, then lists it', () => {
    const added = latchkey(
      ['users', 'add', 'Ada@Example.com', '--data-dir', dataDir],
      'correct horse battery staple\n',
    );
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Created user ada@example\.com/);
    const listed = latchkey(['users', 'list', '--json'], undefined, { LATCHKEY_DATA_DIR: dataDir });
    assert.equal(listed.code, 0, listed.stderr);
    const users = JSON.parse(listed.stdout) as { email: string }[];
    assert.deepEqual(
      users.map((user) => user.email),
      ['ada@example.com'],
    );
    assert.equal(listed.stdout.includes('argon2'), false, 'never prints a password hash');
  });

  it('fails with a plain message for a duplicate email or a short password', () => {
    const duplicate = latchkey(
      ['users', 'add', 'ada@example.com', '--data-dir', dataDir],
      'another long password',
    );
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /^latchkey: .*already/);
    const short = latchkey(['users', 'add', 'bob@example.com', '--data-dir', dataDir], 'short');
    assert.equal(short.code, 1);
    // The library's message, begun as the CLI's own are: with a capital.
    assert.match(short.stderr, /^latchkey: The password must be at least 8 characters/);
  });

  it('gives an account another email, refusing a taken or invalid one', () => {
    const env = { LATCHKEY_DATA_DIR: dataDir };
    const password = 'correct horse battery staple\n';
    assert.equal(latchkey(['users', 'add', 'lin@example.com'], password, env).code, 0);
    assert.equal(latchkey(['users', 'add', 'kai@example.com'], password, env).code, 0);

    const taken = latchkey(['users', 'set-email', 'lin@example.com', 'KAI@example.com'], '', env);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /^latchkey: .*already/);
    const invalid = latchkey(['users', 'set-email', 'lin@example.com', 'lin@'], '', env);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^latchkey: .*not a valid email/);
    const unknown = latchkey(
      ['users', 'set-email', 'nobody@example.com', 'x@example.com'],
      '',
      env,
    );
    assert.equal(unknown.code, 1);
    const oneEmail = latchkey(['users', 'set-email', 'lin@example.com'], '', env);
    assert.equal(oneEmail.code, 2);

    const moved = latchkey(['users', 'set-email', 'lin@example.com', 'Lin@Example.org'], '', env);
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(moved.stdout, 'Changed the email of lin@example.com to lin@example.org.\n');
    const listed = latchkey(['users', 'list', '--json'], undefined, env);
    const emails = (JSON.parse(listed.stdout) as { email: string }[]).map((user) => user.email);
    assert.ok(emails.includes('lin@example.org') && !emails.includes('lin@example.com'));
  });

  it('sets a new password for a user who lost theirs and ends their sessions', async () => {
    const env = { LATCHKEY_DATA_DIR: dataDir };
    const old = 'correct horse battery staple';
    assert.equal(latchkey(['users', 'add', 'mo@example.com'], `${old}\n`, env).code, 0);
    const open = () => openData({ 'data-dir': dataDir }, cliIo(), { create: false });
    let data = await open();
    const user = await data.accounts.getUserByEmail('mo@example.com');
    assert.ok(user);
    await data.sessions.createSession(user.id);
    await data.sessions.createSession(user.id);
    await data.close();

    const none = latchkey(['users', 'set-password', 'mo@example.com'], '', env);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^latchkey: No password given/);
    const short = latchkey(['users', 'set-password', 'mo@example.com'], 'short\n', env);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /^latchkey: .*8/);
    const unknown = latchkey(['users', 'set-password', 'nobody@example.com'], `${old}\n`, env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No user with the email nobody@example\.com/);
    data = await open();
    assert.equal((await data.sessions.listUserSessions(user.id)).length, 2, 'nothing changed');
    await data.close();

    const set = latchkey(
      ['users', 'set-password', 'MO@example.com'],
      'a brand new passphrase\n',
      env,
    );
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout, 'Set a new password for mo@example.com; ended 2 session(s).\n');
    data = await open();
    try {
      assert.deepEqual(await data.sessions.listUserSessions(user.id), []);
      const credentials = (password: string) => ({ email: 'mo@example.com', password });
      assert.equal(await data.accounts.authenticate(credentials(old)), null);
      assert.equal(
        (await data.accounts.authenticate(credentials('a brand new passphrase')))?.id,
        user.id,
      );
    } finally {
      await data.close();
    }
  });

  it('serves until SIGTERM, saying where it listens, then exits 0', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', BIN, 'serve', '--port', '0', '--data-dir', dataDir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no start-up line: ${stderr}`));
      }, 30_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    const response = await fetch(`${url}/api/secure-data`);
    assert.equal(response.status, 401);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0);
    assert.match(stdout, /"event":"server.started"/);
    assert.match(stdout, /"event":"http.request"/);
  });

  it('disabling or deleting a user ends all of their sessions, and lists them first', async () => {
    const { startTestServer, send, cookiePair } = await import('../support/server.js');
    const server = await startTestServer();
    try {
      const login = async (email: string) => {
        const response = await send(server.url, 'POST', '/auth/register', {
          json: { email, password: 'correct horse battery staple' },
          headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36' },
        });
        assert.equal(response.status, 201);
        return cookiePair(response.setCookies[0]);
      };
      const grace = await login('grace@example.com');
      const alan = await login('alan@example.com');
      const env = { LATCHKEY_DATA_DIR: server.dataDir };

      const listed = latchkey(['sessions', 'list', '--user', 'grace@example.com'], undefined, env);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /Chrome on Linux/);

      const disabled = latchkey(['users', 'disable', 'grace@example.com'], undefined, env);
      assert.equal(disabled.code, 0, disabled.stderr);
      assert.match(disabled.stdout, /ended 1 session/);
      assert.equal(
        (await send(server.url, 'GET', '/api/secure-data', { cookie: grace })).status,
        401,
      );
      const relogin = await send(server.url, 'POST', '/auth/login', {
        json: { email: 'grace@example.com', password: 'correct horse battery staple' },
      });
      assert.equal(relogin.status, 401, 'a disabled account cannot log in');

      assert.equal(latchkey(['users', 'enable', 'grace@example.com'], undefined, env).code, 0);
      const back = await send(server.url, 'POST', '/auth/login', {
        json: { email: 'grace@example.com', password: 'correct horse battery staple' },
      });
      assert.equal(back.status, 200);

      const revoked = latchkey(
        ['sessions', 'revoke', '--user', 'alan@example.com'],
        undefined,
        env,
      );
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal(
        (await send(server.url, 'GET', '/api/secure-data', { cookie: alan })).status,
        401,
      );

      const graceAgain = cookiePair(back.setCookies[0]);
      assert.equal(latchkey(['users', 'delete', 'grace@example.com'], undefined, env).code, 0);
      assert.equal(
        (await send(server.url, 'GET', '/api/secure-data', { cookie: graceAgain })).status,
        401,
      );
      const users = latchkey(['users', 'list', '--json'], undefined, env);
      assert.deepEqual(
        (JSON.parse(users.stdout) as { email: string }[]).map((user) => user.email),
        ['alan@example.com'],
      );
    } finally {
      await server.close();
    }
  });

  it('finds an account on an internationalized domain by the address as typed', () => {
    const added = latchkey(
      ['users', 'add', 'Ada@Bücher.de', '--data-dir', dataDir],
      'correct horse battery staple',
    );
    assert.equal(added.code, 0, added.stderr);
    const disabled = latchkey(['users', 'disable', 'ada@bücher.de', '--data-dir', dataDir]);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.match(disabled.stdout, /Disabled ada@xn--bcher-kva\.de/);
  });

  it('says when disabling or enabling changes nothing', () => {
    const disabledAt = () => {
      const listed = latchkey(['users', 'list', '--json', '--data-dir', dataDir]);
      const users = JSON.parse(listed.stdout) as { email: string; disabledAt: string | null }[];
      return users.find((user) => user.email === 'ada@xn--bcher-kva.de')?.disabledAt;
    };
    const first = disabledAt();
    assert.ok(typeof first === 'string');
    const again = latchkey(['users', 'disable', 'ada@bücher.de', '--data-dir', dataDir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Already disabled: ada@xn--bcher-kva\.de; ended 0 session/);
    assert.equal(disabledAt(), first, 'the time it was disabled is kept');
    const enabled = latchkey(['users', 'enable', 'ada@bücher.de', '--data-dir', dataDir]);
    assert.match(enabled.stdout, /^Enabled ada@xn--bcher-kva\.de\.$/m);
    const twice = latchkey(['users', 'enable', 'ada@bücher.de', '--data-dir', dataDir]);
    assert.equal(twice.code, 0, twice.stderr);
    assert.match(twice.stdout, /was not disabled; nothing changed/);
  });

  it('says so when asked to revoke a session id that does not exist', () => {
    const result = latchkey(['sessions', 'revoke', 'nope', '--data-dir', dataDir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /No live session with the id nope/);
  });

  it('names the reason a store cannot be opened, as its driver gives it', () => {
    const folder = mkdtempSync(join(tmpdir(), 'latchkey-cli-notdb-'));
    try {
      const file = join(folder, 'latchkey.db');
      writeFileSync(file, 'not a database, but long enough to be read as a header.'.repeat(20));
      const result = latchkey(['serve', '--port', '0', '--store', `sqlite:${file}`]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /\[STORE_UNAVAILABLE\]\n {2}cause: file is not a database/);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      // And in the log, for whoever reads only that.
      const line = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as Record<
        string,
        string
      >;
      assert.equal(line.event, 'server.start_failed');
      assert.match(line.detail ?? '', /^STORE_UNAVAILABLE: latchkey: the store failed during /);
      assert.equal(line.cause, 'file is not a database (SQLITE_NOTADB)');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('says why a PostgreSQL store cannot be opened, for any command, and shows no password', () => {
    // pg never ends its pool after this failure; waiting for it, the process used to end with
    // nothing pending and nothing said (exit code 13).
    const url = 'postgres://admin:hunter2@127.0.0.1:1/app?port=not-a-number';
    for (const command of [
      ['migrate'],
      ['users', 'list'],
      ['sessions', 'list', '--user', 'a@example.com'],
      ['serve', '--port', '0'],
    ]) {
      const result = latchkey([...command, '--store', url]);
      assert.equal(result.code, 1, `${command.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /\[STORE_UNAVAILABLE\]\n {2}cause: .*ERR_SOCKET_BAD_PORT/);
      assert.doesNotMatch(result.stderr, /hunter2/);
      assert.doesNotMatch(result.stdout, /hunter2/);
      if (command[0] === 'serve') {
        assert.match(result.stdout, /"event":"server.start_failed".*ERR_SOCKET_BAD_PORT/);
      }
    }
  });

  it('refuses to serve with a bad port, naming the option', () => {
    const result = latchkey(['serve', '--port', 'abc', '--data-dir', dataDir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--port/);
    assert.match(result.stderr, /CONFIG_INVALID/);
  });
});
