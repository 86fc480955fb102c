import { PARENT_DOMAIN, SUBDOMAIN_HOST } from './option-sets.js';
import { DEFAULT_PATH, alters, asAsked, drops, refusalsOf, rejectsResponse } from './refusal.js';

import type { Refusal } from './refusal.js';

const NOT_A_TOKEN =
  'not an RFC 9110 token; servers that read the Cookie header by the grammar skip such a' +
  " cookie (Go's net/http does)";
const NOT_COOKIE_OCTETS =
  'outside cookie-octet; servers that read the Cookie header by the grammar drop such a cookie' +
  " (Go's net/http does)";
const NOT_ASCII =
  'header bytes beyond ASCII have no agreed charset: node:http writes header strings as' +
  ' Latin-1, while Chromium reads these bytes as UTF-8, so the result depends on the server';

/** The refusals of a cookie's name, value and size, each with its hand-written line. */
export function nameValueRefusals(): Refusal[] {
  const rows: Refusal[] = [];

  const name = refusalsOf(rows, 'COOKIE_NAME_INVALID');
  name(
    'an empty name',
    { name: '', value: 'v' },
    '=v; Path=/',
    asAsked(
      'a nameless cookie comes back as "Cookie: v", which servers read differently: ours as a' +
        ' nameless cookie, Go\'s net/http as a cookie named "v" with an empty value',
    ),
  );
  name('a name with a space', { name: 'a b' }, 'a b=b; Path=/', asAsked(NOT_A_TOKEN));
  name('a name with "="', { name: 'a=c' }, 'a=c=b; Path=/', alters({ name: 'a', value: 'c=b' }));
  name('a name with ";"', { name: 'a;c' }, 'a;c=b; Path=/', alters({ name: '', value: 'a' }));
  name(
    'a name with CR LF (header injection)',
    { name: 'a\r\nSet-Cookie: x' },
    'a\r\nSet-Cookie: x=b; Path=/',
    alters({ name: 'x', value: 'b', path: '/' }),
  );
  name('a name with a separator "("', { name: 'a(c' }, 'a(c=b; Path=/', asAsked(NOT_A_TOKEN));
  name('a non-ASCII name', { name: 'café' }, 'café=b; Path=/', asAsked(NOT_ASCII));

  const value = refusalsOf(rows, 'COOKIE_VALUE_INVALID');
  value(
    'a value with an inner space',
    { value: 'b c' },
    'a=b c; Path=/',
    asAsked(
      'cookie-octet excludes space, and Chromium trims spaces at either end (" b " comes back as' +
        ' "b"), so a value with spaces does not reliably round-trip',
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
    asAsked(
      'cookie-octet excludes the comma, which is where the RFC 2965 Cookie syntax and naive' +
        ' splitting of folded Set-Cookie fields (RFC 9110 section 5.3) cut a header in two',
    ),
  );
  value(
    'a value with a backslash',
    { value: 'b\\c' },
    'a=b\\c; Path=/',
    asAsked(NOT_COOKIE_OCTETS),
  );
  value('a value with NUL', { value: 'b\0' }, 'a=b\0; Path=/', rejectsResponse);
  value('a value with a control character', { value: 'b\x01' }, 'a=b\x01; Path=/', drops);
  value('a value with DEL', { value: 'b\x7f' }, 'a=b\x7f; Path=/', drops);
  value('a non-ASCII value', { value: '€' }, 'a=€; Path=/', asAsked(NOT_ASCII));
  const quotes = asAsked(NOT_COOKIE_OCTETS);
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
