import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { usersCommand } from '../../src/cli/users.js';
import { createLatchkey } from '../../src/http/latchkey.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';
import { capturingIo } from '../support/cli-io.js';
import { ManualClock } from '../support/clock.js';
import { SECRET, jsonPost, registerIn } from '../support/in-process-accounts.js';
import { errorCode, send, startTestServer } from '../support/server.js';
import { PASSWORD, loginUser, logsIn, registerUser, sessionStatus } from '../support/users.js';

import type { Latchkey } from '../../src/http/latchkey.js';
import type { TestServer } from '../support/server.js';

const NEW_PASSWORD = 'a fresh passphrase after the reset';
const CHEAP = { memoryCostKib: 256, timeCost: 1, parallelism: 1 };

describe('password reset links', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  /** `latchkey users reset-link <email>` against the server's data folder: the link it prints. */
  async function resetLink(
    email: string,
    flags: Record<string, string | boolean> = {},
    action: 'reset-link' | 'add' = 'reset-link',
  ): Promise<string> {
    const { io, printed } = capturingIo();
    const given = { 'data-dir': server.dataDir, origin: server.url, ...flags };
    await usersCommand([action, email], given, io);
    const link = /^(http\S+)$/m.exec(printed())?.[1];
    assert.ok(link, printed());
    return link;
  }
  const reset = (token: string, newPassword = NEW_PASSWORD) =>
    send(server.url, 'POST', '/auth/password-reset', { json: { token, newPassword } });
  const tokenOf = (link: string): string => new URL(link).hash.replace(/^#reset=/, '');

  it('an administrator’s link lets the user set a password nobody else chose, once', async () => {
    const held = await registerUser(server.url);
    const other = await loginUser(server.url, held.email);
    const link = await resetLink(held.email);
    assert.equal(new URL(link).origin, server.url);
    assert.equal(new URL(link).pathname, '/', 'the demo page takes it from the fragment');

    const answer = await reset(tokenOf(link));

    assert.equal(answer.status, 200, answer.text);
    assert.equal(await logsIn(server.url, held.email, NEW_PASSWORD), true);
    assert.equal(await logsIn(server.url, held.email, PASSWORD), false);
    // Account takeover: whoever held the old password and a session is out.
    assert.equal(await sessionStatus(server.url, held.cookie), 401);
    assert.equal(await sessionStatus(server.url, other.cookie), 401);
    // Link replay: the password it set voided it.
    const again = await reset(tokenOf(link), 'yet another passphrase here');
    assert.equal(again.status, 400);
    assert.equal(errorCode(again.body), 'RESET_TOKEN_INVALID');
    assert.equal(await logsIn(server.url, held.email, NEW_PASSWORD), true);
    const logged = server.logs.filter((line) => line.event === 'user.password_reset');
    assert.equal(logged.length, 1);
    assert.equal(logged[0]?.endedSessions, 2);
    assert.doesNotMatch(server.rawLog(), new RegExp(tokenOf(link).split('.')[2] ?? '-'));
  });

  it('an invited account: the user chooses the first password, which nobody else knew', async () => {
    const email = 'invited@example.com';
    const link = await resetLink(email, { invite: true }, 'add');
    assert.equal(
      (await send(server.url, 'POST', '/auth/login', { json: { email, password: PASSWORD } }))
        .status,
      401,
    );
    assert.equal((await reset(tokenOf(link))).status, 200);
    assert.equal(await logsIn(server.url, email, NEW_PASSWORD), true);
  });

  it('forged reset token: a changed user, expiry or HMAC gets 400 and changes nothing', async () => {
    const victim = await registerUser(server.url);
    const mine = await registerUser(server.url);
    const [, expires = '', mac = ''] = tokenOf(await resetLink(mine.email)).split('.');
    // The two registrations just made, the victim's first.
    const registered = server.logs.filter((line) => line.event === 'user.registered');
    const victimId = String(registered.at(-2)?.userId);
    assert.match(victimId, /^[a-z0-9]{26}$/);
    const victimPart = Buffer.from(victimId, 'utf8').toString('base64url');
    for (const forged of [
      `${victimPart}.${expires}.${mac}`,
      'not-a-token',
      `${victimPart}.99999999999.${mac}`,
    ]) {
      const answer = await reset(forged);
      assert.equal(answer.status, 400, forged);
      assert.equal(errorCode(answer.body), 'RESET_TOKEN_INVALID');
    }
    assert.equal(await logsIn(server.url, victim.email), true);
    assert.equal(await sessionStatus(server.url, victim.cookie), 200);
    // The operator learns why (a link signed with another secret looks like this one).
    const refusals = server.logs.filter((line) => line.event === 'password_reset.refused');
    assert.ok(refusals.some((line) => line.reason === 'not_for_this_account'));
    assert.ok(refusals.some((line) => line.reason === 'malformed_or_expired'));
  });

  it('the link names the origin as the server takes it, and refuses one that is not', async () => {
    const held = await registerUser(server.url);
    const link = await resetLink(held.email, { origin: `${server.url.toUpperCase()}/` });
    assert.equal(link.split('#')[0], `${server.url}/`);
    await assert.rejects(
      resetLink(held.email, { origin: 'javascript:alert(1)//' }),
      /not an origin/,
    );
  });

  it('a password the policy refuses is refused, and the link still works after', async () => {
    const held = await registerUser(server.url);
    const token = tokenOf(await resetLink(held.email, { minutes: '5' }));
    const weak = await reset(token, 'short');
    assert.equal(weak.status, 400);
    assert.equal(errorCode(weak.body), 'PASSWORD_TOO_SHORT');
    assert.equal(await sessionStatus(server.url, held.cookie), 200, 'nothing ended yet');
    assert.equal((await reset(token)).status, 200);
  });

  it('a link mailed to an address the account has since left no longer works', async () => {
    const held = await registerUser(server.url);
    const token = tokenOf(await resetLink(held.email));
    const { io } = capturingIo();
    await usersCommand(
      ['set-email', held.email, `moved-${held.email}`],
      { 'data-dir': server.dataDir },
      io,
    );
    const answer = await reset(token);
    assert.equal(answer.status, 400);
    assert.equal(errorCode(answer.body), 'RESET_TOKEN_INVALID');
  });

  it('no link for a disabled account, and one made before the account was disabled fails', async () => {
    const held = await registerUser(server.url);
    const token = tokenOf(await resetLink(held.email));
    const { io } = capturingIo();
    await usersCommand(['disable', held.email], { 'data-dir': server.dataDir }, io);
    await assert.rejects(resetLink(held.email), /is disabled: enable it first/);
    const answer = await reset(token);
    assert.equal(answer.status, 400);
    assert.equal(errorCode(answer.body), 'RESET_TOKEN_INVALID');
  });
});

