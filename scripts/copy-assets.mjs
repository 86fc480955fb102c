#!/usr/bin/env node
// Copies the demo page's static files next to the compiled server (tsc copies only .ts output).
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const from = join(root, 'src', 'server', 'demo');
const to = join(root, 'dist', 'server', 'demo');
mkdirSync(to, { recursive: true });
for (const file of ['index.html', 'demo.js', 'demo.css', 'favicon.svg'])
  cpSync(join(from, file), join(to, file));
