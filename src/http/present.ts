import { describeUserAgent } from './user-agent.js';

import type { User } from '../accounts/types.js';
import type { Session } from '../session/index.js';

/** What the API shows of a user: never the password hash. */
export function publicUser(user: User): { id: string; email: string; createdAt: string } {
  return { id: user.id, email: user.email, createdAt: user.createdAt.toISOString() };
}

/** What the API shows of a session: never its token. */
export function publicSession(session: Session): {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  absoluteExpiresAt: string;
  client: string;
  /** Whether the browser bound the session to a key it holds (DBSC). */
  deviceBound: boolean;
} {
  return {
    id: session.id,
    createdAt: session.createdAt.toISOString(),
    lastSeenAt: session.lastSeenAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    absoluteExpiresAt: session.absoluteExpiresAt.toISOString(),
    client: describeUserAgent(session.userAgent),
    deviceBound: session.binding !== null,
  };
}
