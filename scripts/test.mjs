#!/usr/bin/env node
// Runs every check the project promises: types, formatting, lint, then every test file.
// Node 20's `node --test` does not expand globs or find .ts files by itself, so the files are
// listed here and passed explicitly.
//
//   node scripts/test.mjs                 everything
//   node scripts/test.mjs cookie session  only test files whose path contains one of the words
//   LATCHKEY_SKIP_CHECKS=1                skip typecheck, format and lint (quick local loops)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const filters = process.argv.slice(2);
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(label, command, args) {
  process.stdout.write(`\n== ${label}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`\n${label} failed (exit ${result.status ?? result.signal}).\n`);
    process.exit(result.status ?? 1);
  }
}

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith('.test.ts')) found.push(relative(root, path));
  }
  return found.sort();
}

if (process.env.LATCHKEY_SKIP_CHECKS !== '1' && filters.length === 0) {
  run('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  run('format', bin('prettier'), ['--check', '--log-level', 'warn', '.']);
  run('lint', bin('eslint'), ['--max-warnings', '0', '.']);
}
// The examples import the package by name (`latchkey/express`), which resolves to dist/.
if (process.env.LATCHKEY_SKIP_BUILD !== '1') run('build', 'npm', ['run', 'build', '--silent']);

const files = findTests(join(root, 'test')).filter(
  (file) => filters.length === 0 || filters.some((word) => file.includes(word)),
);
if (files.length === 0) {
  process.stderr.write('No test files matched.\n');
  process.exit(1);
}
run(`tests (${files.length} files)`, process.execPath, [
  '--import',
  'tsx',
  '--test',
  '--test-timeout=180000',
  '--test-reporter=spec',
  ...files,
]);
