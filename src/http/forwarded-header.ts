/**
 * RFC 7239 section 4: `Forwarded` is a list of elements, one per proxy and client-most first,
 * each a list of `name=value` pairs joined by `;`, a value a token or a quoted-string. A comma
 * or semicolon inside a quoted-string belongs to the value: a proxy that quotes a client's own
 * `Host` into `host="..."` must not let that client add elements or pairs of its own.
 */

/** One element's pairs, names lower-cased, values unquoted; a repeated name keeps its last. */
export type ForwardedElement = ReadonlyMap<string, string>;

/** The elements of a `Forwarded` header, client-most first. Never throws. */
export function parseForwardedHeader(header: string): ForwardedElement[] {
  const elements: ForwardedElement[] = [];
  let element = new Map<string, string>();
  let pair = '';
  let quoted = false;
  const endPair = (): void => {
    const equals = pair.indexOf('=');
    const name = equals === -1 ? '' : pair.slice(0, equals).trim().toLowerCase();
    if (name !== '') element.set(name, unquote(pair.slice(equals + 1).trim()));
    pair = '';
  };

  for (let index = 0; index < header.length; index += 1) {
    const character = header.charAt(index);
    if (quoted) {
      // quoted-pair: the backslash and the character it escapes stay together.
      if (character === '\\' && index + 1 < header.length) {
        pair += character + header.charAt(index + 1);
        index += 1;
        continue;
      }
      if (character === '"') quoted = false;
      pair += character;
    } else if (character === '"') {
      quoted = true;
      pair += character;
    } else if (character === ';') {
      endPair();
    } else if (character === ',') {
      endPair();
      elements.push(element);
      element = new Map();
    } else {
      pair += character;
    }
  }
  endPair();
  elements.push(element);
  return elements;
}

// A quoted-string without its quotes and with its quoted-pairs undone (RFC 9110 section 5.6.4);
// a token as it is. An unterminated quote keeps what follows it.
function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  const body = value.length > 1 && value.endsWith('"') ? value.slice(1, -1) : value.slice(1);
  return body.replace(/\\(.)/g, '$1');
}
