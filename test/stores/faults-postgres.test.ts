import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { SessionManager } from '../../src/session/index.js';
import { openPostgresStores } from '../../src/stores/postgres/index.js';
import { validateUnderDisruption, waitForStore } from '../support/outage.js';
import { findPostgresBinaries, startPrivatePostgres } from '../support/postgres-server.js';
import { startSilentServer } from '../support/silent-server.js';
import { FAULT_USER, everyStoreCall, faultSession, timed } from '../support/store-calls.js';

import type { PostgresStores } from '../../src/stores/postgres/index.js';
import type { PrivatePostgres } from '../support/postgres-server.js';

/** How long any call may take while PostgreSQL is down: the 2 s timeouts and some margin. */
const OUTAGE_BOUND_MS = 3_000;

const found = findPostgresBinaries();
const skip = 'skip' in found ? found.skip : false;

void describe('PostgreSQL store when its server fails (a server of its own)', { skip }, () => {
  let server: PrivatePostgres;
  let stores: PostgresStores;
  let manager: SessionManager;
  let token: string;
  const stored = faultSession(1);

  before(async () => {
    server = await startPrivatePostgres('bin' in found ? found.bin : '');
    stores = await openPostgresStores(server.url);
    await stores.users.insertUser(FAULT_USER);
    await stores.sessions.insertSession(stored);
    manager = new SessionManager(stores.sessions);
    ({ token } = await manager.createSession(FAULT_USER.id));
  });
  after(async () => {
    await stores.close();
    await server.close();
  });

  void it('rejects every method with STORE_UNAVAILABLE within 3 s while it is down', async () => {
    await server.crash();

    const calls = everyStoreCall(stores.sessions, stores.users);
    const results = await Promise.all(calls.map(([, call]) => timed(call)));

    for (const [index, [outcome, ms]] of results.entries()) {
      const name = calls[index]?.[0] ?? '';
      assert.deepEqual(outcome, { code: 'STORE_UNAVAILABLE' }, name);
      assert.ok(ms < OUTAGE_BOUND_MS, `${name} took ${ms.toFixed(0)} ms`);
    }
  });

  void it('fails a session check with STORE_UNAVAILABLE, never "no session"', async () => {
    const [outcome, ms] = await timed(() => manager.validateSession(token));

    assert.deepEqual(outcome, { code: 'STORE_UNAVAILABLE' });
    assert.ok(ms < OUTAGE_BOUND_MS);
  });

  void it('works again with the same store object once the server is back', async () => {
    await server.start();
    await waitForStore(() => stores.sessions.findSessionById(stored.id));

    assert.equal((await manager.validateSession(token))?.session.userId, FAULT_USER.id);
    assert.deepEqual(await stores.sessions.findSessionById(stored.id), stored);
    assert.deepEqual(await stores.users.findUserById(FAULT_USER.id), FAULT_USER);
  });

  void it('answers checks racing a crash with the session or STORE_UNAVAILABLE only', async (t) => {
    const counts = await validateUnderDisruption(manager, token, () => server.crash());
    t.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(counts))}`);

    assert.deepEqual([...counts.keys()].sort(), ['STORE_UNAVAILABLE', 'valid']);
    await server.start();
    await waitForStore(() => manager.validateSession(token));
    assert.equal((await manager.validateSession(token))?.session.userId, FAULT_USER.id);
  });
});

void describe('PostgreSQL store facing a server that never answers', () => {
  void it('fails to open within 3 s with STORE_UNAVAILABLE', async () => {
    const silent = await startSilentServer();
    try {
      const url = `postgres://postgres@127.0.0.1:${String(silent.port)}/postgres`;
      const [outcome, ms] = await timed(() => openPostgresStores(url));

      assert.deepEqual(outcome, { code: 'STORE_UNAVAILABLE' });
      assert.ok(ms < OUTAGE_BOUND_MS, `took ${ms.toFixed(0)} ms`);
    } finally {
      await silent.close();
    }
  });

  void it('fails to open within 3 s when the URL names no valid port', async () => {
    // pg never ends its pool after this failure: waiting for it left the process with nothing
    // pending, which Node ends (exit code 13) without a word from the CLI.
    const url = 'postgres://postgres@127.0.0.1:1/postgres?port=not-a-number';
    const [outcome, ms] = await timed(() => openPostgresStores(url));

    assert.deepEqual(outcome, { code: 'STORE_UNAVAILABLE' });
    assert.ok(ms < OUTAGE_BOUND_MS, `took ${ms.toFixed(0)} ms`);
  });

  void it('fails each call within 3 s when opened without migrating', async () => {
    const silent = await startSilentServer();
    const url = `postgres://postgres@127.0.0.1:${String(silent.port)}/postgres`;
    const stores = await openPostgresStores(url, { migrate: false });
    try {
      const [outcome, ms] = await timed(() => stores.sessions.findSessionById('session-1'));

      assert.deepEqual(outcome, { code: 'STORE_UNAVAILABLE' });
      assert.ok(ms < OUTAGE_BOUND_MS, `took ${ms.toFixed(0)} ms`);
    } finally {
      await stores.close();
      await silent.close();
    }
  });
});
