import { execFile } from 'node:child_process';
import { join } from 'node:path';

import { seedAccounts } from './seed-sessions.js';

import type { RequestVariation } from './http-load.js';
import type { RawRate } from '../targets/argon2-raw.js';

export type { RawRate } from '../targets/argon2-raw.js';

/** The password of every seeded account, as bench/targets/argon2-raw.ts verifies it. */
export const SEEDED_PASSWORD = 'correct horse battery staple';

/**
 * Accounts for a login load, seeded into the SQLite file at `path`: `count` of them, each with
 * {@link SEEDED_PASSWORD}. The login throttle only counts failures, and these logins all
 * succeed, but it takes the attempts on one account one at a time (and refuses a 17th waiting
 * one): cycling through many accounts keeps any two logins in flight off the same account.
 */
export function seedLoginAccounts(path: string, count: number): Promise<string[]> {
  return seedAccounts(path, { count, password: SEEDED_PASSWORD, label: 'login' });
}

/** The body of each next login: the seeded accounts in turn, each with the right password. */
export function loginRequests(emails: readonly string[]): () => RequestVariation {
  let next = 0;
  return () => {
    const email = emails[next % emails.length]!;
    next += 1;
    return { body: JSON.stringify({ email, password: SEEDED_PASSWORD }) };
  };
}

/**
 * The raw Argon2id rate, measured in a process of its own (bench/targets/argon2-raw.ts) while
 * nothing else of the benchmark runs.
 */
export function measureRawRate(
  root: string,
  options: { operation: 'verify' | 'hash'; seconds: number; inFlight: number },
): Promise<RawRate> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(root, 'bench', 'targets', 'argon2-raw.ts')],
      {
        env: {
          ...process.env,
          BENCH_RAW_OPERATION: options.operation,
          BENCH_RAW_SECONDS: String(options.seconds),
          BENCH_RAW_IN_FLIGHT: String(options.inFlight),
        },
        // Twice the run, and a minute to start: a bound, not an expectation.
        timeout: (options.seconds * 2 + 60) * 1_000,
      },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(new Error(`argon2-raw failed: ${stderr.slice(-1_000)}`, { cause: error }));
          return;
        }
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as RawRate);
      },
    );
  });
}
