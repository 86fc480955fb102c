import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { main } from '../../src/cli/main.js';

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
    assert.match(good.out, /1 line\(s\): 1 kept, 0 ignored; 0 error\(s\), 0 warning\(s\)\./);

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
    const dump = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: ${GOOD}\r\nset-cookie: ${BAD}\r\n\r\nbody`;
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
    assert.equal(notHar.code, 1);
    assert.match(notHar.err, /no log\.entries: not a HAR file/);
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
    ]) {
      const result = await audit(['--url', url]);
      assert.equal(result.code, 2, url);
      assert.match(result.err, /localhost or a loopback address/, url);
    }
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
