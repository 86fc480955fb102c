import { PARENT_DOMAIN, SUBDOMAIN_HOST } from './option-sets.js';
import {
  DEFAULT_PATH,
  alters,
  drops,
  grammarOnly,
  refusalsOf,
  rejectsResponse,
} from './refusal.js';

import type { Refusal } from './refusal.js';

// Why each name or value that Chromium stores as asked is refused all the same. Issue 3 demands
// the server grammar of RFC 6265 section 4.1.1 (kept by RFC 6265bis): cookie-name = token, and
// cookie-value = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE ). What the readers of the Cookie
// header make of such a cookie was checked against Go's net/http (readCookies) and Python 3.11's
// http.cookies.SimpleCookie, each given "x=1; <the pair>; y=2".
const TOKEN =
  'RFC 6265 section 4.1.1: cookie-name = token (RFC 9110), which issue 3 requires; when it' +
  " comes back, Go's net/http skips the pair";
const OCTETS =
  'RFC 6265 section 4.1.1: cookie-value = cookie-octets, or one pair of DQUOTEs around them,' +
  " which issue 3 requires; when it comes back, Go's net/http drops the cookie, and Python's" +
  ' SimpleCookie stops reading there and loses every cookie after it';
const NOT_ASCII =
  ' Header bytes beyond ASCII also have no agreed charset: node:http writes header strings as' +
  ' Latin-1, while Chromium reads these bytes as UTF-8';

/** The refusals of a cookie's name, value and size, each with its hand-written line. */
export function nameValueRefusals(): Refusal[] {
  const rows: Refusal[] = [];

  const name = refusalsOf(rows, 'COOKIE_NAME_INVALID');
  name(
    'an empty name',
    { name: '', value: 'v' },
    '=v; Path=/',
    grammarOnly(
      'RFC 6265 section 4.1.1: a token has at least one character, and issue 3 names the empty' +
        ' name; Chromium sends the cookie back as a bare "v", which Go\'s net/http reads as a' +
        ' cookie named "v" and Python\'s SimpleCookie takes as cause to drop the whole header',
    ),
  );
  name(
    'a name with a space',
    { name: 'a b' },
    'a b=b; Path=/',
    grammarOnly(`${TOKEN}, and Python's SimpleCookie drops the whole header`),
  );
  name('a name with "="', { name: 'a=c' }, 'a=c=b; Path=/', alters({ name: 'a', value: 'c=b' }));
  name('a name with ";"', { name: 'a;c' }, 'a;c=b; Path=/', alters({ name: '', value: 'a' }));
  name(
    'a name with CR LF (header injection)',
    { name: 'a\r\nSet-Cookie: x' },
    'a\r\nSet-Cookie: x=b; Path=/',
    alters({ name: 'x', value: 'b', path: '/' }),
  );
  name(
    'a name with a separator "("',
    { name: 'a(c' },
    'a(c=b; Path=/',
    grammarOnly(`${TOKEN}, and Python's SimpleCookie raises CookieError on the whole header`),
  );
  name(
    'a non-ASCII name',
    { name: 'café' },
    'café=b; Path=/',
    grammarOnly(
      `${TOKEN}, and Python's SimpleCookie stops reading there and loses every cookie after it.` +
        NOT_ASCII,
    ),
  );

  const value = refusalsOf(rows, 'COOKIE_VALUE_INVALID');
  value(
    'a value with an inner space',
    { value: 'b c' },
    'a=b c; Path=/',
    grammarOnly(
      'RFC 6265 section 4.1.1: cookie-octet excludes space, which issue 3 requires; when it' +
        " comes back, Python's SimpleCookie drops the whole header (Go's net/http reads it), and" +
        ' Chromium trims spaces at either end of a value, so those never round-trip',
    ),
  );
  value(
    'a value with ";" (attribute injection)',
    { value: 'b; Domain=a.localhost', host: SUBDOMAIN_HOST },
    'a=b; Domain=a.localhost; Path=/',
    alters({ value: 'b', domain: `.${PARENT_DOMAIN}` }),
  );
  value(
    'a value with CR LF (header injection)',
    { value: 'b\r\nX: y' },
    'a=b\r\nX: y; Path=/',
    alters({ value: 'b', path: DEFAULT_PATH }),
  );
  value('a value with a tab', { value: 'b\tc' }, 'a=b\tc; Path=/', drops);
  value(
    'a value with a comma',
    { value: 'b,c' },
    'a=b,c; Path=/',
    grammarOnly(
      'RFC 6265 section 4.1.1: cookie-octet excludes the comma, which issue 3 requires; code' +
        ' that joins Set-Cookie fields with ", " (Fetch\'s Headers.get) and splits them again' +
        ' cuts the line there, and Rack releases before 2.1.4 and 2.2.3 split the Cookie header' +
        " at commas too (Go's net/http and Python's SimpleCookie read it)",
    ),
  );
  value('a value with a backslash', { value: 'b\\c' }, 'a=b\\c; Path=/', grammarOnly(OCTETS));
  value('a value with NUL', { value: 'b\0' }, 'a=b\0; Path=/', rejectsResponse);
  value('a value with a control character', { value: 'b\x01' }, 'a=b\x01; Path=/', drops);
  value('a value with DEL', { value: 'b\x7f' }, 'a=b\x7f; Path=/', drops);
  value('a non-ASCII value', { value: '€' }, 'a=€; Path=/', grammarOnly(`${OCTETS}.${NOT_ASCII}`));
  const quotes = grammarOnly(OCTETS);
  value('a value with an unbalanced double quote', { value: '"b' }, 'a="b; Path=/', quotes);
  value('a value with a double quote inside', { value: 'b"c' }, 'a=b"c; Path=/', quotes);
  value('a value with two pairs of double quotes', { value: '""b""' }, 'a=""b""; Path=/', quotes);

  const size = refusalsOf(rows, 'COOKIE_TOO_LARGE');
  const long = 'b'.repeat(4096);
  size('a name and value of 4097 bytes', { value: long }, `a=${long}; Path=/`, drops);
  const longName = 'n'.repeat(4000);
  const rest = 'v'.repeat(97);
  const line = `${longName}=${rest}; Path=/`;
  size('a 4000-byte name with a 97-byte value', { name: longName, value: rest }, line, drops);
  return rows;
}
