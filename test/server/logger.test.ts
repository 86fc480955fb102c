import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
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

  it('writes the fields as JSON.stringify writes them, after time, level and event', () => {
    const samples: LogFields[] = [
      {},
      { a: undefined },
      { a: undefined, b: 1 },
      { detail: 'quote " backslash \\ newline \n tab \t' },
      { nothing: null, yes: true, no: false, big: 1e21, tiny: -0.5 },
      { 'odd key "x"': 'v', '': 'empty key' },
      { b: 'first', 2: 'two', a: 'then', 1: 'one' },
      { accents: 'héllo', emoji: '🔑', lone: '\ud800', control: '\u0001\u007f', slash: '/' },
      { notANumber: Number.NaN, infinite: -Infinity, zero: -0, small: 5e-7 },
    ];
    for (const fields of samples) {
      const { lines, log } = capture(() => 1_700_000_000_000);
      log('warn', 'some.event', fields);
      const time = new Date(1_700_000_000_000).toISOString();
      const members = JSON.stringify(fields).slice(1, -1);
      const head = JSON.stringify({ time, level: 'warn', event: 'some.event' }).slice(0, -1);
      assert.equal(lines[0], `${head}${members === '' ? '' : `,${members}`}}\n`);
      const merged = JSON.stringify({ time, level: 'warn', event: 'some.event', ...fields });
      assert.deepEqual(JSON.parse(lines[0]), JSON.parse(merged));
    }
  });

  it('keeps each level and event apart when it remembers their text', () => {
    const { lines, log } = capture(() => 0);
    log('info', 'x y');
    log('info x' as LogLevel, 'y');
    log('warn', 'x y');
    log('info', 'x y');
    const heads = lines.map((line) => {
      const { level, event } = JSON.parse(line) as { level: string; event: string };
      return `${level}|${event}`;
    });
    assert.deepEqual(heads, ['info|x y', 'info x|y', 'warn|x y', 'info|x y']);
  });

  it('writes an untyped event as JSON writes it, never under a string twin', () => {
    const { lines, log } = capture(() => 0);
    const untyped = log as (level: string, event: unknown) => void;
    untyped('error', undefined);
    log('error', 'undefined');
    untyped('info', 5);
    log('info', '5');
    untyped('info', null);
    log('info', 'null');
    const events = lines.map((line) => (JSON.parse(line) as { event?: unknown }).event);
    assert.deepEqual(events, [null, 'undefined', 5, '5', null, 'null']);
  });

  it('gives a value its field name for toJSON, and keeps odd fields valid JSON', () => {
    const { lines, log } = capture(() => 0);
    const named = { toJSON: (key: string) => `key=${key}` };
    log('info', 'a', { d: named } as unknown as LogFields);
    log('info', 'b', new Date(0) as unknown as LogFields);
    log('info', 'c', { nested: { deep: [1, 'two'] } } as unknown as LogFields);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(parsed[0]?.d, 'key=d');
    assert.equal(parsed[1]?.fields, '1970-01-01T00:00:00.000Z');
    assert.deepEqual(parsed[2]?.nested, { deep: [1, 'two'] });
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

describe('batchedStdout', () => {
  const LOGGER = new URL('../../src/server/logger.ts', import.meta.url).href;

  // Runs `body` in a Node process of its own, with `write` from batchedStdout in scope.
  function run(body: string): Promise<{ stdout: string; code: number | null }> {
    const script = `const { batchedStdout } = await import(${JSON.stringify(LOGGER)});
      const write = batchedStdout();
      ${body}`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    return new Promise((resolve) => {
      child.on('close', (code) => {
        resolve({ stdout, code });
      });
    });
  }

  it('many loggers share one batch: one exit listener, lines in the order logged', async () => {
    const { stdout, code } = await run(`
      const { createJsonLogger } = await import(${JSON.stringify(LOGGER)});
      const before = process.listenerCount('exit');
      const loggers = Array.from({ length: 20 }, () => createJsonLogger({ clock: () => 0 }));
      process.on('warning', (warning) => write('warning ' + warning.name + '\\n'));
      for (let index = 0; index < 40; index += 1) loggers[index % 20].log('info', 'n' + index);
      write('exit listeners added: ' + (process.listenerCount('exit') - before) + '\\n');
      process.exit(0);`);
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.deepEqual(
      lines.slice(0, 40).map((line) => (JSON.parse(line) as { event: string }).event),
      Array.from({ length: 40 }, (_, index) => `n${String(index)}`),
    );
    assert.deepEqual(lines.slice(40), ['exit listeners added: 0']);
  });

  it('writes a line logged from an exit handler registered after the first logger', async () => {
    const { stdout, code } = await run(`
      const { createJsonLogger } = await import(${JSON.stringify(LOGGER)});
      write('before\\n');
      process.on('exit', () => createJsonLogger({ clock: () => 0 }).log('info', 'at.exit'));
      process.exit(0);`);
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.equal(lines[0], 'before');
    assert.equal((JSON.parse(lines[1] ?? '{}') as { event?: string }).event, 'at.exit');
  });

  it('writes every line, in order, when the process exits at once', async () => {
    const { stdout, code } = await run(`
      for (let index = 0; index < 1000; index += 1) write(index + '\\n');
      process.exit(3);`);
    assert.equal(code, 3);
    const expected = Array.from({ length: 1000 }, (_, index) => `${String(index)}\n`).join('');
    assert.equal(stdout, expected);
  });

  it('writes a warning or an error at once, with the lines before it, before a block', async () => {
    // A server whose migration waits for a lock holds its event loop: a line left for the
    // timer would not be seen until the wait is over.
    const { stdout } = await run(`
      const { createJsonLogger } = await import(${JSON.stringify(LOGGER)});
      const logger = createJsonLogger({ clock: () => 0 });
      logger.log('info', 'before');
      logger.log('warn', 'stuck');
      process.stdout.write('marker\\n');
      logger.log('info', 'after');
      process.stdout.write('marker\\n');
      logger.log('error', 'failed');
      process.exit(0);`);
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => (line === 'marker' ? line : (JSON.parse(line) as { event: string }).event));
    assert.deepEqual(events, ['before', 'stuck', 'marker', 'marker', 'after', 'failed']);
  });

  it('writes a flood of warnings in batches: no write for each one a client causes', async () => {
    // Counts the writes to standard output: 1,000 warnings logged over about 50 ms.
    const { stdout } = await run(`
      const { createJsonLogger } = await import(${JSON.stringify(LOGGER)});
      const logger = createJsonLogger({ clock: () => 0 });
      const direct = process.stdout.write.bind(process.stdout);
      let writes = 0;
      process.stdout.write = (text) => { writes += 1; return direct(text); };
      let logged = 0;
      const timer = setInterval(() => {
        for (let index = 0; index < 50; index += 1) logger.log('warn', 'csrf.rejected');
        logged += 50;
        if (logged === 1000) {
          clearInterval(timer);
          setTimeout(() => {
            process.stdout.write = direct;
            direct('writes ' + writes + '\\n');
            process.exit(0);
          }, 50);
        }
      }, 2);`);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.filter((line) => line.includes('csrf.rejected')).length, 1000);
    const writes = Number(/^writes (\d+)$/.exec(lines.at(-1) ?? '')?.[1]);
    // Early writes at most every 10 ms, the batches' own at most every 10 ms: about 10 each here.
    assert.ok(writes >= 2 && writes <= 40, `${String(writes)} writes for 1,000 warnings`);
  });

  it('writes a waiting line within moments, while the process goes on', async () => {
    // The marker goes straight to standard output half a second later: the line must be there
    // before it, not left for the exit.
    const { stdout } = await run(`
      write('first\\n');
      setTimeout(() => {
        process.stdout.write('marker\\n');
        process.exit(0);
      }, 500);`);
    assert.equal(stdout, 'first\nmarker\n');
  });
});
