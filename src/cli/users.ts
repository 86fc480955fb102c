import { randomBytes } from 'node:crypto';

import { AccountError } from '../errors.js';
import { openData } from './data.js';
import { CliError } from './io.js';
import { prepareResetLinks } from './reset-link.js';

import type { User } from '../accounts/types.js';
import type { DataAccess } from './data.js';
import type { CliIo } from './io.js';

/** Help for `latchkey users`. */
export const USERS_HELP = `Usage:
  latchkey users add <email>       create an account; the password is read from standard input
                                   (or typed, hidden, at a terminal); with --invite, print a
                                   link with which the user chooses it instead
  latchkey users list              list accounts
  latchkey users disable <email>   stop an account from logging in and end its sessions
  latchkey users enable <email>    let a disabled account log in again
  latchkey users delete <email>    delete an account and end its sessions
  latchkey users set-email <email> <new-email>
                                   give an account another email (its sessions stay; the
                                   old email is free for a new account at once)
  latchkey users set-password <email>
                                   give an account a new password, read as for add, and end
                                   its sessions (for a user who lost theirs)
  latchkey users reset-link <email>
                                   print a one-use link with which the user sets a new
                                   password on the server's page (its sessions then end);
                                   you neither choose nor learn the password

Options:
  --data-dir DIR   folder holding latchkey.db (env LATCHKEY_DATA_DIR, default ./data)
  --store URL      another store: postgres://... or redis://... (env LATCHKEY_STORE)
  --json           print JSON instead of text
  --origin URL     reset-link, add --invite: the server's public origin (env
                   LATCHKEY_ORIGIN; default http://localhost:<port>, https with TLS)
  --minutes N      reset-link, add --invite: how long the link works, 1 to 10080 (default 60)
  --invite         add: no password; print a link to choose one (as reset-link)
  -h, --help       show this help

reset-link and add --invite sign with the server's secrets: the data folder's, or
LATCHKEY_SECRETS / --secrets-file as the server is given them (another secret makes a link the
server refuses). They take the server's --port, --dev-cert and --tls-cert/--tls-key too, for the
default link; give --origin where the server is reached by another address.
`;

type Flags = Readonly<Record<string, string | boolean | undefined>>;

/** `latchkey users add|list|disable|enable|delete|set-email|set-password|reset-link`. */
export async function usersCommand(
  positionals: readonly string[],
  flags: Flags,
  io: CliIo,
): Promise<void> {
  const [action, ...rest] = positionals;
  if (action === undefined) throw new CliError(`Say what to do with users.\n\n${USERS_HELP}`, 2);
  const actions = [
    'add',
    'list',
    'disable',
    'enable',
    'delete',
    'set-email',
    'set-password',
    'reset-link',
  ];
  if (!actions.includes(action)) {
    throw new CliError(`Unknown users command "${action}".\n\n${USERS_HELP}`, 2);
  }
  const wanted = action === 'list' ? 0 : action === 'set-email' ? 2 : 1;
  if (rest.length !== wanted) {
    const what = ['Give no email.', 'Give exactly one email.', 'Give the email and the new one.'];
    throw new CliError(`${what[wanted] ?? ''}\n\n${USERS_HELP}`, 2);
  }
  const email = rest[0] ?? '';

  const data = await openData(flags, io, { create: action === 'add' });
  try {
    if (action === 'list') {
      await list(data, flags, io);
      return;
    }
    if (action === 'add') {
      await add(data, email, flags, io);
      return;
    }
    // The link's options are checked before the account is looked up.
    const links = action === 'reset-link' ? prepareResetLinks(flags, io) : null;
    const user = await findUser(data, email);
    if (links !== null) {
      await links.print(data, user);
      return;
    }
    if (action === 'set-email') {
      await setEmail(data, user, rest[1] ?? '', flags, io);
      return;
    }
    if (action === 'set-password') {
      await setPassword(data, user, io);
      return;
    }
    if (action === 'enable') {
      if (user.disabledAt !== null) await data.accounts.enableUser(user.id);
      io.out(
        user.disabledAt === null
          ? `${user.email} was not disabled; nothing changed.\n`
          : `Enabled ${user.email}.\n`,
      );
      return;
    }
    const ended = await data.sessions.invalidateUserSessions(user.id);
    // Disabled already: kept as it was, with the time it was disabled.
    if (action === 'disable' && user.disabledAt === null) await data.accounts.disableUser(user.id);
    else if (action === 'delete') await data.accounts.deleteUser(user.id);
    const done =
      action === 'delete' ? 'Deleted' : user.disabledAt === null ? 'Disabled' : 'Already disabled:';
    io.out(`${done} ${user.email}; ended ${ended} session(s).\n`);
  } finally {
    await data.close();
  }
}

