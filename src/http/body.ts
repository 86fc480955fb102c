import { repeatedTopLevelName } from './json-keys.js';
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
 * an object. Anything else, a `Content-Encoding`, malformed JSON, a body that is not an object,
 * a field named twice, or a body over {@link MAX_BODY_BYTES} gives a 4xx response instead. Never
 * throws on hostile input.
 */
export async function readFields(request: HttpRequest): Promise<BodyResult> {
  const [type = '', ...parameters] = (request.header('content-type') ?? '').split(';');
  const mediaType = type.trim().toLowerCase();
  const charset = parameters
    .map((parameter) => parameter.trim().toLowerCase())
    .find((parameter) => parameter.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"(.*)"$/, '$1');
  const known = mediaType === 'application/json' || mediaType === FORM;
  if (!known || (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')) {
    return fail(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Send application/json or application/x-www-form-urlencoded, in UTF-8.',
    );
  }

  const coding = request.header('content-encoding')?.trim().toLowerCase() ?? '';
  if (coding !== '' && coding !== 'identity') {
    // RFC 9110 section 15.5.16: 415 for a content coding the server does not read, with
    // Accept-Encoding naming the ones it does.
    const response = errorResponse(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      'Send the body as it is, without a Content-Encoding such as gzip.',
      { headers: [['Accept-Encoding', 'identity']] },
    );
    return { ok: false, response };
  }

  const bytes = await request.readBody(MAX_BODY_BYTES);
  if (bytes === null) {
    return fail(413, 'BODY_TOO_LARGE', `The body exceeds ${MAX_BODY_BYTES} bytes.`);
  }
  let text: string;
  try {
    // Strict: lenient decoding turns every undecodable byte into U+FFFD, so different inputs
    // (and passwords) would become the same string.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail(400, 'INVALID_ENCODING', 'The body is not valid UTF-8.');
  }

  if (mediaType === FORM) {
    // `curl -d '{...}'` without a Content-Type sends JSON labelled as a form: say so, rather
    // than report the fields it holds as missing.
    if (/^[ \t\r\n]*\{[ \t\r\n]*["}]/.test(text)) {
      return fail(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'The body is JSON but its Content-Type says a form: send Content-Type: application/json.',
      );
    }
    return parseForm(text);
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
  const repeated = repeatedTopLevelName(text);
  if (repeated !== null) {
    return fail(
      400,
      'VALIDATION_FAILED',
      `The field "${safe(repeated)}" is repeated.`,
      safe(repeated),
    );
  }
  return { ok: true, fields: parsed as Record<string, unknown> };
}

// With the u flag a surrogate pair is one code point, so only an unpaired half matches.
const LONE_SURROGATE = /\p{Cs}/u;

const FORM = 'application/x-www-form-urlencoded';

/**
 * An HTML form body (WHATWG URL standard, application/x-www-form-urlencoded), decoded strictly:
 * a percent-escape that is not UTF-8 is refused (URLSearchParams would turn it into U+FFFD),
 * and so is a repeated field, which is ambiguous.
 */
function parseForm(text: string): BodyResult {
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const rawValue = equals === -1 ? '' : pair.slice(equals + 1);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      return fail(400, 'INVALID_ENCODING', 'The form body has an escape that is not UTF-8.');
    }
    if (name in fields) {
      return fail(400, 'VALIDATION_FAILED', `The field "${safe(name)}" is repeated.`, safe(name));
    }
    fields[name] = value;
  }
  return { ok: true, fields };
}

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
