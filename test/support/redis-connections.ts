import assert from 'node:assert/strict';

import { Redis } from 'ioredis';

import type { RedisOptions } from 'ioredis';

/** Resolves once a connection is ready (commands fail before: no offline queue). */
export async function whenReady(connection: Redis): Promise<void> {
  if (connection.status !== 'ready') {
    await new Promise((resolve) => connection.once('ready', resolve));
  }
}

/** The id of the connection named exactly `name`, from `admin`'s CLIENT LIST. */
export async function connectionId(admin: Redis, name: string): Promise<string> {
  const line = String(await admin.client('LIST'))
    .split('\n')
    .find((entry: string) => entry.includes(` name=${name} `));
  const id = /^id=(\d+) /.exec(line ?? '')?.[1];
  assert.ok(id !== undefined, `no connection named ${name}`);
  return id;
}

/**
 * The libuv handle under a connection's socket: `readStop()` leaves what arrives unread (a close
 * included) until `readStart()`.
 */
export function socketHandle(connection: Redis): { readStop(): void; readStart(): void } {
  return (connection.stream as unknown as { _handle: { readStop(): void; readStart(): void } })
    ._handle;
}

/** The id of the record a lookup found, null, or the code of the error it failed with. */
export function outcomeOf(lookup: Promise<{ id: string } | null>): Promise<string | null> {
  return lookup.then(
    (found) => found?.id ?? null,
    (error: unknown) => (error as { code?: string }).code ?? String(error),
  );
}

/**
 * Every command naming a key under `prefix` that Redis runs while `run` runs (MONITOR through a
 * connection made like `client`; `admin` marks the start and end).
 */
export async function commandsDuring(
  client: Redis,
  admin: Redis,
  prefix: string,
  run: () => Promise<void>,
): Promise<string[]> {
  const monitor = await client.monitor();
  const seen: string[] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args.some((arg) => arg.startsWith(`${prefix}:`))) seen.push(args.join(' '));
  });
  try {
    // MONITOR starts with the reply to its own command; a PING through it marks the start.
    await admin.ping();
    await run();
    await admin.ping();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    monitor.disconnect();
  }
  return seen;
}

/** A client whose `duplicate()` connections are kept in `duplicates`, for a test to reach. */
export function watchedClient(
  url: string,
  options: RedisOptions & { replyMapping: 'legacy' },
): { client: Redis; duplicates: Redis[] } {
  const duplicates: Redis[] = [];
  class Watched extends Redis {
    override duplicate(override?: Partial<RedisOptions>): Redis {
      const connection = super.duplicate(override);
      duplicates.push(connection);
      return connection;
    }
  }
  return { client: new Watched(url, options), duplicates };
}
