// Latchkey in a Fastify 5 application: the auth routes under /auth/ and protected routes.
// From the repository root (the package imports resolve to dist/, which the build creates):
//
//   npm run build && node --import tsx examples/fastify/server.ts
//
// Environment: PORT (default 3000, on 127.0.0.1), LATCHKEY_DATA_DIR (default
// examples/fastify/data), LATCHKEY_SECRETS (comma-separated; default: one generated into the
// data folder on first start).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import Fastify from 'fastify';
import { latchkeyPlugin, requireUser } from 'latchkey/fastify';
import { createLatchkey, publicUser } from 'latchkey/http';
import { loadOrCreateSecrets } from 'latchkey/server';
import { openSqliteStores } from 'latchkey/stores/sqlite';

const port = Number(process.env.PORT ?? 3000);
const dataDir = process.env.LATCHKEY_DATA_DIR ?? join(import.meta.dirname, 'data');
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
const secrets = process.env.LATCHKEY_SECRETS?.split(',') ?? loadOrCreateSecrets(dataDir).secrets;
const stores = openSqliteStores(join(dataDir, 'latchkey.db'));
const auth = createLatchkey({ sessionStore: stores.sessions, userStore: stores.users, secrets });

const app = Fastify();
// request.latchkey on every request, the CSRF check on every unsafe request, and the auth
// routes (register, login, logout, session, sessions, password, ...) under /auth.
await app.register(latchkeyPlugin, { latchkey: auth });

app.get('/api/secure-data', { preHandler: requireUser }, (request) => ({
  message: 'This is protected data.',
  user: publicUser(request.latchkey!.user),
}));

app.post<{ Body: { text?: unknown } | undefined }>(
  '/api/notes',
  { preHandler: requireUser },
  async (request, reply) => {
    const text = request.body?.text;
    if (typeof text !== 'string') {
      return reply
        .code(400)
        .send({ error: { code: 'VALIDATION_FAILED', message: 'Send {"text": "..."}.' } });
    }
    return reply.code(201).send({ note: { text, author: request.latchkey!.user.email } });
  },
);

app.addHook('onClose', async () => {
  await stores.close();
});
const url = await app.listen({ port, host: '127.0.0.1' });
console.log(`Fastify 5 example listening on ${url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close();
  });
}
