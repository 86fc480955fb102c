// The ceiling: node:http answering the same small JSON as Latchkey's protected route, with no
// authentication at all. Every other target is measured as a fraction of this one.
import { createServer } from 'node:http';

import type { AddressInfo } from 'node:net';

const body = JSON.stringify({
  message: 'This is protected data.',
  user: { id: 'kfwratkfjrgsbroyqaywjfwqwy', email: 'bench@example.com', createdAt: new Date(0) },
  session: { expiresAt: new Date(0) },
});

const server = createServer((_request, response) => {
  response.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
