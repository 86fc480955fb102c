/**
 * RFC 7239 section 4: `Forwarded` is a list of elements, one per proxy and client-most first,
 * each a list of `name=value` pairs joined by `;`, a value a token or a quoted-string. A comma
 * or semicolon inside a quoted-string belongs to the value: a proxy that quotes a client's own
 * `Host` into `host="..."` must not let that client add elements or pairs of its own.
 *
 * Quotes are where the grammar is held to: a quoted-string only where a value starts, nothing
 * after its closing quote but a separator, no quote left open. The client writes the start of
 * the header and the proxies append to it, so a quote the client leaves open, or one in the
 * middle of a token, would otherwise swallow what the proxies wrote after it. Bare values are
 * read more loosely than tokens (`for=192.0.2.1:8080` and `for=[2001:db8::1]`, unquoted, are
 * what some proxies write), and may be empty.
 */

/** One element's pairs, names lower-cased, values unquoted; a repeated name keeps its last. */
export type ForwardedElement = ReadonlyMap<string, string>;

// Every empty element, shared: a header of commas costs no allocation per comma.
const EMPTY: ForwardedElement = new Map();

/** The elements of a `Forwarded` header, client-most first, or null when it is malformed. */
export function parseForwardedHeader(header: string): ForwardedElement[] | null {
  const elements: ForwardedElement[] = [];
  let element = new Map<string, string>();
  let index = 0;
  for (;;) {
    index = skipSpace(header, index);
    // An empty pair (`;;`) or element (`,,`) is allowed, as the list and element rules do.
    const separator = header.charAt(index);
    if (separator !== ';' && separator !== ',' && index < header.length) {
      const pair = readPair(header, index);
      if (pair === null) return null;
      element.set(pair.name, pair.value);
      index = skipSpace(header, pair.end);
    }
    if (index >= header.length) break;
    const next = header.charAt(index);
    if (next === ',') {
      elements.push(element.size === 0 ? EMPTY : element);
      if (element.size > 0) element = new Map();
    } else if (next !== ';') {
      return null;
    }
    index += 1;
  }
  elements.push(element.size === 0 ? EMPTY : element);
  return elements;
}

/**
 * The elements of a `Forwarded` header; when it is malformed, its longest well-formed tail of
 * at most `maxElements` elements. The proxies append theirs after what the client wrote, so a
 * client that spoils the start of the header loses that start, not the elements its proxies
 * added (which name its own address). Null when not even the last element is well formed.
 */
export function parseForwardedTail(header: string, maxElements: number): ForwardedElement[] | null {
  const whole = parseForwardedHeader(header);
  if (whole !== null) return whole;
  let longest: ForwardedElement[] | null = null;
  let end = header.length;
  for (let tries = 0; tries < maxElements; tries += 1) {
    const comma = header.lastIndexOf(',', end - 1);
    if (comma === -1) break;
    const tail = parseForwardedHeader(header.slice(comma + 1));
    // A tail that fails after one that parsed has reached the spoiled part.
    if (tail !== null) longest = tail;
    else if (longest !== null) break;
    end = comma;
  }
  return longest;
}

// RFC 9110 section 5.6.2: the characters of a token.
const TOKEN_CHARACTER = /^[!#$%&'*+.^_`|~0-9A-Za-z-]$/;

/** `name=value` at `start`, and where it ends; null when it is not one. */
function readPair(
  header: string,
  start: number,
): { name: string; value: string; end: number } | null {
  let index = start;
  while (index < header.length && TOKEN_CHARACTER.test(header.charAt(index))) index += 1;
  if (index === start || header.charAt(index) !== '=') return null;
  const name = header.slice(start, index).toLowerCase();
  index += 1;

  if (header.charAt(index) === '"') {
    // quoted-string: up to the closing quote, a backslash keeping the character after it.
    let value = '';
    index += 1;
    for (;;) {
      if (index >= header.length) return null;
      const character = header.charAt(index);
      if (character === '"') return { name, value, end: index + 1 };
      if (character === '\\') {
        index += 1;
        if (index >= header.length) return null;
      }
      value += header.charAt(index);
      index += 1;
    }
  }
  // A bare value: up to the next separator. Addresses with ports (`192.0.2.1:8080`) and
  // brackets are written bare by some proxies, so more than token characters are taken, but
  // never a quote, which would start a quoted-string where none may start.
  const valueStart = index;
  while (index < header.length && !/[;,\s"]/.test(header.charAt(index))) index += 1;
  // A quote here would open a quoted-string inside a value: refused, as the caller would.
  if (header.charAt(index) === '"') return null;
  return { name, value: header.slice(valueStart, index), end: index };
}

function skipSpace(header: string, start: number): number {
  let index = start;
  while (header.charAt(index) === ' ' || header.charAt(index) === '\t') index += 1;
  return index;
}
