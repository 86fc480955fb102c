import type { HttpRequest } from '../../src/http/types.js';

/**
 * A request for a handler called in process, without HTTP: header names are matched in lower
 * case, as node:http gives them, and the body is the given text.
 */
export function inProcessRequest(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string; clientAddress?: string } = {},
): HttpRequest {
  const headers = Object.fromEntries(
    Object.entries(options.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const body = new TextEncoder().encode(options.body ?? '');
  return {
    method,
    path,
    clientAddress: options.clientAddress ?? '192.0.2.1',
    protocol: 'http',
    header: (name) => headers[name],
    readBody: () => Promise.resolve(body),
  };
}
