import { it } from 'node:test';

import { exerciseExample } from './example-over-http.js';

it('examples/node registers, logs in, guards, refuses cross-site and logs out over HTTP', async () => {
  await exerciseExample('node');
});
