import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { resolveServerConfig } from '../../src/server/config.js';
import { createJsonLogger } from '../../src/server/logger.js';
import { startServer } from '../../src/server/serve.js';

import type { StartServerOptions } from '../../src/server/serve.js';
import type { TestServer } from './server.js';

/** What {@link startSecurityServer} takes beyond `startTestServer`'s options. */
export interface SecurityServerOptions extends Omit<StartServerOptions, 'logger'> {
  /** Environment variables, as `latchkey serve` would read them. Default: none. */
  env?: Record<string, string>;
  /**
   * A data folder to reuse (to restart a server on the same database). It is then left in
   * place by `close()`; the caller removes it. Default: a new temporary folder, removed on close.
   */
  dataDir?: string;
}

/**
 * A Latchkey server on a free loopback port, like `startTestServer`, that also takes the
 * throttle policy, the fresh-login window and an existing data folder. On a start-up failure
 * the temporary folder is removed and the error is rethrown unchanged.
 */
export async function startSecurityServer(
  options: SecurityServerOptions = {},
): Promise<TestServer> {
  const { env = {}, dataDir: given, ...extras } = options;
  const ownsDataDir = given === undefined;
  const dataDir = given ?? newDataDir();
  const lines: string[] = [];
  try {
    const config = resolveServerConfig({
      flags: { port: '0', host: '127.0.0.1', 'data-dir': dataDir },
      env,
    });
    const server = await startServer(config, {
      ...extras,
      logger: createJsonLogger({ write: (line) => lines.push(line) }),
    });
    return {
      url: server.url,
      dataDir,
      get logs() {
        return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      },
      rawLog: () => lines.join(''),
      close: async () => {
        await server.close();
        if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** A new empty temporary data folder; the caller removes it. */
export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'latchkey-security-'));
}
