import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BIN, latchkey } from '../support/cli-run.js';

// What the CLI does when its standard output cannot be written.
describe('latchkey CLI output', () => {
  let dataDir: string;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'latchkey-cli-output-'));
  });
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('carries on quietly when the reader of its output has gone (`users list | head -1`)', async () => {
    const added = latchkey(
      ['users', 'add', 'reader@example.com', '--data-dir', dataDir],
      'a long enough password\n',
    );
    assert.equal(added.code, 0, added.stderr);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', BIN, 'users', 'list', '--data-dir', dataDir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // The reading end is closed before the command writes: each of its writes fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];

    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Unhandled/);
  });

  it('serves on when its standard error’s reader has gone (`serve 2>&1 | head -1`)', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', BIN, 'serve', '--port', '0', '--data-dir', dataDir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // Closed before the server says where it listens there: that write fails with EPIPE.
    child.stderr.destroy();
    let stdout = '';
    const started = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no server.started line: ${stdout}`));
      }, 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /"event":"server\.started".*?"url":"(http:\/\/[^"]+)"/.exec(stdout);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    try {
      const url = await started;
      const response = await fetch(`${url}/api/secure-data`);
      assert.equal(response.status, 401);
      assert.equal(child.exitCode, null, 'still serving');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });

  it('says once that standard output failed (a full disk), carries on and exits 1', async () => {
    const added = latchkey(
      ['users', 'add', 'full@example.com', '--data-dir', dataDir],
      'a long enough password\n',
    );
    assert.equal(added.code, 0, added.stderr);
    const full = openSync('/dev/full', 'w');
    try {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', BIN, 'users', 'list', '--data-dir', dataDir],
        { stdio: ['ignore', full, 'pipe'] },
      );
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];

      assert.equal(code, 1, stderr);
      assert.match(stderr, /^latchkey: Could not write to standard output \(ENOSPC/);
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    } finally {
      closeSync(full);
    }
  });
});
