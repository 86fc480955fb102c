// How the corpus tests turn raw response bytes into header fields, as a browser's HTTP/1.1
// parser does. Both corpora describe responses as bytes, not strings, so the decoding is a
// decision, made once here:
//
// - Lines end at LF (0x0A), as the http-state files are written; HTTP/1.1 parsers in browsers
//   accept a bare LF as a line end (RFC 9112 section 2.2). A bare CR inside a line is passed on
//   untouched: the cookie parser then drops the line for its control character, which is also
//   what RFC 9112 section 2.2 allows a recipient to do with the whole field.
// - Each line is decoded as latin1, one character per octet (the "isomorphic decode" of Fetch,
//   which Node's http uses too). Header values are octets (RFC 9110 section 5.5) and RFC 6265bis
//   keeps cookie names and values as octet sequences; Chromium stores them as bytes. So the jar
//   keeps the octets, and the Cookie header comes out byte for byte as a browser sends it.
// - A line without ":" is not a header field, and is skipped.

/** The header fields of a raw response that matter to cookies. */
export interface CookieResponse {
  setCookies: string[];
  location: string | undefined;
}

/** Reads `Set-Cookie` and `Location` fields from raw header bytes (no status line). */
export function readRawResponse(bytes: Uint8Array): CookieResponse {
  const response: CookieResponse = { setCookies: [], location: undefined };
  for (const line of splitLines(bytes)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon).toLowerCase();
    // The field value excludes leading and trailing whitespace (RFC 9110 section 5.5).
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (name === 'set-cookie') response.setCookies.push(value);
    if (name === 'location') response.location = value;
  }
  return response;
}

/** The latin1 decoding of each LF-terminated line of `bytes`. */
export function splitLines(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let index = 0; index <= bytes.length; index++) {
    if (index === bytes.length || bytes[index] === 0x0a) {
      if (index > start) lines.push(Buffer.from(bytes.subarray(start, index)).toString('latin1'));
      start = index + 1;
    }
  }
  return lines;
}
