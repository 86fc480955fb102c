import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { Accounts } from '../accounts/index.js';
import { AccountError } from '../errors.js';
import { resolveServerConfig } from '../server/config.js';
import { DATABASE_FILE } from '../server/serve.js';
import { openSqliteStores } from '../stores/sqlite/index.js';
import { CliError } from './io.js';

import type { CliIo } from './io.js';

/** Help for `latchkey users`. */
export const USERS_HELP = `Usage:
  latchkey users add <email> [--data-dir DIR]   create an account; the password is read from
                                                standard input (or typed, hidden, at a terminal)
  latchkey users list [--data-dir DIR] [--json] list accounts

Options:
  --data-dir DIR   folder holding latchkey.db (env LATCHKEY_DATA_DIR, default ./data)
  --json           print JSON instead of text
  -h, --help       show this help
`;

/** `latchkey users add|list`. */
export async function usersCommand(
  positionals: readonly string[],
  flags: Readonly<Record<string, string | boolean | undefined>>,
  io: CliIo,
): Promise<void> {
  const [action, ...rest] = positionals;
  if (action !== 'add' && action !== 'list') {
    throw new CliError(`Unknown users command "${action ?? ''}".\n\n${USERS_HELP}`, 2);
  }

  const config = resolveServerConfig({ flags, env: io.env });
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const stores = openSqliteStores(join(config.dataDir, DATABASE_FILE));
  try {
    const accounts = new Accounts(stores.users);
    if (action === 'list') {
      const users = await accounts.listUsers();
      if (flags.json === true) {
        io.out(`${JSON.stringify(users, null, 2)}\n`);
      } else if (users.length === 0) {
        io.out('No users.\n');
      } else {
        for (const user of users)
          io.out(`${user.id}  ${user.createdAt.toISOString()}  ${user.email}\n`);
      }
      return;
    }

    const [email, ...extra] = rest;
    if (email === undefined || extra.length > 0) {
      throw new CliError(`Give exactly one email.\n\n${USERS_HELP}`, 2);
    }
    const password = await io.readSecret('Password: ');
    try {
      const user = await accounts.register({ email, password });
      if (flags.json === true) io.out(`${JSON.stringify(user)}\n`);
      else io.out(`Created user ${user.email} (${user.id}).\n`);
    } catch (error) {
      if (error instanceof AccountError)
        throw new CliError(error.message.replace(/^latchkey: /, ''));
      throw error;
    }
  } finally {
    await stores.close();
  }
}
