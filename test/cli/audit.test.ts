import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { main } from '../../src/cli/main.js';
import { freePort } from '../support/processes.js';

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CliIo } from '../../src/cli/io.js';
import type { CookieAudit } from '../../src/cookie/audit.js';

const BIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'bin.ts');
const GOOD = '__Host-sid=Q2hvb3NlIGEgcmFuZG9tIHRva2Vu; Path=/; Secure; HttpOnly; SameSite=Lax';
const BAD = 'session=abc; Path=/';

async function audit(args: string[], input = '') {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (text) => (out += text),
    err: (text) => (err += text),
    readSecret: () => Promise.reject(new Error('no secrets here')),
    readInput: () => Promise.resolve(input),
    env: {},
  };
  const code = await main(['audit', ...args], io);
  return { code, out, err };
}

describe('latchkey audit', () => {
  let dir: string;
  let site: Server;
  let siteUrl: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-audit-'));
    site = createServer((_request, response) => {
      response.setHeader('Set-Cookie', [GOOD, BAD]);
      response.end('ok');
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/login`;
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await new Promise((resolve) => site.close(resolve));
  });

  it('exits 0 for lines without an error, and 1 when one is unsafe', async () => {
    const good = await audit([GOOD, '--from', 'https://app.example/']);
    assert.equal(good.code, 0, good.err);
    assert.match(good.out, /__Host-sid {2}\(from https:\/\/app\.example\/\)/);
    assert.match(good.out, /kept: host-only app\.example, Path=\/, until the browser closes/);
    assert.match(
      good.out,
      /1 line\(s\): 1 kept, 0 deleting, 0 ignored; 0 error\(s\), 0 warning\(s\)\./,
    );

    const bad = await audit([GOOD, BAD]);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /error {3}READABLE_BY_SCRIPTS/);
  });

  it('prints JSON with --json, and never a cookie value', async () => {
    const result = await audit([GOOD, BAD, '--json']);
    const audits = JSON.parse(result.out) as CookieAudit[];
    assert.deepEqual(
      audits.map((entry) => entry.name),
      ['__Host-sid', 'session'],
    );
    assert.doesNotMatch(result.out, /Q2hvb3Nl|abc/);
  });

  it('reads a header dump from standard input with "-"', async () => {
    const dump =
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n' +
      `Set-Cookie: ${GOOD}\r\nset-cookie: ${BAD}\r\n\r\nbody`;
    const result = await audit(['-', '--from', 'https://app.example/', '--json'], dump);
    const audits = JSON.parse(result.out) as CookieAudit[];
    assert.deepEqual(
      audits.map((entry) => [entry.name, entry.from]),
      [
        ['__Host-sid', 'https://app.example/'],
        ['session', 'https://app.example/'],
      ],
    );
  });

  it('reads every Set-Cookie of a HAR file, each with its request URL', async () => {
    const file = join(dir, 'site.har');
    const entry = (url: string, headers: { name: string; value: string }[]) => ({
      request: { method: 'GET', url, headers: [] },
      response: { status: 200, headers },
    });
    writeFileSync(
      file,
      JSON.stringify({
        log: {
          entries: [
            entry('https://app.example/login', [
              { name: 'set-cookie', value: `${GOOD}\n${BAD}` },
              { name: 'Content-Type', value: 'text/html' },
            ]),
            entry('https://cdn.example/x.js', [
              { name: 'Set-Cookie', value: 'a=1; Domain=app.example' },
            ]),
            { request: null, response: 7 },
          ],
        },
      }),
    );
    const result = await audit(['--har', file, '--json']);
    const audits = JSON.parse(result.out) as CookieAudit[];
    assert.deepEqual(
      audits.map((entry) => [entry.name, entry.from, entry.rejection]),
      [
        ['__Host-sid', 'https://app.example/login', null],
        ['session', 'https://app.example/login', null],
        ['a', 'https://cdn.example/x.js', 'DOMAIN_MISMATCH'],
      ],
    );
    assert.equal(result.code, 1);

    writeFileSync(file, '{"not": "a HAR file"}');
    const notHar = await audit(['--har', file]);
    assert.equal(notHar.code, 3);
    assert.match(notHar.err, /no log\.entries: not a HAR file/);

    // A file of cookie lines given as a HAR: JSON.parse would quote them in its message.
    writeFileSync(file, 'sid=SUPERSECRETVALUE12; Path=/\n');
    const notJson = await audit(['--har', file]);
    assert.equal(notJson.code, 3);
    assert.match(notJson.err, /Cannot read .* as a HAR file: it is not JSON\./);
    assert.doesNotMatch(notJson.err, /SUPERS/);
    const missing = await audit(['--har', join(dir, 'nothing-here.har')]);
    assert.equal(missing.code, 3);
    assert.match(missing.err, /Cannot open .*nothing-here\.har: there is no such file\.\n$/);
    const folder = await audit(['--har', dir]);
    assert.equal(folder.code, 3);
    assert.match(folder.err, /: it is a folder\.\n$/);
  });

  it("judges a HAR's lines as of their response's time, within their response", async () => {
    const file = join(dir, 'old.har');
    const entry = (url: string, started: string, values: string[]) => ({
      startedDateTime: started,
      request: { url },
      response: { headers: values.map((value) => ({ name: 'Set-Cookie', value })) },
    });
    const line = 'sid=abc; Path=/; Expires=Sun, 01 Nov 2026 10:00:00 GMT';
    writeFileSync(
      file,
      JSON.stringify({
        log: {
          entries: [
            entry('https://app.example/', '2026-10-01T10:00:00Z', [line]),
            entry('https://app.example/', '2026-10-01T10:05:00Z', [line]),
          ],
        },
      }),
    );
    const result = await audit(['--har', file, '--json']);
    assert.equal(result.code, 1, 'the errors of the time it was set');
    const audits = JSON.parse(result.out) as CookieAudit[];
    for (const entry of audits) {
      const codes = entry.findings.map((finding) => finding.code);
      assert.ok(codes.includes('READABLE_BY_SCRIPTS'), codes.join());
      assert.ok(!codes.includes('DELETES_COOKIE'), codes.join());
      assert.ok(!codes.includes('SET_TWICE'), 'renewed by a later response, not set twice');
    }
  });

  it("takes a dump's Set-Cookie fields only: folded lines joined, bodies left out", async () => {
    const noCookie = await audit(
      ['-'],
      'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nSet-Cookie2: sid=abc; Version=1\r\n\r\n' +
        '<html>token=abcdef</html>\r\n',
    );
    assert.equal(noCookie.code, 0);
    assert.equal(noCookie.out, 'No Set-Cookie lines found.\n');

    const folded = await audit(
      ['-', '--json'],
      'HTTP/1.1 302 Found\r\nSet-Cookie: __Host-sid=Q2hvb3NlIGEgcmFuZG9tIHRva2Vu;\r\n' +
        '  Path=/; Secure; HttpOnly; SameSite=Lax\r\nLocation: /next\r\n\r\n' +
        `HTTP/1.1 200 OK\r\nSet-Cookie: ${GOOD}\r\n\r\nSet-Cookie: body=1\r\n`,
    );
    assert.equal(folded.code, 0, folded.out);
    const audits = JSON.parse(folded.out) as CookieAudit[];
    assert.equal(audits.length, 2);
    assert.deepEqual(audits[0]?.findings, [], 'one per response: not set twice');
    assert.equal(audits.at(0)?.stored?.httpOnly, true);
  });

  it("follows a dump's redirects: each response judged from its Location's URL", async () => {
    const dump =
      'HTTP/1.1 301 Moved Permanently\r\n' +
      'Location: https://www.example.com/start?code=ONETIMECODE\r\n\r\n' +
      `HTTP/1.1 200 OK\r\nSet-Cookie: ${GOOD}\r\n\r\n`;
    const result = await audit(['-', '--from', 'http://www.example.com/', '--json'], dump);
    assert.equal(result.code, 0, result.out);
    const audits = JSON.parse(result.out) as CookieAudit[];
    assert.equal(audits[0]?.from, 'https://www.example.com/start');
    assert.equal(audits.at(0)?.rejection, null);
    assert.doesNotMatch(result.out, /ONETIMECODE/);

    // An early answer (103) or a challenge (401) keeps the URL: the checks still apply after it.
    for (const early of [
      'HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n',
      'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm="x"\r\n\r\n',
    ]) {
      const cookie =
        'sid=abcdefghijklmnopqrstuvwxyz; Domain=evil.example; Path=/; Secure; HttpOnly';
      const tossed = `${early}HTTP/1.1 200 OK\r\nSet-Cookie: ${cookie}; SameSite=Lax\r\n\r\n`;
      const checked = await audit(['-', '--from', 'https://a.example/', '--json'], tossed);
      assert.equal(checked.code, 1, early);
      assert.equal((JSON.parse(checked.out) as CookieAudit[])[0]?.rejection, 'DOMAIN_MISMATCH');
    }

    const withPassword = await audit(
      ['-', '--from', 'https://user:PASSWORD1@a.example/', '--json'],
      `HTTP/1.1 200 OK\r\nSet-Cookie: ${GOOD}\r\n\r\n`,
    );
    assert.doesNotMatch(withPassword.out, /PASSWORD1/);
  });

  it('never prints a value, from joined lines or a value cut at a ";" either', async () => {
    for (const line of [
      'a=1; Path=/, sid=SECRETVALUE123456; HttpOnly; Secure',
      'a=1; Path=/x, SECRETVALUE123456',
      'theme=dark; Path=/; Domain=.example.com, session=SECRETVALUE123456; Path=/; Secure',
      'a=1; foo SECRETVALUE123456',
      'sid="abc;SECRETVALUE123456"; Secure; HttpOnly',
      'sid="abc;Path=/SECRETVALUE123456"; Secure; HttpOnly',
      'sid="abc;Domain=SECRETVALUE123456.example"; Secure; HttpOnly',
    ]) {
      for (const json of [[], ['--json']]) {
        const result = await audit([line, ...json, '--from', 'https://app.example/']);
        assert.doesNotMatch(result.out, /secretvalue/i, line);
      }
    }
    const joined = await audit(['a=1; Path=/, sid=SECRETVALUE123456; HttpOnly; Secure']);
    assert.match(joined.out, /ATTRIBUTE_WITHHELD/);
  });

  it("terminal injection: a path's control characters are escaped in text and JSON", async () => {
    const line = 'a=1; Path=/\u009b31mRED\u202eevil; Secure; HttpOnly; SameSite=Lax';
    for (const args of [[line], [line, '--json']]) {
      const result = await audit([...args, '--from', 'https://app.example/']);
      assert.doesNotMatch(result.out, /[\u0080-\u009f\u202e]/);
      assert.match(result.out, /\\u\{9b\}|\\u009b/);
    }
  });

  it('fetches a loopback URL with --url and audits what it sets', async () => {
    const result = await audit(['--url', siteUrl, '--json']);
    const audits = JSON.parse(result.out) as CookieAudit[];
    assert.deepEqual(
      audits.map((entry) => [entry.name, entry.from]),
      [
        ['__Host-sid', siteUrl],
        ['session', siteUrl],
      ],
    );
  });

  it('server-side request forgery: --url refuses any host but localhost and loopback', async () => {
    for (const url of [
      'http://example.com/',
      'http://10.0.0.1/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:127.0.0.1]/',
      'file:///etc/passwd',
      'http://localhost.example.com/',
      'http://anything.localhost/',
    ]) {
      const result = await audit(['--url', url]);
      assert.equal(result.code, 2, url);
      assert.match(result.err, /localhost or a loopback address/, url);
    }
  });

  it('exits 3 with the reason when the URL does not answer', async () => {
    const closed = new URL(siteUrl);
    closed.port = String(await freePort());
    const result = await audit(['--url', closed.href]);
    assert.equal(result.code, 3);
    assert.match(result.err, /Cannot fetch .*ECONNREFUSED/);
  });

  it('exits 2 without exactly one source of lines', async () => {
    assert.equal((await audit([])).code, 2);
    assert.equal((await audit([GOOD, '--url', siteUrl])).code, 2);
    assert.equal((await audit([GOOD, '--from', 'not a url'])).code, 2);
    assert.equal((await audit(['--url', siteUrl, '--from', 'https://app.example/'])).code, 2);
  });

  it('reads standard input in a real process: curl -si ... | latchkey audit -', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', BIN, 'audit', '-'], {
      input: `Set-Cookie: ${BAD}\n`,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stdout, /^session\n {2}kept: \(no URL\)/);
  });
});
