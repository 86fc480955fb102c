import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import Database from 'better-sqlite3';

import { openData } from '../../src/cli/data.js';
import { ConfigError } from '../../src/errors.js';
import {
  getSchemaVersion,
  latestSchemaVersion,
  migrations,
  openSqliteDatabase,
} from '../../src/stores/sqlite/index.js';
import { applyMigrations } from '../../src/stores/sqlite/migrate.js';
import { BIN, cliIo, latchkey, latchkeyAsync } from '../support/cli-run.js';
import { olderFileLockedElsewhere } from '../support/sqlite-lock.js';

// Commands other than `serve` and `migrate` open only a store that is this release's: never a
// missing one, one without Latchkey's tables, or one an older release made (which they would
// otherwise migrate under that release's servers).
describe('latchkey CLI commands and the store they are given', () => {
  it('says so when there is no database, instead of creating an empty one', () => {
    const empty = mkdtempSync(join(tmpdir(), 'latchkey-cli-empty-'));
    try {
      const result = latchkey(['users', 'list', '--data-dir', empty]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /No database at/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('refuses a database of an older release’s schema until `latchkey migrate` upgrades it', () => {
    const folder = mkdtempSync(join(tmpdir(), 'latchkey-cli-older-'));
    try {
      const file = join(folder, 'latchkey.db');
      const older = openSqliteDatabase(file, { migrate: false });
      applyMigrations(older, migrations.slice(0, 3));
      older.close();
      const version = (): number => {
        const database = openSqliteDatabase(file, { migrate: false });
        try {
          return getSchemaVersion(database);
        } finally {
          database.close();
        }
      };

      for (const command of [
        ['users', 'list'],
        ['users', 'add', 'ada@example.com'],
        ['sessions', 'list', '--user', 'ada@example.com'],
      ]) {
        const refused = latchkey([...command, '--data-dir', folder], 'a long enough password\n');
        assert.equal(refused.code, 1, `${command.join(' ')}: ${refused.stderr}`);
        assert.match(refused.stderr, /schema version 3, made by an older release/);
        assert.match(refused.stderr, /then run `latchkey migrate`/);
        assert.equal(version(), 3, 'the command left the schema as it was');
      }

      const migrated = latchkey(['migrate', '--data-dir', folder]);
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.equal(version(), latestSchemaVersion);
      const listed = latchkey(['users', 'list', '--data-dir', folder]);
      assert.equal(listed.code, 0, listed.stderr);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('refuses an SQLite file without Latchkey’s tables, and leaves it as it was', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'latchkey-cli-foreign-'));
    try {
      const empty = join(folder, 'empty.db');
      writeFileSync(empty, '');
      const other = join(folder, 'other.db');
      const database = new Database(other);
      database.exec('CREATE TABLE notes (body TEXT)');
      database.close();

      for (const path of [empty, other]) {
        await assert.rejects(
          openData({ store: `sqlite:${path}` }, cliIo(), { create: false }),
          (error) =>
            error instanceof ConfigError &&
            error.message.includes(`${path} holds no Latchkey tables`),
        );
      }
      const after = new Database(other, { readonly: true });
      const tables = after.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck();
      assert.deepEqual(tables.all(), ['notes']);
      assert.equal(after.pragma('journal_mode', { simple: true }), 'delete');
      after.close();
      assert.equal(statSync(empty).size, 0);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  // An older release's file whose write lock another process holds for holdMs.
  async function lockedOlderFolder(
    holdMs: number,
  ): Promise<{ folder: string; released: Promise<unknown> }> {
    const folder = mkdtempSync(join(tmpdir(), 'latchkey-cli-locked-'));
    const { released } = await olderFileLockedElsewhere(join(folder, 'latchkey.db'), holdMs);
    return { folder, released };
  }

  it('`latchkey migrate` says that it waits for a lock held elsewhere, then migrates', async () => {
    const { folder, released } = await lockedOlderFolder(2_500);
    try {
      const result = await latchkeyAsync(['migrate', '--data-dir', folder]);
      await released;
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /Waiting for a lock on .*latchkey\.db: another process/);
      assert.match(result.stdout, /schema version 3 -> \d+/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('`latchkey serve` logs that its migration waits for a lock before it listens', async () => {
    const { folder, released } = await lockedOlderFolder(2_500);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', BIN, 'serve', '--port', '0', '--data-dir', folder],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let stdout = '';
      let waitingSeenFirst: boolean | null = null;
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (waitingSeenFirst === null && stdout.includes('"event":"store.migration_waiting"')) {
          waitingSeenFirst = !stdout.includes('"event":"server.started"');
        }
      });
      const started = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no start: ${stdout}`));
        }, 30_000);
        child.stdout.on('data', () => {
          if (stdout.includes('"event":"server.started"')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      await started;
      await released;
      assert.equal(waitingSeenFirst, true, stdout);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
