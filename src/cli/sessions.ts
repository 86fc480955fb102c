import { describeUserAgent } from '../http/user-agent.js';
import { openData } from './data.js';
import { CliError } from './io.js';
import { findUser } from './users.js';

import type { CliIo } from './io.js';

/** Help for `latchkey sessions`. */
export const SESSIONS_HELP = `Usage:
  latchkey sessions list --user <email>     a user's live sessions, newest first
  latchkey sessions revoke <session-id>     end one session
  latchkey sessions revoke --user <email>   end every session of a user

Options:
  --data-dir DIR   folder holding latchkey.db (env LATCHKEY_DATA_DIR, default ./data)
  --store URL      another store: postgres://... or redis://... (env LATCHKEY_STORE)
  --json           print JSON instead of text
  -h, --help       show this help
`;

/** `latchkey sessions list|revoke`, for administrators. */
export async function sessionsCommand(
  positionals: readonly string[],
  flags: Readonly<Record<string, string | boolean | undefined>>,
  io: CliIo,
): Promise<void> {
  const [action, ...rest] = positionals;
  const email = typeof flags.user === 'string' ? flags.user : undefined;
  if (action !== 'list' && action !== 'revoke') {
    throw new CliError(`Say list or revoke.\n\n${SESSIONS_HELP}`, 2);
  }
  if (action === 'list' && (email === undefined || rest.length > 0)) {
    throw new CliError(`sessions list needs --user <email>.\n\n${SESSIONS_HELP}`, 2);
  }
  if (action === 'revoke' && (email === undefined) === (rest.length !== 1)) {
    throw new CliError(`Give one session id or --user <email>.\n\n${SESSIONS_HELP}`, 2);
  }

  const data = await openData(flags, io, { create: false });
  try {
    if (action === 'revoke' && email === undefined) {
      const id = rest[0] ?? '';
      if (!(await data.sessions.sessionExists(id))) {
        throw new CliError(`No live session with the id ${id}.`);
      }
      await data.sessions.invalidateSession(id);
      io.out(`Ended session ${id}.\n`);
      return;
    }
    const user = await findUser(data, email ?? '');
    if (action === 'revoke') {
      const ended = await data.sessions.invalidateUserSessions(user.id);
      io.out(`Ended ${ended} session(s) of ${user.email}.\n`);
      return;
    }
    const sessions = await data.sessions.listUserSessions(user.id);
    if (flags.json === true) {
      io.out(`${JSON.stringify(sessions, null, 2)}\n`);
      return;
    }
    if (sessions.length === 0) io.out(`${user.email} has no live sessions.\n`);
    for (const session of sessions) {
      io.out(
        `${session.id}  created ${session.createdAt.toISOString()}  last seen ` +
          `${session.lastSeenAt.toISOString()}  ${describeUserAgent(session.userAgent)}\n`,
      );
    }
  } finally {
    await data.close();
  }
}
