/**
 * The framework-neutral request every adapter translates into. It holds only what Latchkey
 * reads, so that an adapter is a few lines and the decisions live in one place.
 */
export interface HttpRequest {
  /** Upper-case method, e.g. `POST`. */
  readonly method: string;
  /** The path of the request target, without the query string, e.g. `/auth/login`. */
  readonly path: string;
  /**
   * A request header by lower-case name, or undefined. Repeated headers come joined the way
   * RFC 9110 section 5.3 allows (`, `), except `Cookie`, joined with `; ` (RFC 6265bis 5.7.4).
   */
  header(name: string): string | undefined;
  /** The client's address as the adapter determined it (after any trusted proxy). */
  readonly clientAddress: string;
  /** The scheme the client used (after any trusted proxy). */
  readonly protocol: 'http' | 'https';
  /**
   * The request body, read up to `limitBytes`. Resolves `null` when the body is larger than
   * the limit (the adapter stops reading it). Reading twice gives the same result.
   */
  readBody(limitBytes: number): Promise<Uint8Array | null>;
}

/** A complete response, ready for an adapter to write. */
export interface HttpResponse {
  status: number;
  /**
   * Header pairs in order. Names are matched without regard to case: `Set-Cookie` may repeat,
   * each value a line of its own; any other name given twice keeps its last value. The adapters
   * frame the body themselves: a `Content-Length` or `Transfer-Encoding` here is not sent.
   */
  headers: [string, string][];
  /** The body as text (JSON, HTML, CSS or JavaScript), or empty. */
  body: string;
}

/** Handles a request; the server and every adapter are built from these. */
export type RequestHandler = (request: HttpRequest) => Promise<HttpResponse>;
