import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { build } from 'esbuild';

const RANDOM = fileURLToPath(new URL('../../src/token/random.ts', import.meta.url));

describe('processes started from one V8 startup snapshot', () => {
  it('draw tokens of their own: none of one instance’s is known from another', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-snapshot-'));
    try {
      // Values drawn while the snapshot is built leave the rest of a block in its heap, which
      // every process started from it would then hand out in the same order.
      const entry = join(dir, 'entry.ts');
      writeFileSync(
        entry,
        `import { startupSnapshot } from 'node:v8';
        import { generateId, generateSessionToken } from ${JSON.stringify(RANDOM)};
        Object.assign(globalThis, { drawnAtBuild: [generateSessionToken(), generateId()] });
        startupSnapshot.setDeserializeMainFunction(() => {
          process.stdout.write(JSON.stringify([generateSessionToken(), generateId()]));
        });`,
      );
      // A snapshot's entry script may require built-in modules only: it is bundled first.
      const script = join(dir, 'entry.cjs');
      await build({
        entryPoints: [entry],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: script,
        logLevel: 'silent',
      });
      const blob = join(dir, 'snapshot.blob');
      execFileSync(process.execPath, ['--snapshot-blob', blob, '--build-snapshot', script], {
        cwd: dir,
        stdio: 'pipe',
      });
      const start = (): string[] =>
        JSON.parse(
          execFileSync(process.execPath, ['--snapshot-blob', blob], { cwd: dir, encoding: 'utf8' }),
        ) as string[];
      const [first, second] = [start(), start()];
      assert.equal(first.length, 2);
      assert.notEqual(first[0], second[0], 'the same session token in two processes');
      assert.notEqual(first[1], second[1], 'the same id in two processes');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
