import { framesBody } from './respond.js';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Latchkey } from './latchkey.js';
import type { createNodeRequestReader } from './node.js';
import type { HttpResponse } from './types.js';

/** Options of {@link registerAuthRoutes}, a plugin registered by `latchkeyPlugin`. */
export interface AuthRoutesPluginOptions {
  latchkey: Latchkey;
  read: ReturnType<typeof createNodeRequestReader>;
}

/**
 * The auth routes as an encapsulated Fastify plugin, registered under the prefix by
 * `latchkeyPlugin`. Every path and method under the prefix goes to `handleAuthRoute`, so that
 * unknown paths (404) and wrong methods (405 with `Allow`) answer as the standalone server's do.
 */
export function registerAuthRoutes(
  fastify: FastifyInstance,
  options: AuthRoutesPluginOptions,
): Promise<void> {
  // In this context only: Fastify's parsers would read the body with their own limit and
  // errors. This one reads nothing, and the route reads the raw stream as the server does:
  // at most 16 KiB, 413 `BODY_TOO_LARGE` beyond, 415 for other media types.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _payload, done) => {
    done(null, undefined);
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const http = options.read(request.raw);
    const response = await options.latchkey.handleAuthRoute(http);
    if (response === null) {
      // A path Fastify matched but Latchkey does not see under its prefix (say, `//auth/x`
      // under `ignoreDuplicateSlashes`): the application's 404.
      reply.callNotFound();
      return reply;
    }
    return sendFromFastify(reply, response, { closeConnection: http.bodyAbandoned });
  };
  const config = { latchkeyAuthRoute: true };
  fastify.all('/', { config }, handler);
  fastify.all('/*', { config }, handler);
  return Promise.resolve();
}

/**
 * Sends a Latchkey response through Fastify. `Set-Cookie` lines are added to those already on
 * the reply (Fastify appends that header); every other header replaces one of the same name. A
 * `Content-Length` or `Transfer-Encoding` in the response is not sent.
 */
export function sendFromFastify(
  reply: FastifyReply,
  response: HttpResponse,
  options: { closeConnection?: boolean } = {},
): FastifyReply {
  reply.code(response.status);
  // Fastify frames the body by its length: a Transfer-Encoding set earlier would be a second one.
  reply.removeHeader('transfer-encoding');
  for (const [name, value] of response.headers) {
    // Fastify frames the body itself.
    if (!framesBody(name)) reply.header(name, value);
  }
  // The body was refused part-way: the connection cannot carry another request.
  if (options.closeConnection === true) reply.header('connection', 'close');
  return reply.send(response.body);
}
