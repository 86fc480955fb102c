import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

describe('modules loaded on first use', () => {
  it('a server that only checks sessions holds neither the password list nor jose', () => {
    // The list's package unpacks its lists as it loads (about 15 MB of a server's resident
    // memory); jose is some 180 modules (4 MB), needed only for DBSC proofs. The child reports
    // every module it resolves from either (import(), which bundlers follow) and what require()
    // holds (the list's synchronous fallback).
    const url = (path: string): string => new URL(path, import.meta.url).href;
    const script = `
      const { createRequire, register } = await import('node:module');
      const { MessageChannel } = await import('node:worker_threads');
      const { port1, port2 } = new MessageChannel();
      const resolved = [];
      port1.on('message', (found) => resolved.push(found));
      port1.unref();
      register('data:text/javascript,' + encodeURIComponent(\`
        let port;
        export function initialize(data) { port = data.port; }
        export async function resolve(specifier, context, next) {
          const result = await next(specifier, context);
          const watched = /language-common|node_modules\\\\/jose\\\\//;
          if (watched.test(result.url)) port.postMessage(result.url);
          return result;
        }\`), { data: { port: port2 }, transferList: [port2] });
      const loaded = async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const paths = [...resolved, ...Object.keys(createRequire(process.cwd() + '/').cache)];
        return {
          list: paths.some((path) => path.includes('language-common')),
          jose: paths.some((path) => /node_modules[\\\\/]jose[\\\\/]/.test(path)),
        };
      };
      await import(${JSON.stringify(url('../../src/server/index.ts'))});
      const atStart = await loaded();
      const { Accounts } = await import(${JSON.stringify(url('../../src/accounts/index.ts'))});
      const { MemoryUserStore } =
        await import(${JSON.stringify(url('../../src/stores/memory/index.ts'))});
      const refused = await new Accounts(new MemoryUserStore())
        .register({ email: 'ada@example.com', password: 'password1' })
        .then(() => 'registered', (error) => error.code);
      const afterRegistration = await loaded();
      const { verifyRegistrationProof } =
        await import(${JSON.stringify(url('../../src/dbsc/proof.ts'))});
      const proof = await verifyRegistrationProof('not a proof');
      const afterProof = await loaded();
      const seen = { atStart, refused, afterRegistration, proof, afterProof };
      process.stdout.write(JSON.stringify(seen));`;
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), {
      atStart: { list: false, jose: false },
      refused: 'PASSWORD_TOO_COMMON',
      afterRegistration: { list: true, jose: false },
      proof: { ok: false, reason: 'PROOF_MALFORMED' },
      afterProof: { list: true, jose: true },
    });
  });
});