/** The account with this email, or a plain error. */
export async function findUser(data: DataAccess, email: string): Promise<User> {
  // The account's canonical email, so `Ada@Bücher.de` finds `ada@xn--bcher-kva.de`, as login does.
  const user = await data.accounts.getUserByEmail(email);
  if (user === null) throw new CliError(`No user with the email ${email}.`);
  return user;
}

async function list(data: DataAccess, flags: Flags, io: CliIo): Promise<void> {
  const users = await data.accounts.listUsers();
  if (flags.json === true) {
    io.out(`${JSON.stringify(users, null, 2)}\n`);
  } else if (users.length === 0) {
    io.out('No users.\n');
  } else {
    for (const user of users) {
      const state = user.disabledAt === null ? '' : '  (disabled)';
      io.out(`${user.id}  ${user.createdAt.toISOString()}  ${user.email}${state}\n`);
    }
  }
}

async function setEmail(
  data: DataAccess,
  user: User,
  newEmail: string,
  flags: Flags,
  io: CliIo,
): Promise<void> {
  let changed: User | null;
  try {
    changed = await data.accounts.setUserEmail(user.id, newEmail);
  } catch (error) {
    if (error instanceof AccountError) throw accountRefusal(error);
    throw error;
  }
  if (changed === null) throw new CliError(`No user with the email ${user.email}.`);
  if (flags.json === true) io.out(`${JSON.stringify(changed)}\n`);
  else io.out(`Changed the email of ${user.email} to ${changed.email}.\n`);
}

async function setPassword(data: DataAccess, user: User, io: CliIo): Promise<void> {
  const password = await readPassword(io, 'New password: ');
  let ended = 0;
  try {
    // Sessions end before the new hash is saved and again after: a failure between leaves the
    // old password with nobody logged in, never the new one with a thief still logged in; and a
    // login that proved the old password meanwhile is ended by the second round (or by its own
    // check of the password it proved).
    const changed = await data.accounts.setUserPassword(user.id, password, {
      beforeSave: async () => {
        ended = await data.sessions.invalidateUserSessions(user.id);
      },
    });
    if (!changed) throw new CliError(`No user with the email ${user.email}.`);
  } catch (error) {
    if (error instanceof AccountError) throw accountRefusal(error);
    throw error;
  }
  ended += await data.sessions.invalidateUserSessions(user.id);
  io.out(`Set a new password for ${user.email}; ended ${ended} session(s).\n`);
}

async function add(data: DataAccess, email: string, flags: Flags, io: CliIo): Promise<void> {
  // With --invite, the user chooses the first password through a link: the account is made
  // with a random one nobody is shown, and the link is made ready before the account is.
  const invite = flags.invite === true ? prepareResetLinks(flags, io) : null;
  const password =
    invite === null ? await readPassword(io, 'Password: ') : randomBytes(32).toString('base64url');
  try {
    const user = await data.accounts.register({ email, password });
    if (invite !== null) await invite.print(data, user, { invited: true });
    else if (flags.json === true) io.out(`${JSON.stringify(user)}\n`);
    else io.out(`Created user ${user.email} (${user.id}).\n`);
  } catch (error) {
    if (error instanceof AccountError) throw accountRefusal(error);
    throw error;
  }
}

/** The password typed at the prompt or piped in; an empty one is a missing one, said plainly. */
async function readPassword(io: CliIo, prompt: string): Promise<string> {
  const password = await io.readSecret(prompt);
  if (password === '') {
    throw new CliError(
      'No password given: type it at the prompt, or pipe it in on standard input ' +
        "(echo '...' | latchkey users ...).",
    );
  }
  return password;
}

/** An account error in the CLI's words: the library's message, begun as a sentence. */
function accountRefusal(error: AccountError): CliError {
  const message = error.message.replace(/^latchkey: /, '');
  return new CliError(message.charAt(0).toUpperCase() + message.slice(1));
}
