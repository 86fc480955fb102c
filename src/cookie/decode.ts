/**
 * Percent-decodes a cookie value (`%20` becomes a space, `%E2%82%AC` becomes `€`). Never
 * throws: an escape that is not valid UTF-8 percent-encoding (`%`, `%zz`, a lone `%C3`) is left
 * as it is, and the valid escapes around it are still decoded. `+` stays `+`: cookie values are
 * not form-encoded. Anything that is not a string gives `''`.
 *
 * Cookie values have no encoding of their own (RFC 6265bis section 4.1.1 allows only
 * cookie-octets); percent-encoding is the usual convention for carrying other characters, and
 * what `encodeURIComponent` produces before `serializeSetCookie`.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-2.1
 */
export function decodeCookieValue(value: string): string {
  const input: unknown = value;
  if (typeof input !== 'string') return '';
  if (!input.includes('%')) return input;
  try {
    return decodeURIComponent(input);
  } catch {
    return decodeLeniently(input);
  }
}

// Decodes one UTF-8 sequence at a time, so that a bad escape spoils only itself.
function decodeLeniently(value: string): string {
  let decoded = '';
  let index = 0;
  while (index < value.length) {
    const percent = value.indexOf('%', index);
    if (percent === -1) break;
    decoded += value.slice(index, percent);

    const width = sequenceWidth(hexByteAt(value, percent + 1));
    const end = percent + 3 * width;
    if (width > 0 && end <= value.length) {
      try {
        decoded += decodeURIComponent(value.slice(percent, end));
        index = end;
        continue;
      } catch {
        // Not a valid sequence (a bad continuation byte, say): keep its first "%" as text.
      }
    }
    decoded += '%';
    index = percent + 1;
  }
  return decoded + value.slice(index);
}

/** The byte written as two hex digits at `index`, or -1. */
function hexByteAt(value: string, index: number): number {
  const high = hexDigit(value.charCodeAt(index));
  const low = hexDigit(value.charCodeAt(index + 1));
  return high === -1 || low === -1 ? -1 : high * 16 + low;
}

function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

// How many bytes a UTF-8 sequence starting with `lead` has (RFC 3629 section 4); 0 when
// `lead` cannot start one (a continuation byte, an overlong or out-of-range lead, or -1).
function sequenceWidth(lead: number): number {
  if (lead < 0) return 0;
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}
