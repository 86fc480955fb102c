import { existsSync } from 'node:fs';
import { join } from 'node:path';

import {
  RESET_TOKEN_DEFAULT_LIFETIME_SECONDS,
  RESET_TOKEN_MAX_LIFETIME_SECONDS,
  issueResetToken,
} from '../accounts/reset-token.js';
import { checkOrigin } from '../http/context.js';
import { resolveServerConfig } from '../server/config.js';
import { SECRETS_FILE, loadOrCreateSecrets } from '../server/secrets.js';
import { KeyRing } from '../token/keyring.js';
import { CliError, plural } from './io.js';

import type { User } from '../accounts/types.js';
import type { DataAccess } from './data.js';
import type { CliIo } from './io.js';

type Flags = Readonly<Record<string, string | boolean | undefined>>;

/** Prints reset links for users, made ready (and checked) before any account is touched. */
export interface ResetLinks {
  print(data: DataAccess, user: User, options?: { invited?: boolean }): Promise<void>;
}

/**
 * For `latchkey users reset-link <email>` and `users add --invite`: links with which a user sets
 * a new password on the server's page, so that an administrator starts a reset (or an account)
 * without choosing or learning the password (ASVS 6.4.1, 6.4.6). Signed with the server's own
 * secrets, so it must see the same ones: the data folder's, or `LATCHKEY_SECRETS` /
 * `--secrets-file` as the server is given them. Throws `CliError` here, before anything is
 * written, when the secrets or the flags are wrong.
 */
export function prepareResetLinks(flags: Flags, io: CliIo): ResetLinks {
  const config = resolveServerConfig({ flags, env: io.env });
  const seconds = lifetimeSeconds(flags.minutes);
  const keys = new KeyRing(serverSecrets(config.secrets, config.dataDir), 'LATCHKEY_SECRETS');
  // In the fragment: a browser sends no fragment to any server, nor in a Referer.
  const scheme = config.tls !== null || config.devCert ? 'https' : 'http';
  // Checked and written as the server takes it (`https://Auth.example.com/` is
  // `https://auth.example.com`), so that the link is the server's own page.
  const origin =
    config.origin === undefined
      ? `${scheme}://localhost:${String(config.port)}`
      : checkOrigin(config.origin, '--origin (LATCHKEY_ORIGIN)');

  return {
    async print(data, user, options = {}) {
      const bound = await data.accounts.resetBindingOf(user.id);
      if (bound === null) {
        throw new CliError(`${user.email} is disabled: enable it first (latchkey users enable).`);
      }
      // Whole seconds, as the token keeps it.
      const expiresAtMs = Math.floor(Date.now() / 1000 + seconds) * 1000;
      const token = issueResetToken(keys, { id: user.id, ...bound }, expiresAtMs);
      const link = `${origin}/#reset=${token}`;
      if (flags.json === true) {
        const expiresAt = new Date(expiresAtMs).toISOString();
        io.out(`${JSON.stringify({ id: user.id, email: user.email, link, expiresAt })}\n`);
        return;
      }
      const what = options.invited === true ? `Created ${user.email} (${user.id}); its` : 'A';
      io.out(
        `${what} link to set the password of ${user.email}, for one use within ` +
          `${describe(seconds)}:\n${link}\n` +
          'Give it to the user by a channel you trust: whoever holds it can set the password.\n',
      );
    },
  };
}

function lifetimeSeconds(minutes: string | boolean | undefined): number {
  if (minutes === undefined) return RESET_TOKEN_DEFAULT_LIFETIME_SECONDS;
  const most = RESET_TOKEN_MAX_LIFETIME_SECONDS / 60;
  if (typeof minutes !== 'string' || !/^\d+$/.test(minutes) || +minutes < 1 || +minutes > most) {
    throw new CliError(`--minutes takes a whole number from 1 to ${String(most)} (7 days).`, 2);
  }
  return Number(minutes) * 60;
}

function serverSecrets(given: string[] | null, dataDir: string): string[] {
  if (given !== null) return given;
  // Never made here: a secret the server does not have would sign links it refuses.
  if (!existsSync(join(dataDir, SECRETS_FILE))) {
    throw new CliError(
      `No secrets in ${dataDir}: start the server once, or give LATCHKEY_SECRETS (or ` +
        '--secrets-file) as the server is given them.',
    );
  }
  return loadOrCreateSecrets(dataDir).secrets;
}

function describe(seconds: number): string {
  return seconds % 3_600 === 0 ? plural(seconds / 3_600, 'hour') : plural(seconds / 60, 'minute');
}
