/**
 * A request body that a framework's body parser already read, turned back into bytes for
 * `HttpRequest.readBody`. Express (`express.json()`, `express.urlencoded()`) and Fastify read
 * the request stream themselves and keep only what they parsed; Latchkey's auth routes and its
 * CSRF form-token check read bytes. Used by the Express and Fastify adapters only.
 *
 * The result parses to the same fields as the original body wherever the two can differ in a
 * way that matters: a repeated form key stays repeated (and is refused), a lone surrogate stays
 * escaped in JSON (and is refused), a nested form value (`email[x]=1`) is left out (so the
 * field is missing, as it is in the raw body).
 */
export function bytesFromParsedBody(contentType: string | undefined, body: unknown): Uint8Array {
  // A body parser that ran first decoded the bytes leniently: every invalid sequence became
  // U+FFFD, so distinct inputs (passwords) may have become one string. What it cannot tell
  // apart is refused here by sending bytes Latchkey's own strict decoder rejects.
  if (containsReplacement(body)) return INVALID_UTF8;
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (typeof body !== 'object' || body === null) return new Uint8Array(0);

  const mediaType = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType === 'application/x-www-form-urlencoded') {
    return new TextEncoder().encode(formFields(body).toString());
  }
  if (mediaType === 'application/json') {
    // JSON.stringify writes a lone surrogate as a \u escape (ES2019), so it survives the trip.
    return new TextEncoder().encode(JSON.stringify(body));
  }
  return new Uint8Array(0);
}

/** Form fields from a parsed form body: strings as they are, arrays as repeated keys. */
function formFields(body: object): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(body)) {
    if (typeof value === 'string') params.append(key, value);
    else if (Array.isArray(value)) {
      for (const item of value) if (typeof item === 'string') params.append(key, item);
    }
  }
  return params;
}

// A lone continuation byte: never valid UTF-8, so readFields answers 400 INVALID_ENCODING.
const INVALID_UTF8 = Uint8Array.from([0x80]);

function containsReplacement(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\uFFFD');
  if (depth > 4 || typeof value !== 'object' || value === null) return false;
  return Object.values(value).some((item) => containsReplacement(item, depth + 1));
}
