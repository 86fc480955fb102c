import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { auditSetCookies, isLoginName } from '../../src/cookie/audit.js';
import { findCorpus } from '../support/corpora.js';
import { send, startTestServer } from '../support/server.js';

import type { AuditFindingCode } from '../../src/cookie/audit.js';
import type { TestServer } from '../support/server.js';

const NOW = Date.UTC(2026, 11, 6);
const TOKEN = 'Q2hvb3NlIGEgcmFuZG9tIHRva2VuIG9mIDMyIGJ5dGVz';

function codesOf(line: string, from?: string): AuditFindingCode[] {
  const [audit] = auditSetCookies([{ line, from }], { now: NOW });
  return (audit?.findings ?? []).map((finding) => finding.code).sort();
}

describe('auditSetCookies', () => {
  it('says what is unsafe about each kept cookie, and how much it matters', () => {
    const cases: [string, string | undefined, AuditFindingCode[]][] = [
      [`__Host-sid=${TOKEN}; Path=/; Secure; HttpOnly; SameSite=Strict`, 'https://a.example/', []],
      [
        `sid=${TOKEN}; Path=/; Secure; HttpOnly; SameSite=Lax`,
        'https://a.example/',
        ['HOST_PREFIX_POSSIBLE'],
      ],
      [
        'session=abc',
        'http://a.example/login',
        ['READABLE_BY_SCRIPTS', 'SAMESITE_MISSING', 'SENT_OVER_HTTP', 'SHORT_SESSION_VALUE'],
      ],
      [
        'theme=dark; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=Lax',
        'https://app.example.com/',
        ['DOMAIN_WIDENS_SCOPE'],
      ],
      [
        `auth=${TOKEN}; Max-Age=31536000; Path=/; Secure; HttpOnly; SameSite=None`,
        'https://a.example/',
        ['HOST_PREFIX_POSSIBLE', 'LONG_LIVED_SESSION', 'SAMESITE_NONE'],
      ],
      [
        `sid=${TOKEN}; Path=/account; Secure; HttpOnly; SameSite=Bogus`,
        'https://a.example/',
        ['ATTRIBUTE_IGNORED', 'PATH_NOT_A_BOUNDARY', 'SAMESITE_MISSING'],
      ],
      ['sid=; Max-Age=0; Path=/', 'https://a.example/', ['DELETES_COOKIE']],
      ['sid=x; SameSite=None', 'https://a.example/', ['REJECTED']],
      [`__Host-sid=${TOKEN}; Path=/; Secure; Domain=a.example`, 'https://a.example/', ['REJECTED']],
      ['sid=x; Domain=other.example', 'https://a.example/', ['REJECTED']],
    ];
    for (const [line, from, expected] of cases) {
      assert.deepEqual(codesOf(line, from), [...expected].sort(), line);
    }
  });

  it('treats a missing HttpOnly or Secure as an error on a session-like name only', () => {
    const [session, theme] = auditSetCookies(
      [{ line: `sid=${TOKEN}; SameSite=Lax` }, { line: 'theme=dark; SameSite=Lax' }],
      { now: NOW },
    );
    const severity = (code: string, audit: typeof session) =>
      audit?.findings.find((finding) => finding.code === code)?.severity;
    assert.equal(severity('READABLE_BY_SCRIPTS', session), 'error');
    assert.equal(severity('SENT_OVER_HTTP', session), 'error');
    assert.equal(severity('READABLE_BY_SCRIPTS', theme), 'warning');
    assert.equal(severity('SENT_OVER_HTTP', theme), 'warning');
  });

  it('in one response: one cookie set twice, and two cookies of one name side by side', () => {
    const from = 'https://app.a.example/';
    const flags = '; Secure; HttpOnly; SameSite=Lax';
    const codes = (lines: { line: string; response?: number }[]) =>
      auditSetCookies(
        lines.map((line) => ({ ...line, from })),
        { now: NOW },
      ).map((audit) =>
        audit.findings
          .map((finding) => finding.code)
          .filter((code) => code === 'SET_TWICE' || code === 'SAME_NAME_TWICE'),
      );
    assert.deepEqual(codes([{ line: `a=1; Path=/${flags}` }, { line: `a=2; Path=/${flags}` }]), [
      ['SET_TWICE'],
      [],
    ]);
    // Chromium keeps both of these, and sends both.
    assert.deepEqual(
      codes([{ line: `a=1; Path=/${flags}` }, { line: `a=2; Path=/; Domain=a.example${flags}` }]),
      [['SAME_NAME_TWICE'], ['SAME_NAME_TWICE']],
    );
    assert.deepEqual(codes([{ line: `a=1; Path=/${flags}` }, { line: `a=2; Path=/x${flags}` }]), [
      ['SAME_NAME_TWICE'],
      ['SAME_NAME_TWICE'],
    ]);
    assert.deepEqual(
      codes([{ line: `a=1; Path=/${flags}` }, { line: `a=2; Path=/; Partitioned${flags}` }]),
      [['SAME_NAME_TWICE'], ['SAME_NAME_TWICE']],
    );
    // Setting the cookie and then deleting it in the same response leaves none.
    const deleted = auditSetCookies(
      [
        { line: `a=1; Path=/${flags}`, from },
        { line: `a=; Path=/; Max-Age=0${flags}`, from },
      ],
      { now: NOW },
    );
    assert.match(
      deleted[0]?.findings.find((finding) => finding.code === 'SET_TWICE')?.message ?? '',
      /deleted by a later line/,
    );
    // Deleting one cookie of the name and setting another leaves one: nothing to say.
    assert.deepEqual(
      codes([{ line: `a=; Path=/app; Max-Age=0${flags}` }, { line: `a=2; Path=/${flags}` }]),
      [[], []],
    );
    // A later response setting it again renews it: nothing to say.
    assert.deepEqual(
      codes([
        { line: `a=1; Path=/${flags}`, response: 0 },
        { line: `a=2; Path=/${flags}`, response: 1 },
      ]),
      [[], []],
    );
  });

  it('judges expiry as of when the line was received', () => {
    const line = 'sid=abc; Path=/; Expires=Sun, 01 Nov 2026 10:00:00 GMT';
    const [then] = auditSetCookies([{ line, receivedAt: Date.UTC(2026, 9, 1) }], { now: NOW });
    const [today] = auditSetCookies([{ line }], { now: NOW });
    assert.ok(then?.findings.some((finding) => finding.code === 'READABLE_BY_SCRIPTS'));
    assert.deepEqual(
      today?.findings.map((finding) => finding.code),
      ['DELETES_COOKIE'],
    );
  });

  it('an Expires beside a Max-Age that counts is only information', () => {
    const [both] = auditSetCookies(
      [{ line: `sid=${TOKEN}; Max-Age=600; Expires=Sun, 06 Dec 2026 00:10:00 GMT; Secure` }],
      { now: NOW },
    );
    const ignored = both?.findings.find((finding) => finding.code === 'ATTRIBUTE_IGNORED');
    assert.equal(ignored?.severity, 'info');
    const [badAge] = auditSetCookies(
      [{ line: `sid=${TOKEN}; Max-Age=x; Expires=Sun, 06 Dec 2026 00:10:00 GMT; Secure` }],
      { now: NOW },
    );
    assert.ok(
      badAge?.findings.every(
        (finding) => finding.code !== 'ATTRIBUTE_IGNORED' || finding.severity === 'warning',
      ),
    );
  });

  it('says when a browser keeps a cookie 400 days instead of the longer lifetime asked for', () => {
    const flags = 'Path=/; Secure; HttpOnly; SameSite=Lax';
    const message = (line: string) =>
      auditSetCookies([{ line }], { now: NOW })[0]?.findings.find(
        (finding) => finding.code === 'LIFETIME_CAPPED',
      )?.message;
    const tenYears = 10 * 365 * 86_400;
    assert.match(message(`theme=dark; Max-Age=${String(tenYears)}; ${flags}`) ?? '', /3650 days/);
    assert.match(
      message(`theme=dark; Expires=Thu, 01 Jan 2037 00:00:00 GMT; ${flags}`) ?? '',
      /3679 days/,
    );
    assert.match(message(`theme=dark; Max-Age=${'9'.repeat(400)}; ${flags}`) ?? '', /a million/);
    // The one that counts: Max-Age over Expires, the last Max-Age over earlier ones.
    const expires = 'Expires=Thu, 01 Jan 2037 00:00:00 GMT';
    assert.equal(message(`theme=dark; ${expires}; Max-Age=600; ${flags}`), undefined);
    assert.equal(message(`theme=dark; Max-Age=600; ${expires}; ${flags}`), undefined);
    assert.equal(
      message(`theme=dark; Max-Age=${String(tenYears)}; Max-Age=600; ${flags}`),
      undefined,
    );
    assert.notEqual(
      message(`theme=dark; Max-Age=600; Max-Age=${String(tenYears)}; ${flags}`),
      undefined,
    );
    assert.match(message(`theme=dark; Max-Age=34560001; ${flags}`) ?? '', /a little over 400 days/);
    // Exactly 400 days is kept as asked; a deletion is a deletion.
    assert.equal(message(`theme=dark; Max-Age=34560000; ${flags}`), undefined);
    assert.equal(message(`theme=dark; Max-Age=-${String(tenYears)}; ${flags}`), undefined);
    const [kept] = auditSetCookies(
      [{ line: `theme=dark; Max-Age=${String(tenYears)}; ${flags}` }],
      {
        now: NOW,
      },
    );
    assert.equal(kept?.stored?.expires?.getTime(), NOW + 34_560_000_000);
  });

  it('tells login cookies by the words of their names', () => {
    const logins = ['PHPSESSID', 'JSESSIONID', 'connect.sid', 'sessionid', '_app_session'];
    logins.push('__Host-auth_token', 'authToken', 'next-auth.session-token', 'remember_user_token');
    logins.push('.AspNetCore.Cookies', '.AspNetCore.Identity.Application', 'KEYCLOAK_IDENTITY');
    logins.push('wordpress_logged_in_0123', 'access_token');
    logins.push('.ASPXAUTH', 'SSESS0123abcd', 'wordpress_sec_0123', '_oauth2_proxy');
    const others = ['csrftoken', 'XSRF-TOKEN', '.AspNetCore.Antiforgery.x', 'sidebar_state'];
    others.push('author_theme', 'presidential_poll', 'assessment_id', 'consent', 'theme');
    for (const name of logins) assert.equal(isLoginName(name), true, name);
    for (const name of others) assert.equal(isLoginName(name), false, name);
  });

  it('never puts a cookie value in what it returns', () => {
    const value = 'SECRETvalue0123456789abcdefghijklmnop';
    const lines = [
      `sid=${value}; Path=/; SameSite=Lax`,
      `sid=${value}; SameSite=None`,
      `sid=${value}; Expires=not a date; Max-Age=x`,
    ];
    const text = JSON.stringify(
      auditSetCookies(
        lines.map((line) => ({ line })),
        { now: NOW },
      ),
    );
    assert.doesNotMatch(text, /SECRETvalue/);
    assert.match(text, /"valueLength":37/);
  });

  const corpus = findCorpus('real-world/top-set-cookie.json');
  it(
    'audits every Set-Cookie line of the real-world corpus without throwing',
    'skip' in corpus ? { skip: corpus.skip } : {},
    () => {
      if (!('path' in corpus)) return;
      const sites = JSON.parse(readFileSync(corpus.path, 'utf8')) as Record<string, string[]>;
      const lines = Object.entries(sites).flatMap(([site, values]) =>
        values.map((line) => ({ line, from: `https://www.${site}/` })),
      );
      const audits = auditSetCookies(lines, { now: NOW });
      assert.equal(audits.length, lines.length);
      for (const audit of audits) {
        assert.equal(audit.stored === null, audit.rejection !== null);
        if (audit.stored === null) assert.equal(audit.findings[0]?.code, 'REJECTED');
      }
    },
  );
});

describe("Latchkey's own cookies under the audit", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('the session and device cookies of a real login raise no error and no warning', async () => {
    const response = await send(server.url, 'POST', '/auth/register', {
      json: { email: 'audited@example.com', password: 'correct horse battery staple' },
    });
    assert.equal(response.status, 201);
    assert.equal(response.setCookies.length, 2);
    const audits = auditSetCookies(
      response.setCookies.map((line) => ({ line, from: `${server.url}/auth/register` })),
    );
    for (const audit of audits) {
      assert.notEqual(audit.stored, null, audit.name);
      assert.deepEqual(audit.findings, [], audit.name);
    }
  });
});
