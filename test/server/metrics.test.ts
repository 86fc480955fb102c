import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ConfigError } from '../../src/errors.js';
import { resolveServerConfig } from '../../src/server/config.js';
import { createServerMetrics, routeLabel } from '../../src/server/metrics.js';
import { cookiePair, send, sendRaw, startTestServer } from '../support/server.js';

import type { TestServer } from '../support/server.js';

const TOKEN = 'metrics-token-0123456789abcdef0123456789';
const PASSWORD = 'correct horse battery staple';

// One exposition line: a name, labels, a number (Prometheus's text format).
const LABEL = String.raw`[a-z_]+="(?:[^"\\\n]|\\[\\"n])*"`;
const SAMPLE = new RegExp(String.raw`^[a-z_]+(\{${LABEL}(,${LABEL})*\})? -?[0-9.e+-]+$`);

async function scrape(
  url: string,
  options: { token?: string; authorization?: string; host?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  if (options.host !== undefined) headers.host = options.host;
  const response = await sendRaw(`${url}/metrics`, { headers });
  return {
    status: response.status,
    type: response.headers['content-type'] ?? '',
    text: response.text,
    challenge: response.headers['www-authenticate'] ?? '',
  };
}

/** The value of one sample, by its name and labels as written, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { LATCHKEY_METRICS_TOKEN: TOKEN } });
  });
  after(async () => {
    await server.close();
  });

  it('metrics leak: answers 401 and a Bearer challenge without the right token', async () => {
    for (const token of [undefined, '', `${TOKEN.slice(0, -1)}X`, `x${TOKEN}`, TOKEN.slice(1)]) {
      const response = await scrape(server.url, token === undefined ? {} : { token });
      assert.equal(response.status, 401, String(token));
      assert.equal(response.challenge, 'Bearer realm="metrics"');
      assert.doesNotMatch(response.text, /latchkey_/);
    }
  });

  it('counts requests by route and status, failed logins, and scanners as "other"', async () => {
    const email = 'counted@example.com';
    const registered = await send(server.url, 'POST', '/auth/register', {
      json: { email, password: PASSWORD },
    });
    assert.equal(registered.status, 201);
    const cookie = cookiePair(registered.setCookies[0]);
    for (let index = 0; index < 3; index += 1) {
      assert.equal((await send(server.url, 'GET', '/api/secure-data/', { cookie })).status, 200);
    }
    const failed = await send(server.url, 'POST', '/auth/login', {
      json: { email, password: 'not the password at all' },
    });
    assert.equal(failed.status, 401);
    for (const path of ['/wp-admin/setup.php', '/.env', '/auth/nothing-here']) {
      assert.equal((await send(server.url, 'GET', path)).status, 404);
    }

    const response = await scrape(server.url, { token: TOKEN });
    assert.equal(response.status, 200);
    assert.equal(response.type, 'text/plain; version=0.0.4; charset=utf-8');
    const { text } = response;
    const requests = (route: string, status: number) =>
      sample(text, `latchkey_http_requests_total{route="${route}",status="${status}"}`);
    assert.equal(requests('/auth/register', 201), 1);
    assert.equal(requests('/api/secure-data', 200), 3);
    assert.equal(requests('/auth/login', 401), 1);
    assert.equal(requests('other', 404), 3);
    assert.doesNotMatch(text, /wp-admin|\.env|nothing-here/);
    assert.equal(sample(text, 'latchkey_events_total{event="login.failed"}'), 1);
    assert.equal(sample(text, 'latchkey_events_total{event="user.registered"}'), 1);
    assert.equal(sample(text, 'latchkey_events_total{event="http.request"}'), undefined);

    // Every answered request is in the histogram, refused scrapes included.
    const answered = text
      .split('\n')
      .filter((line) => line.startsWith('latchkey_http_requests_total{'))
      .reduce((sum, line) => sum + Number(line.split(' ')[1]), 0);
    const count = sample(text, 'latchkey_http_request_duration_seconds_count');
    assert.equal(count, answered);
    assert.equal(sample(text, 'latchkey_http_request_duration_seconds_bucket{le="+Inf"}'), count);
    assert.ok((sample(text, 'process_resident_memory_bytes') ?? 0) > 10_000_000);
    for (const line of text.trimEnd().split('\n')) {
      if (!line.startsWith('#')) assert.match(line, SAMPLE);
    }
  });

  it('takes the scheme in any case and more than one space before the token', async () => {
    for (const authorization of [`bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer   ${TOKEN}`]) {
      const response = await scrape(server.url, { authorization });
      assert.equal(response.status, 200, authorization.slice(0, 9));
    }
    for (const authorization of [`Basic ${TOKEN}`, `Bearer${TOKEN}`, `Bearer ${TOKEN} x`, TOKEN]) {
      const response = await scrape(server.url, { authorization });
      assert.equal(response.status, 401, authorization.slice(0, 9));
    }
  });

  it('gives the same start time at every scrape', async () => {
    const starts = new Set<number | undefined>();
    for (let index = 0; index < 5; index += 1) {
      const { text } = await scrape(server.url, { token: TOKEN });
      starts.add(sample(text, 'process_start_time_seconds'));
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    assert.equal(starts.size, 1);
  });

  it('says in the start-up line that metrics are on', () => {
    const started = server.logs.find((line) => line.event === 'server.started');
    assert.equal(started?.metrics, true);
    assert.doesNotMatch(server.rawLog(), new RegExp(TOKEN));
  });

  it('answers a scrape that names the server by an address it does not serve', async () => {
    const response = await scrape(server.url, { token: TOKEN, host: '10.0.0.5:3000' });
    assert.equal(response.status, 200);
  });
});

describe('metrics off', () => {
  it('there is no /metrics without LATCHKEY_METRICS_TOKEN', async () => {
    const server = await startTestServer();
    try {
      assert.equal((await scrape(server.url, { token: TOKEN })).status, 404);
    } finally {
      await server.close();
    }
  });

  it('refuses a token under 32 characters, or one with spaces, saying where but never what', () => {
    const cases: [string, RegExp][] = [
      ['shorttoken', /it is 10 characters long; give at least 32/],
      ['b'.repeat(31), /it is 31 characters long/],
      [`${'c'.repeat(20)} ${'d'.repeat(20)}`, /character 21 of 41 is a space/],
      [`${'e'.repeat(64)}\n`, /character 65 of 65 is a space, a control character/],
    ];
    for (const [token, message] of cases) {
      assert.throws(
        () =>
          resolveServerConfig({
            flags: { port: '0', 'data-dir': '/nonexistent' },
            env: { LATCHKEY_METRICS_TOKEN: token },
          }),
        (error: unknown) =>
          error instanceof ConfigError &&
          /LATCHKEY_METRICS_TOKEN/.test(error.message) &&
          message.test(error.message) &&
          !error.message.includes(token.slice(0, 10)),
      );
    }
  });
});

describe('the counters', () => {
  it('escape label values, and stop naming new events past 256', () => {
    const metrics = createServerMetrics(TOKEN);
    const logger = metrics.countingLogger({ log: () => undefined });
    logger.log('info', 'odd "name"\\\nline');
    for (let index = 0; index < 300; index += 1) logger.log('info', `made.up.${index}`);
    const text = metrics.render();
    assert.equal(sample(text, 'latchkey_events_total{event="odd \\"name\\"\\\\\\nline"}'), 1);
    assert.equal(sample(text, 'latchkey_events_total{event="other"}'), 45);
    assert.equal(text.match(/^latchkey_events_total\{/gm)?.length, 257);
  });

  it('label routes with few values', () => {
    const isAsset = (path: string) => path === '/app.js';
    assert.equal(
      routeLabel('/auth/sessions/abcdefghijklmnopqrstuvwxyz', isAsset),
      '/auth/sessions/:id',
    );
    assert.equal(routeLabel('/auth/sessions/../../etc', isAsset), 'other');
    assert.equal(routeLabel('/api/secure-data/', isAsset), '/api/secure-data');
    assert.equal(routeLabel('/app.js', isAsset), 'demo');
    assert.equal(routeLabel('/auth/verify', isAsset), '/auth/verify');
  });
});
