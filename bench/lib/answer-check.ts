import type { Session } from './field-targets.js';

// Every key of the answer, with the type of its value: what every target must send.
const EXPECTED_SHAPE = JSON.stringify({
  message: 'string',
  user: { id: 'string', email: 'string', createdAt: 'string' },
  session: { expiresAt: 'string' },
});
const CHECK_TIMEOUT_MS = 10_000;

/**
 * Before anything is timed: the target answers `GET /api/secure-data` with 200 and the agreed
 * JSON shape when the session cookie is sent (and names the user who logged in), and with 401
 * when it is not. A benchmark that measured refusals would be void. `session` is null for the
 * ceiling, which authenticates nobody.
 */
export async function checkAnswers(url: string, session: Session | null): Promise<void> {
  const endpoint = `${url}/api/secure-data`;
  const signal = () => AbortSignal.timeout(CHECK_TIMEOUT_MS);
  const withCookie = await fetch(endpoint, {
    headers: session === null ? {} : { cookie: session.cookie },
    signal: signal(),
  });
  const text = await withCookie.text();
  if (withCookie.status !== 200) {
    throw new Error(`answered ${withCookie.status} with the cookie: ${text.slice(0, 300)}`);
  }
  const body = JSON.parse(text) as { user?: { email?: unknown } };
  if (JSON.stringify(shape(body)) !== EXPECTED_SHAPE) {
    throw new Error(`answered a different shape: ${text.slice(0, 300)}`);
  }
  if (session === null) return;
  if (body.user?.email !== session.email) {
    throw new Error(`answered for another user than the one logged in: ${text.slice(0, 300)}`);
  }
  const withoutCookie = await fetch(endpoint, { signal: signal() });
  await withoutCookie.arrayBuffer();
  if (withoutCookie.status !== 401) {
    throw new Error(`answered ${withoutCookie.status} without a cookie, not 401`);
  }
}

/** A JSON value with every leaf replaced by its type. */
function shape(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return typeof value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]));
}
