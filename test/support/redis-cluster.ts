import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

import { waitUntil } from './processes.js';
import { startPrivateRedis } from './redis-server.js';

import type { PrivateRedis } from './redis-server.js';

const run = promisify(execFile);
const DEFAULT_CLI = '/usr/bin/redis-cli';

/** A Redis Cluster of three masters this test started, each on a loopback port of its own. */
export interface PrivateRedisCluster {
  ports: number[];
  /** Kills every node and removes their folders. */
  close(): Promise<void>;
}

/**
 * Where redis-cli is (it creates the cluster): `LATCHKEY_TEST_REDIS_CLI`, else
 * /usr/bin/redis-cli. Missing, the cluster test is skipped locally and fails in CI.
 */
export function findRedisCli(): { path: string } | { skip: string } {
  const path = process.env.LATCHKEY_TEST_REDIS_CLI ?? DEFAULT_CLI;
  if (existsSync(path)) return { path };
  const message = `redis-cli not found at ${path} (set LATCHKEY_TEST_REDIS_CLI)`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI does not allow skipping it.`);
  return { skip: `${message}: cluster test skipped.` };
}

/**
 * Starts three cluster-enabled redis-servers (no persistence) and joins them into one cluster
 * with `redis-cli --cluster create`, the slots split between them, no replicas.
 */
export async function startPrivateRedisCluster(
  serverPath: string,
  cliPath: string,
): Promise<PrivateRedisCluster> {
  const nodes: PrivateRedis[] = [];
  const close = async () => {
    await Promise.all(nodes.map((node) => node.close()));
  };
  try {
    for (let n = 0; n < 3; n += 1) {
      nodes.push(
        await startPrivateRedis(serverPath, {
          appendOnly: false,
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
        }),
      );
    }
    const addresses = nodes.map((node) => `127.0.0.1:${String(node.port)}`);
    await run(
      cliPath,
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      {
        timeout: 30_000,
      },
    );
    for (const node of nodes) {
      await waitUntil(`cluster state ok on port ${String(node.port)}`, async () => {
        const { stdout } = await run(cliPath, ['-p', String(node.port), 'cluster', 'info'], {
          timeout: 5_000,
        });
        return stdout.includes('cluster_state:ok');
      });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { ports: nodes.map((node) => node.port), close };
}