describe('Latchkey.issuePasswordReset', () => {
  function instance(clock: ManualClock): Latchkey {
    return createLatchkey({
      sessionStore: new MemorySessionStore(),
      userStore: new MemoryUserStore(),
      secrets: [SECRET],
      accounts: { argon2id: CHEAP },
      clock: clock.now,
    });
  }

  it('a token works until its lifetime is over, and not for an unknown user', async () => {
    const clock = new ManualClock();
    const latchkey = instance(clock);
    await registerIn(latchkey, 'kim@example.com');
    const user = await latchkey.context.accounts.getUserByEmail('kim@example.com');
    assert.ok(user);
    assert.equal(await latchkey.issuePasswordReset('no-such-user'), null);
    const token = await latchkey.issuePasswordReset(user.id, { lifetimeSeconds: 600 });
    assert.ok(token);

    clock.advanceSeconds(600);
    const late = await latchkey.handleAuthRoute(
      jsonPost('/auth/password-reset', { token, newPassword: NEW_PASSWORD }),
    );
    assert.equal(late?.status, 400);
    assert.equal(errorCode(JSON.parse(late.body)), 'RESET_TOKEN_INVALID');

    const fresh = await latchkey.issuePasswordReset(user.id);
    const answer = await latchkey.handleAuthRoute(
      jsonPost('/auth/password-reset', { token: fresh, newPassword: NEW_PASSWORD }),
    );
    assert.equal(answer?.status, 200, answer?.body);
  });

  it('refuses a lifetime over 7 days, naming it', async () => {
    const latchkey = instance(new ManualClock());
    await assert.rejects(
      latchkey.issuePasswordReset('any', { lifetimeSeconds: 8 * 86_400 }),
      (error) => (error as { option?: string }).option === 'lifetimeSeconds',
    );
  });
});
