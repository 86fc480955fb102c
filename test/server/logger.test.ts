import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createJsonLogger } from '../../src/server/logger.js';

import type { LogFields, LogLevel } from '../../src/log.js';

function capture(clock: () => number = () => 0): {
  lines: string[];
  log: ReturnType<typeof createJsonLogger>['log'];
} {
  const lines: string[] = [];
  const logger = createJsonLogger({ write: (line) => lines.push(line), clock });
  return { lines, log: logger.log.bind(logger) };
}

describe('createJsonLogger', () => {
  it('writes the time, level and event first, then the fields in their order, one line each', () => {
    const { lines, log } = capture(() => Date.UTC(2026, 11, 4, 12, 0, 0, 5));
    log('info', 'http.request', { method: 'GET', status: 200, durationMs: 1.25, client: '::1' });
    assert.deepEqual(lines, [
      '{"time":"2026-12-04T12:00:00.005Z","level":"info","event":"http.request",' +
        '"method":"GET","status":200,"durationMs":1.25,"client":"::1"}\n',
    ]);
  });

  it('writes the same line as stringifying the merged object, for any mix of fields', () => {
    const samples: LogFields[] = [
      {},
      { a: undefined },
      { a: undefined, b: 1 },
      { detail: 'quote " backslash \\ newline \n tab \t' },
      { nothing: null, yes: true, no: false, big: 1e21, tiny: -0.5 },
      { 'odd key "x"': 'v', '': 'empty key' },
    ];
    for (const fields of samples) {
      const { lines, log } = capture(() => 1_700_000_000_000);
      log('warn', 'some.event', fields);
      const time = new Date(1_700_000_000_000).toISOString();
      const expected = `${JSON.stringify({ time, level: 'warn', event: 'some.event', ...fields })}\n`;
      assert.equal(lines[0], expected);
    }
  });

  it("a field named time, level or event cannot pass itself off as the line's own", () => {
    const { lines, log } = capture(() => 0);
    log('info', 'login.failed', { level: 'error', event: 'server.started', time: 'x', email: 'a' });
    assert.deepEqual(JSON.parse(lines[0] ?? ''), {
      time: '1970-01-01T00:00:00.000Z',
      level: 'info',
      event: 'login.failed',
      email: 'a',
    });
  });

  it('formats the time again whenever the clock moves, even by one millisecond', () => {
    let now = Date.UTC(2026, 0, 1);
    const { lines, log } = capture(() => now);
    log('info', 'a');
    log('info', 'b');
    now += 1;
    log('info', 'c');
    const times = lines.map((line) => (JSON.parse(line) as { time: string }).time);
    assert.deepEqual(times, [
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.001Z',
    ]);
  });

  it('a level it does not know still makes a line of valid JSON', () => {
    const { lines, log } = capture();
    log('notice" , "x' as LogLevel, 'odd.level');
    assert.equal((JSON.parse(lines[0] ?? '') as { level: string }).level, 'notice" , "x');
  });

  it('drops events below its level', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ level: 'warn', write: (line) => lines.push(line) });
    logger.log('debug', 'a');
    logger.log('info', 'b');
    logger.log('warn', 'c');
    logger.log('error', 'd');
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as { event: string }).event),
      ['c', 'd'],
    );
  });
});
