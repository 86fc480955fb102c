#!/usr/bin/env node
import { processIo } from './io.js';
import { main } from './main.js';

const code = await main(process.argv.slice(2), processIo());
// Standard output may have failed meanwhile, which processIo says and counts as 1.
process.exitCode = Math.max(code, Number(process.exitCode ?? 0));
