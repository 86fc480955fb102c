/**
 * One cookie of a `Cookie` request header, as the browser sent it: neither name nor value is
 * decoded.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.2.1
 */
export interface CookiePair {
  /** The text before the first `=`, without surrounding spaces and tabs; may be empty. */
  name: string;
  /** The text after the first `=`, without surrounding spaces and tabs; may be empty. */
  value: string;
}

const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const SPACE = 0x20;
const TAB = 0x09;

/**
 * Every cookie of a `Cookie` request header, in the order sent, duplicates kept. Tolerant of
 * anything a client may send: it never throws, and returns `[]` for anything that is not a
 * string or an array of strings (an array holds the fields of a header split in several, as
 * HTTP/2 allows; non-string entries are skipped).
 *
 * - Pairs are split on `;`. Spaces and tabs around names and values are removed; nothing else
 *   is (RFC 6265bis section 5.6 trims only WSP).
 * - The name ends at the first `=`; everything after it, further `=` included, is the value.
 * - A pair without `=` is a cookie with an empty name whose value is the whole pair. This is how
 *   browsers send a nameless cookie (`Set-Cookie: =abc` comes back as `Cookie: abc`; see the
 *   retrieval algorithm, RFC 6265bis section 5.8.3).
 * - Empty pairs (`;;`, `=`) are skipped.
 * - Names are compared byte for byte, and nothing is percent-decoded (see `decodeCookieValue`);
 *   a value in double quotes keeps its quotes, as the browser stored them.
 *
 * The result is an array of small objects, never a map keyed by name, so `__proto__` or
 * `constructor` are ordinary names.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.2
 */
export function parseCookieHeader(header: string | readonly string[]): CookiePair[] {
  const input: unknown = header;
  const pairs: CookiePair[] = [];
  if (typeof input === 'string') {
    appendPairs(input, pairs);
  } else if (Array.isArray(input)) {
    // A hostile array (a Proxy, a throwing getter) must not make parsing throw either.
    try {
      for (let index = 0; index < input.length; index++) {
        const field: unknown = input[index];
        if (typeof field === 'string') appendPairs(field, pairs);
      }
    } catch {
      return [];
    }
  }
  return pairs;
}

/**
 * The value of the first cookie called `name` in a `Cookie` header, or `undefined`. It reads the
 * header exactly as {@link parseCookieHeader} does, never throws, and is faster: it jumps from
 * one occurrence of the name to the next with `indexOf` and slices only the value it returns.
 *
 * A header can hold the same name twice (another path, or a cookie tossed from a sibling
 * subdomain); where that matters, as for a session cookie, use {@link getCookieValues}.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.2.2
 */
export function getCookie(header: string | readonly string[], name: string): string | undefined {
  return lookUp(header, name, true)[0];
}

/**
 * The values of every cookie called `name` in a `Cookie` header, in the order sent; `[]` when
 * there is none. More than one value means the browser holds several cookies of that name,
 * which the server cannot tell apart. Reads the header as {@link parseCookieHeader} does and
 * never throws.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.2.2
 */
export function getCookieValues(header: string | readonly string[], name: string): string[] {
  return lookUp(header, name, false);
}

function lookUp(header: string | readonly string[], name: string, firstOnly: boolean): string[] {
  // Both are typed, but JavaScript callers may pass anything: check them as unknown.
  const input: unknown = header;
  const wanted: unknown = name;
  const values: string[] = [];
  if (typeof wanted !== 'string') return values;
  if (name === '') {
    // The empty name matches pairs without "=", which the scan below cannot find by name.
    for (const pair of parseCookieHeader(header)) {
      if (pair.name === '') values.push(pair.value);
    }
    return firstOnly ? values.slice(0, 1) : values;
  }
  // A parsed name never holds ";" or "=" and never starts or ends with WSP, so such a name
  // matches nothing. The scan relies on this.
  if (
    name.includes(';') ||
    name.includes('=') ||
    isWhitespace(name.charCodeAt(0)) ||
    isWhitespace(name.charCodeAt(name.length - 1))
  ) {
    return values;
  }

  if (typeof input === 'string') {
    scanField(input, name, values, firstOnly);
  } else if (Array.isArray(input)) {
    try {
      for (let index = 0; index < input.length; index++) {
        const field: unknown = input[index];
        if (typeof field !== 'string') continue;
        scanField(field, name, values, firstOnly);
        if (firstOnly && values.length > 0) break;
      }
    } catch {
      return [];
    }
  }
  return values;
}

function scanField(field: string, name: string, values: string[], firstOnly: boolean): void {
  let from = 0;
  for (;;) {
    const at = field.indexOf(name, from);
    if (at === -1) return;

    let equals = at + name.length;
    while (isWhitespace(field.charCodeAt(equals))) equals++;
    if (field.charCodeAt(equals) === EQUALS && startsPair(field, at)) {
      let end = field.indexOf(';', equals + 1);
      if (end === -1) end = field.length;
      values.push(trimmed(field, equals + 1, end));
      if (firstOnly) return;
      from = end + 1;
    } else {
      // No pair can start before the next ";": the name holds no ";" and does not start with
      // WSP, so this occurrence cannot overlap a later pair's start.
      const next = field.indexOf(';', at + name.length);
      if (next === -1) return;
      from = next + 1;
    }
  }
}

/** Whether only WSP lies between `at` and the previous ";" (or the start of the field). */
function startsPair(field: string, at: number): boolean {
  let index = at - 1;
  while (index >= 0 && isWhitespace(field.charCodeAt(index))) index--;
  return index < 0 || field.charCodeAt(index) === SEMICOLON;
}

function appendPairs(field: string, pairs: CookiePair[]): void {
  const length = field.length;
  // The next "=" at or after `start`, or `length` when there is none. It is searched for only
  // when the previous one has been passed, so a long run of pairs without "=" stays linear.
  let equals = field.indexOf('=');
  if (equals === -1) equals = length;

  let start = 0;
  while (start < length) {
    let end = field.indexOf(';', start);
    if (end === -1) end = length;
    if (equals < start) {
      equals = field.indexOf('=', start);
      if (equals === -1) equals = length;
    }

    if (equals < end) {
      const name = trimmed(field, start, equals);
      const value = trimmed(field, equals + 1, end);
      if (name !== '' || value !== '') pairs.push({ name, value });
    } else {
      const value = trimmed(field, start, end);
      if (value !== '') pairs.push({ name: '', value });
    }
    start = end + 1;
  }
}

function trimmed(field: string, start: number, end: number): string {
  while (start < end && isWhitespace(field.charCodeAt(start))) start++;
  while (end > start && isWhitespace(field.charCodeAt(end - 1))) end--;
  return field.slice(start, end);
}

/** Whether a UTF-16 code unit is WSP (space or horizontal tab), the only characters trimmed. */
function isWhitespace(code: number): boolean {
  return code === SPACE || code === TAB;
}
