import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';

import { startLatchkeyProcess } from '../support/latchkey-process.js';
import { waitUntil } from '../support/processes.js';
import { errorCode, send } from '../support/server.js';
import { PASSWORD, loginUser, registerUser, uniqueEmail } from '../support/users.js';
import { describeCounts, runLoad } from './load.js';

import type { LatchkeyProcess } from '../support/latchkey-process.js';
import type { TestResponse } from '../support/server.js';
import type { HeldSession } from '../support/users.js';
import type { Probe } from './load.js';

/** A store server of the test's own, which it may crash and restart on the same port. */
export interface PrivateStore {
  /** The `--store` value for Latchkey. */
  store: string;
  /** Crashes the server and waits until it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port, with the data it had. */
  restart(): Promise<void>;
  /** Stops it for good and removes its files. */
  close(): Promise<void>;
}

const PATHS = ['/api/secure-data', '/auth/session'] as const;
/** When the store is killed, after the load starts. Unit: milliseconds. */
const KILL_AFTER_MS = 1_500;
/** How long the store stays down. Unit: milliseconds. */
const DOWN_FOR_MS = 2_000;

/**
 * One `latchkey serve` process on a private store server that is crashed under load, kept
 * down about two seconds and restarted on the same port, while Latchkey keeps running.
 */
export function describeStoreOutage(
  title: string,
  options: { skip: string | false; startStore: () => Promise<PrivateStore> },
): void {
  void describe(title, { skip: options.skip }, () => {
    let store: PrivateStore | undefined;
    let server: LatchkeyProcess | undefined;
    const live: HeldSession[] = [];
    let bystander: HeldSession;
    const dead: string[] = [];
    const url = (): string => server?.url ?? '';

    before(async () => {
      store = await options.startStore();
      server = await startLatchkeyProcess({ store: store.store });
      for (let n = 0; n < 3; n += 1) live.push(await registerUser(url()));
      bystander = await registerUser(url());
      const gone = await registerUser(url());
      const logout = await send(url(), 'POST', '/auth/logout', {
        cookie: gone.cookie,
        headers: { origin: url() },
      });
      assert.equal(logout.status, 200, logout.text);
      dead.push(gone.cookie, `__Host-auth_token=${randomBytes(32).toString('base64url')}`);
    });
    after(async () => {
      await server?.stop();
      await store?.close();
    });

    void it('answers 200 for the right user or 503 STORE_UNAVAILABLE under load, never 401', async (t) => {
      const probes: Probe[] = [
        ...live.flatMap((user) =>
          PATHS.map((path) => ({ path, cookie: user.cookie, email: user.email })),
        ),
        ...dead.flatMap((cookie) => PATHS.map((path) => ({ path, cookie, email: null }))),
      ];

      const [load, outage] = await Promise.all([runLoad(url(), probes), disrupt()]);

      t.diagnostic(`${load.total} requests: ${describeCounts(load.counts)}`);
      const afterOutage = load.authorisedAfterLastOutage;
      t.diagnostic(
        `store down ${outage.downMs.toFixed(0)} ms, ${afterOutage} 200s after the last 503`,
      );
      assert.deepEqual(load.violations, []);
      assert.ok((load.counts.get('live 503 STORE_UNAVAILABLE') ?? 0) > 0, 'the outage was seen');
      assert.ok(afterOutage > 0, 'sessions were accepted again during the load');
      assert.equal(server?.running(), true, 'the same Latchkey process throughout');
      for (const [what, response] of Object.entries(outage.answers)) {
        assert.equal(response.status, 503, `${what}: ${response.text}`);
        assert.equal(errorCode(response.body), 'STORE_UNAVAILABLE', what);
        assert.deepEqual(response.setCookies, [], `${what} sets no cookie`);
      }
    });

    void it('accepts the same cookies once the store is back, and keeps dead ones dead', async () => {
      const everyone = [...live, bystander];
      await waitUntil(
        'the store to be back',
        async () => (await status('/auth/session', live[0]?.cookie)) === 200,
      );

      for (const user of everyone) {
        for (const path of PATHS) assert.equal(await status(path, user.cookie), 200, user.email);
      }
      for (const cookie of dead) {
        for (const path of PATHS) assert.equal(await status(path, cookie), 401, path);
      }
    });

    void it('keeps no session from a login refused during the outage', async () => {
      const sessions = await send(url(), 'GET', '/auth/sessions', {
        cookie: live[0]?.cookie ?? '',
      });
      assert.equal(sessions.status, 200, sessions.text);
      assert.deepEqual(
        (sessions.body as { sessions: { id: string }[] }).sessions.map((session) => session.id),
        [live[0]?.sessionId],
      );

      const again = await loginUser(url(), live[0]?.email ?? '');
      assert.equal(await status('/api/secure-data', again.cookie), 200);
    });

    /** Kills the store, tries a login, a registration and a logout, then restarts it. */
    async function disrupt(): Promise<{ downMs: number; answers: Record<string, TestResponse> }> {
      await delay(KILL_AFTER_MS);
      await store?.kill();
      const downAt = performance.now();

      const answers = {
        login: await send(url(), 'POST', '/auth/login', {
          json: { email: live[0]?.email, password: PASSWORD },
        }),
        registration: await send(url(), 'POST', '/auth/register', {
          json: { email: uniqueEmail('outage'), password: PASSWORD },
        }),
        logout: await send(url(), 'POST', '/auth/logout', {
          cookie: bystander.cookie,
          headers: { origin: url() },
        }),
      };

      await delay(Math.max(0, DOWN_FOR_MS - (performance.now() - downAt)));
      await store?.restart();
      return { downMs: performance.now() - downAt, answers };
    }

    async function status(path: string, cookie: string | undefined): Promise<number> {
      return (await send(url(), 'GET', path, { cookie: cookie ?? '' })).status;
    }
  });
}
