// The application's one Latchkey instance, opened on the first request (not while `next build`
// imports the routes) and kept on globalThis, so that `next dev` reloading this module does not
// open the database again, and proxy.ts and the route handlers share it.
//
// Environment: LATCHKEY_DATA_DIR (default examples/next/data under the working directory),
// LATCHKEY_SECRETS (comma-separated; default: one generated at start, so CSRF tokens end with
// the process, sessions do not).
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { createLatchkey } from 'latchkey/http';
import { latchkeyNext, sharedInstance } from 'latchkey/next';
import { openSqliteStores } from 'latchkey/stores/sqlite';

function open() {
  const dataDir = process.env.LATCHKEY_DATA_DIR ?? join(process.cwd(), 'examples', 'next', 'data');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const stores = openSqliteStores(join(dataDir, 'latchkey.db'));
  const secrets = process.env.LATCHKEY_SECRETS?.split(',') ?? [
    randomBytes(48).toString('base64url'),
  ];
  return createLatchkey({ sessionStore: stores.sessions, userStore: stores.users, secrets });
}

export const auth = latchkeyNext(() => sharedInstance('next-example', open));
