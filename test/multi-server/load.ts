import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

import { errorCode } from '../support/server.js';

/** One kind of request the load sends, and what a correct answer to it is. */
export interface Probe {
  path: '/api/secure-data' | '/auth/session';
  /** `name=value` for the Cookie header. */
  cookie: string;
  /**
   * The email of the live session the cookie names, or null for a revoked or forged one: a
   * live cookie must get 200 for that user or 503; a dead one 401 or 503, never 200.
   */
  email: string | null;
}

/** What the load saw. */
export interface LoadResult {
  /** Requests by `live|dead`, status and error code, e.g. `live 503 STORE_UNAVAILABLE`. */
  counts: Map<string, number>;
  /** Every wrong answer (first 50), described. */
  violations: string[];
  total: number;
  /** Live-cookie 200s received after the last 503: the servers recovered during the load. */
  authorisedAfterLastOutage: number;
}

/** Bounds of a load run; every loop stops at whichever comes first. */
export interface LoadBounds {
  loops: number;
  /** Total requests across all loops. */
  maxRequests: number;
  /** Wall-clock length of the run. Unit: milliseconds. */
  maxMs: number;
  /** Pause between one loop's requests, to keep the rate modest. Unit: milliseconds. */
  pauseMs: number;
  /** A request with no answer after this long counts as a violation. Unit: milliseconds. */
  requestTimeoutMs: number;
}

const DEFAULT_BOUNDS: LoadBounds = {
  loops: 4,
  maxRequests: 3_000,
  maxMs: 12_000,
  pauseMs: 10,
  requestTimeoutMs: 10_000,
};

/**
 * Sends `probes` round-robin to `baseUrl` from concurrent loops, within `bounds`, and checks
 * each answer: 200 only for a live cookie and its own user, otherwise 401 (dead cookies only)
 * or 503 `STORE_UNAVAILABLE`; never a Set-Cookie that clears the cookie, and none at all on
 * anything but a 200.
 */
export async function runLoad(
  baseUrl: string,
  probes: readonly Probe[],
  bounds: Partial<LoadBounds> = {},
): Promise<LoadResult> {
  const { loops, maxRequests, maxMs, pauseMs, requestTimeoutMs } = { ...DEFAULT_BOUNDS, ...bounds };
  const counts = new Map<string, number>();
  const violations: string[] = [];
  const deadline = performance.now() + maxMs;
  let sent = 0;
  let authorisedAfterLastOutage = 0;

  const record = (probe: Probe, label: string, problem: string | null): void => {
    const kind = probe.email === null ? 'dead' : 'live';
    const key = `${kind} ${label}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (label.startsWith('503')) authorisedAfterLastOutage = 0;
    else if (label === '200' && problem === null) authorisedAfterLastOutage += 1;
    if (problem !== null && violations.length < 50) {
      violations.push(`${probe.path} with a ${kind} cookie: ${problem}`);
    }
  };

  const loop = async (offset: number): Promise<void> => {
    for (let turn = offset; sent < maxRequests && performance.now() < deadline; turn += 1) {
      sent += 1;
      const probe = probes[turn % probes.length];
      if (probe === undefined) return;
      try {
        const response = await fetch(new URL(probe.path, baseUrl), {
          headers: { cookie: probe.cookie },
          signal: AbortSignal.timeout(requestTimeoutMs),
        });
        const body: unknown = await response.json().catch(() => null);
        const code = errorCode(body);
        const label = code === undefined ? String(response.status) : `${response.status} ${code}`;
        record(probe, label, judge(probe, response.status, code, body, response.headers));
      } catch (error) {
        const name = error instanceof Error ? error.name : 'error';
        record(probe, name, `no answer (${name})`);
      }
      await delay(pauseMs);
    }
  };

  await Promise.all(Array.from({ length: loops }, (_, index) => loop(index)));
  return { counts, violations, total: sent, authorisedAfterLastOutage };
}

/** What is wrong with an answer, or null when it is one of the allowed ones. */
function judge(
  probe: Probe,
  status: number,
  code: string | undefined,
  body: unknown,
  headers: Headers,
): string | null {
  const setCookies = headers.getSetCookie();
  if (setCookies.some((line) => /^[^=]*=;|max-age=0(?:;|$)/i.test(line))) {
    return `status ${status} cleared the cookie`;
  }
  if (status !== 200 && setCookies.length > 0) return `status ${status} set a cookie`;
  if (status === 503) return code === 'STORE_UNAVAILABLE' ? null : `503 with code ${String(code)}`;
  if (probe.email === null) {
    if (status === 401) return code === 'UNAUTHENTICATED' ? null : `401 with ${String(code)}`;
    return `status ${status}: ${status === 200 ? 'authorised without a session' : 'unexpected'}`;
  }
  if (status !== 200) return `status ${status}: ${status === 401 ? 'logged out' : 'unexpected'}`;
  const email = (body as { user?: { email?: unknown } } | null)?.user?.email;
  return email === probe.email ? null : `200 for ${String(email)}, not the cookie's user`;
}

/** `counts` as one line, sorted by key, for a test's diagnostics. */
export function describeCounts(counts: ReadonlyMap<string, number>): string {
  return [...counts.entries()]
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([key, count]) => `${key}: ${count}`)
    .join(', ');
}
