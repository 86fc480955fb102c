import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createLatchkey } from '../../src/http/latchkey.js';
import { MemorySessionStore, MemoryUserStore } from '../../src/stores/memory/index.js';
import { ManualClock } from '../support/clock.js';
import { makeKey, signProof } from './proof-signer.js';
import {
  ORIGIN,
  PASSWORD,
  SECRET,
  boundSession,
  challengeOf,
  es384Proof,
  header,
  latestEmail,
  pair,
  readOffer,
  refresh,
  register,
  registerUser,
  request,
  setCookies,
  whoAmI,
  world,
} from './route-harness.js';

describe('DBSC over the auth routes', () => {
  it('a login over HTTPS offers registration with both algorithms, a challenge and an authorization', async () => {
    const w = world();
    const { offer } = await registerUser(w);
    const params = readOffer(offer);
    assert.equal(params.path, 'dbsc/register');
    assert.ok(params.challenge.length > 40);
    assert.ok(params.authorization.length > 20);
  });

  it('no offer over plain HTTP, nor when DBSC is off', async () => {
    const w = world();
    assert.equal((await registerUser(w, 'http')).offer, undefined);
    const off = createLatchkey({
      sessionStore: new MemorySessionStore(),
      userStore: new MemoryUserStore(),
      secrets: [SECRET],
    });
    const response = await off.handleAuthRoute(
      request(
        'POST',
        '/auth/register',
        { 'content-type': 'application/json' },
        JSON.stringify({ email: 'off@example.com', password: PASSWORD }),
      ),
    );
    assert.equal(header(response, 'Secure-Session-Registration'), undefined);
    const route = await off.handleAuthRoute(request('POST', '/auth/dbsc/register'));
    assert.equal(route?.status, 404);
  });

  it('registration answers the session instructions and a short-lived bound cookie', async () => {
    const w = world();
    const { registered, id, key } = await boundSession(w);
    const body = JSON.parse(registered.body) as Record<string, unknown>;
    assert.deepEqual(body, {
      session_identifier: id,
      refresh_url: 'refresh',
      scope: { origin: ORIGIN, include_site: false, scope_specification: [] },
      credentials: [
        {
          type: 'cookie',
          name: '__Host-auth_bound',
          attributes: 'Path=/; Secure; HttpOnly; SameSite=Lax',
        },
      ],
    });
    assert.equal(id.length, 43);
    assert.notEqual(id, key.jwk.x);
    const line = setCookies(registered).find((value) => value.startsWith('__Host-auth_bound='));
    assert.match(line ?? '', /; Max-Age=600; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
  });

  it('stolen session cookie: once bound, the long-lived token alone is refused', async () => {
    const w = world();
    const { session, bound } = await boundSession(w);
    // For a few seconds after registration the token passes alone: the browser stores the
    // bound cookie a moment after the answer, and does not hold its requests meanwhile.
    assert.equal(await whoAmI(w, session), true);
    w.clock.advanceSeconds(11);
    assert.equal(await whoAmI(w, `${session}; ${bound}`), true);
    assert.equal(await whoAmI(w, session), false);
  });

  it('stolen session cookie: refused requests do not keep the bound session alive', async () => {
    const clock = new ManualClock(Date.now());
    const latchkey = createLatchkey({
      sessionStore: new MemorySessionStore(),
      userStore: new MemoryUserStore(),
      secrets: [SECRET],
      clock: clock.now,
      session: { idleTimeoutSeconds: 3600 },
      dbsc: { enabled: true },
    });
    const w = { latchkey, clock, store: new MemorySessionStore() };
    const { session } = await boundSession(w);
    // A thief presents the token alone every 50 minutes, for five hours.
    for (let hour = 0; hour < 6; hour += 1) {
      clock.advanceSeconds(3000);
      assert.equal(await whoAmI(w, session), false);
    }
    const listed = await latchkey.context.sessions.listUserSessions(
      (await latchkey.context.accounts.getUserByEmail(latestEmail()))?.id ?? '',
    );
    assert.deepEqual(listed, [], 'the idle timeout ended the session');
  });

  it('a bound cookie of one session is no good for another, even with the same key', async () => {
    const w = world();
    const key = await makeKey();
    const first = await boundSession(w, key);
    const second = await boundSession(w, key);
    assert.equal(first.id, second.id, 'one key, one DBSC identifier');
    w.clock.advanceSeconds(11);
    assert.equal(await whoAmI(w, `${second.session}; ${second.bound}`), true);
    assert.equal(await whoAmI(w, `${second.session}; ${first.bound}`), false);
  });

  it('stolen bound cookie: it stops working when it expires, and only a proof renews it', async () => {
    const w = world({ lifetime: 60 });
    const { session, bound, id, key } = await boundSession(w);
    const stolen = `${session}; ${bound}`;
    assert.equal(await whoAmI(w, stolen), true);
    w.clock.advanceSeconds(61);
    assert.equal(await whoAmI(w, stolen), false);

    // The thief asks for a refresh: a challenge, which it cannot sign with the browser's key.
    const challenged = await refresh(w, session, id);
    assert.equal(challenged?.status, 403);
    const thief = await makeKey();
    assert.match(header(challenged, 'Secure-Session-Challenge') ?? '', new RegExp(`;id="${id}"$`));
    const forged = await refresh(
      w,
      session,
      id,
      await signProof(thief, { jti: challengeOf(challenged) }),
    );
    assert.equal(forged?.status, 403);
    assert.equal(setCookies(forged).length, 0);

    // The browser signs the same kind of challenge with its key and carries on.
    const next = challengeOf(await refresh(w, session, id));
    const renewed = await refresh(
      w,
      session,
      id,
      await signProof(key, { jti: next }, { jwk: null }),
    );
    assert.equal(renewed?.status, 200, renewed?.body);
    assert.equal(await whoAmI(w, `${session}; ${pair(renewed, '__Host-auth_bound')}`), true);
  });

  it('reused challenge: a refresh proof replayed is refused', async () => {
    const w = world();
    const { session, id, key } = await boundSession(w);
    const challenge = challengeOf(await refresh(w, session, id));
    const proof = await signProof(key, { jti: challenge }, { jwk: null });
    assert.equal((await refresh(w, session, id, proof))?.status, 200);
    // Refused: a 403 with a new challenge, and no cookie.
    const replay = await refresh(w, session, id, proof);
    assert.equal(replay?.status, 403);
    assert.equal(setCookies(replay).length, 0);
    assert.notEqual(challengeOf(replay), challenge);
  });

  it('reused challenge: a registration proof replayed cannot bind again', async () => {
    const w = world();
    const { session, offer } = await registerUser(w);
    const params = readOffer(offer);
    const key = await makeKey();
    const jwt = await signProof(key, {
      jti: params.challenge,
      authorization: params.authorization,
    });
    assert.equal((await register(w, session, jwt))?.status, 200);
    const replay = await register(w, session, jwt);
    assert.equal(replay?.status, 403);
    assert.match(replay.body, /CHALLENGE_REUSED/);
  });

  it('expired challenge: a refresh proof over a challenge past its minute gets no cookie', async () => {
    const w = world();
    const { session, id, key } = await boundSession(w);
    const challenge = challengeOf(await refresh(w, session, id));
    w.clock.advanceSeconds(61);
    const late = await refresh(
      w,
      session,
      id,
      await signProof(key, { jti: challenge }, { jwk: null }),
    );
    assert.equal(late?.status, 403);
    assert.equal(setCookies(late).length, 0);
    assert.notEqual(challengeOf(late), challenge);
  });

  it('challenge of another session: a refresh proof over it gets no cookie', async () => {
    const w = world();
    const first = await boundSession(w);
    const second = await boundSession(w, await makeKey());
    const foreign = challengeOf(await refresh(w, first.session, first.id));
    const proof = await signProof(second.key, { jti: foreign }, { jwk: null });
    const response = await refresh(w, second.session, second.id, proof);
    assert.equal(response?.status, 403);
    assert.equal(setCookies(response).length, 0);
  });

  it('expired challenge: a proof over a challenge past its minute is refused', async () => {
    const w = world();
    const { session, offer } = await registerUser(w);
    const params = readOffer(offer);
    w.clock.advanceSeconds(61);
    const key = await makeKey();
    const jwt = await signProof(key, {
      jti: params.challenge,
      authorization: params.authorization,
    });
    const response = await register(w, session, jwt);
    assert.equal(response?.status, 403);
    assert.match(response.body, /CHALLENGE_INVALID/);
    assert.equal(await whoAmI(w, session), true, 'the session stays usable, unbound');
  });

  it('challenge of another session: a proof lifted from one login binds nothing to another', async () => {
    const w = world();
    const first = await registerUser(w);
    const second = await registerUser(w);
    const params = readOffer(first.offer);
    const key = await makeKey();
    const jwt = await signProof(key, {
      jti: params.challenge,
      authorization: params.authorization,
    });
    const response = await register(w, second.session, jwt);
    assert.equal(response?.status, 403);
    assert.match(response.body, /SESSION_MISMATCH/);
  });

  it('wrong authorization claim: refused', async () => {
    const w = world();
    const { session, offer } = await registerUser(w);
    const params = readOffer(offer);
    const key = await makeKey();
    for (const authorization of [undefined, 'guess', `${params.authorization}x`]) {
      const claims =
        authorization === undefined
          ? { jti: params.challenge }
          : { jti: params.challenge, authorization };
      const response = await register(w, session, await signProof(key, claims));
      assert.equal(response?.status, 403);
      assert.match(response.body, /AUTHORIZATION_INVALID/);
    }
  });

  it('each bad proof is refused at registration: signature, typ, algorithm', async () => {
    const w = world();
    const { session, offer } = await registerUser(w);
    const params = readOffer(offer);
    const key = await makeKey();
    const claims = { jti: params.challenge, authorization: params.authorization };
    const good = await signProof(key, claims);
    const [head, body, signature] = good.split('.');
    const flipped = `${signature?.startsWith('A') === true ? 'B' : 'A'}${signature?.slice(1) ?? ''}`;
    const cases: [string, string][] = [
      [`${head}.${body}.${flipped}`, 'SIGNATURE_INVALID'],
      [await signProof(key, claims, { typ: 'JWT' }), 'PROOF_TYPE_INVALID'],
      [await es384Proof(claims), 'ALGORITHM_NOT_ALLOWED'],
      ['not a jwt', 'PROOF_MALFORMED'],
    ];
    for (const [jwt, reason] of cases) {
      const response = await register(w, session, jwt);
      assert.equal(response?.status, 403, reason);
      assert.match(response.body, new RegExp(reason));
    }
    assert.equal((await register(w, session, undefined))?.status, 403);
    // None of them used up the challenge: the real proof still binds.
    assert.equal((await register(w, session, good))?.status, 200);
  });

  it('a session binds once: a second key cannot replace the first', async () => {
    const w = world();
    const { session, bound } = await boundSession(w);
    const auth = await w.latchkey.requireUser(
      request('GET', '/', { cookie: `${session}; ${bound}` }),
    );
    assert.ok(auth.ok);
    const bindAgain = await w.latchkey.context.sessions.bindSession(auth.auth.session.id, {
      algorithm: 'ES256',
      publicKey: (await makeKey()).jwk,
    });
    assert.equal(bindAgain, null);
    assert.equal(await whoAmI(w, `${session}; ${bound}`), true, 'the first key still holds');
  });

  it('refresh for a session that ended tells the browser to stop (continue: false)', async () => {
    const w = world();
    const { session, bound, id } = await boundSession(w);
    const out = await w.latchkey.handleAuthRoute(
      request('POST', '/auth/logout', { cookie: `${session}; ${bound}` }),
    );
    assert.equal(out?.status, 200);
    assert.ok(setCookies(out).some((line) => line.startsWith('__Host-auth_bound=;')));
    const response = await refresh(w, session, id);
    assert.equal(response?.status, 200);
    assert.deepEqual(JSON.parse(response.body), { session_identifier: id, continue: false });
  });

  it('a refresh for a stale DBSC session leaves the live bound session its cookie', async () => {
    const w = world();
    const old = await boundSession(w);
    const current = await boundSession(w);
    const response = await refresh(w, `${current.session}; ${current.bound}`, old.id);
    assert.deepEqual(JSON.parse(response?.body ?? '{}'), {
      session_identifier: old.id,
      continue: false,
    });
    assert.deepEqual(setCookies(response), []);
  });

  it('refresh with the key but another session cookie is refused (a key is not a session)', async () => {
    const w = world();
    const first = await boundSession(w);
    const other = await registerUser(w);
    const response = await refresh(w, other.session, first.id);
    assert.deepEqual(JSON.parse(response?.body ?? '{}'), {
      session_identifier: first.id,
      continue: false,
    });
  });

  it('a browser without DBSC keeps working with its session cookie alone', async () => {
    const w = world();
    const { session } = await registerUser(w);
    w.clock.advanceSeconds(3600);
    assert.equal(await whoAmI(w, session), true);
  });

  it('refuses to start with DBSC on and an insecure cookie', () => {
    assert.throws(
      () =>
        createLatchkey({
          sessionStore: new MemorySessionStore(),
          userStore: new MemoryUserStore(),
          secrets: [SECRET],
          cookie: { secure: false, name: 'auth_token' },
          dbsc: { enabled: true },
        }),
      /dbsc\.enabled/,
    );
    assert.throws(
      () =>
        createLatchkey({
          sessionStore: new MemorySessionStore(),
          userStore: new MemoryUserStore(),
          secrets: [SECRET],
          dbsc: { enabled: true, cookieLifetimeSeconds: 5 },
        }),
      /dbsc\.cookieLifetimeSeconds/,
    );
    // The bound cookie would overwrite the session cookie (or the device cookie).
    for (const name of ['__Host-auth_token', '__Host-latchkey_device']) {
      assert.throws(
        () =>
          createLatchkey({
            sessionStore: new MemorySessionStore(),
            userStore: new MemoryUserStore(),
            secrets: [SECRET],
            dbsc: { enabled: true, cookieName: name },
          }),
        /dbsc\.cookieName/,
        name,
      );
    }
    assert.throws(
      () =>
        createLatchkey({
          sessionStore: new MemorySessionStore(),
          userStore: new MemoryUserStore(),
          secrets: [SECRET],
          cookie: { name: '__Host-auth_bound' },
          dbsc: { enabled: true },
        }),
      /dbsc\.cookieName/,
    );
  });
});
