import { errorResponse } from './respond.js';

import type { HttpRequest, HttpResponse } from './types.js';

/**
 * The largest request body the auth routes read. An email and a password fit many times over;
 * anything larger is refused before it is parsed. Unit: bytes. Default: 16,384.
 */
export const MAX_BODY_BYTES = 16_384;

/** The body's fields, or the error response to send instead. */
export type BodyResult =
  { ok: true; fields: Readonly<Record<string, unknown>> } | { ok: false; response: HttpResponse };

/**
 * Reads a JSON (`application/json`) or HTML form (`application/x-www-form-urlencoded`) body into
 * an object. Anything else, malformed JSON, a body that is not an object, or one over
 * {@link MAX_BODY_BYTES} gives a 4xx response instead. Never throws on hostile input.
 */
export async function readFields(request: HttpRequest): Promise<BodyResult> {
  const mediaType = (request.header('content-type') ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json' && mediaType !== 'application/x-www-form-urlencoded') {
    return fail(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Send application/json or application/x-www-form-urlencoded.',
    );
  }

  const bytes = await request.readBody(MAX_BODY_BYTES);
  if (bytes === null)
    return fail(413, 'BODY_TOO_LARGE', `The body exceeds ${MAX_BODY_BYTES} bytes.`);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);

  if (mediaType === 'application/x-www-form-urlencoded') {
    // URLSearchParams keeps the last value for a repeated key in Object.fromEntries; a
    // repeated key is ambiguous, so it is refused rather than resolved either way.
    const params = new URLSearchParams(text);
    const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [key, value] of params) {
      if (key in fields)
        return fail(400, 'VALIDATION_FAILED', `The field "${safe(key)}" is repeated.`);
      fields[key] = value;
    }
    return { ok: true, fields };
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail(400, 'INVALID_JSON', 'The body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail(400, 'VALIDATION_FAILED', 'The body must be a JSON object.');
  }
  return { ok: true, fields: parsed as Record<string, unknown> };
}

// With the u flag a surrogate pair is one code point, so only an unpaired half matches.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A required string field of at most `maxLength` characters, or the 400 response to send.
 */
export function stringField(
  fields: Readonly<Record<string, unknown>>,
  name: string,
  maxLength: number,
): { ok: true; value: string } | { ok: false; response: HttpResponse } {
  const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
  if (typeof value !== 'string' || value === '') {
    return fail(400, 'VALIDATION_FAILED', `The field "${name}" must be a non-empty string.`, name);
  }
  if (LONE_SURROGATE.test(value)) {
    // A lone surrogate (from a JSON \ud800 escape) cannot be encoded; refuse it rather than
    // let it collapse into U+FFFD with every other one.
    return fail(400, 'INVALID_ENCODING', `The field "${name}" is not valid Unicode.`, name);
  }
  if (value.length > maxLength) {
    return fail(
      400,
      'VALIDATION_FAILED',
      `The field "${name}" is longer than ${maxLength} characters.`,
      name,
    );
  }
  return { ok: true, value };
}

function fail(
  status: number,
  code: Parameters<typeof errorResponse>[1],
  message: string,
  field?: string,
): { ok: false; response: HttpResponse } {
  const extra = field === undefined ? {} : { field };
  return { ok: false, response: errorResponse(status, code, message, extra) };
}

/** A field name fit to echo back: printable ASCII, short. */
function safe(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '?').slice(0, 40);
}
