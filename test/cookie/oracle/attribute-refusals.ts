import { PARENT_DOMAIN, SUBDOMAIN_HOST } from './option-sets.js';
import { DEFAULT_PATH, alters, drops, refusalsOf, rejectsResponse } from './refusal.js';

import type { SetCookieOptions } from '../../../src/cookie/index.js';
import type { RefusedCookie, Refusal } from './refusal.js';

/** The refusals of Path and Domain values, each with its hand-written line. */
export function attributeRefusals(): Refusal[] {
  const rows: Refusal[] = [];
  const refuse = refusalsOf(rows, 'COOKIE_ATTRIBUTE_INVALID');
  const parent = `.${PARENT_DOMAIN}`;

  const path = (text: string): RefusedCookie => ({ options: { path: text } });
  const longPath = `/${'p'.repeat(1024)}`;
  refuse(
    'a Path over 1024 bytes',
    path(longPath),
    `a=b; Path=${longPath}`,
    alters({ path: DEFAULT_PATH }),
  );
  refuse(
    'a Path with ";" (attribute injection)',
    { options: { path: '/; Domain=a.localhost' }, host: SUBDOMAIN_HOST },
    'a=b; Path=/; Domain=a.localhost',
    alters({ path: '/', domain: parent }),
  );
  refuse('a Path with a tab', path('/a\tb'), 'a=b; Path=/a\tb', drops);
  refuse(
    'a Path with CR LF (header injection)',
    path('/\r\nX: y'),
    'a=b; Path=/\r\nX: y',
    alters({ path: '/' }),
  );
  refuse('a Path with NUL', path('/\0'), 'a=b; Path=/\0', rejectsResponse);
  refuse('a Path with DEL', path('/a\x7fb'), 'a=b; Path=/a\x7fb', drops);
  refuse('a Path ending with a space', path('/a '), 'a=b; Path=/a ', alters({ path: '/a' }));
  const directory = alters({ path: DEFAULT_PATH });
  refuse('a Path that does not start with "/"', path('api'), 'a=b; Path=api', directory);
  refuse('an empty Path', path(''), 'a=b; Path=', directory);

  // Every Domain case is sent by sub.a.localhost unless it says otherwise.
  const sub = SUBDOMAIN_HOST;
  const domain = (text: string, extra: RefusedCookie = {}): RefusedCookie => ({
    options: { domain: text } satisfies SetCookieOptions,
    host: sub,
    ...extra,
  });
  refuse('an empty Domain', domain(''), 'a=b; Domain=; Path=/', alters({ domain: sub }));
  refuse('a Domain of a lone dot', domain('.'), 'a=b; Domain=.; Path=/', drops);
  refuse(
    'a Domain with two leading dots',
    domain('..a.localhost'),
    'a=b; Domain=..a.localhost; Path=/',
    drops,
  );
  refuse(
    'a Domain with ";" (attribute injection)',
    domain('a.localhost; SameSite=None; Secure'),
    'a=b; Domain=a.localhost; SameSite=None; Secure; Path=/',
    alters({ domain: parent, sameSite: 'None', secure: true }),
  );
  refuse(
    'a Domain with a line break',
    domain('a.localhost\n'),
    'a=b; Domain=a.localhost\n; Path=/',
    alters({ domain: parent, path: DEFAULT_PATH }),
  );
  refuse(
    'a Domain with a port',
    domain('a.localhost:443'),
    'a=b; Domain=a.localhost:443; Path=/',
    drops,
  );
  refuse(
    'a Domain with an empty label',
    domain('a..localhost'),
    'a=b; Domain=a..localhost; Path=/',
    drops,
  );
  refuse(
    'a Domain with a trailing dot',
    domain('a.localhost.'),
    'a=b; Domain=a.localhost.; Path=/',
    drops,
  );
  // Chromium does not resolve host names with a label over 63 characters or over 253 in all, nor
  // names with a character such as "!" (net::ERR_NAME_NOT_RESOLVED, even under .localhost), so
  // no host it can reach is covered by such a Domain. These lines come from a host the Domain
  // does not cover, the only kind there is; nothing is looked up.
  refuse(
    'a Domain label with "!"',
    domain('x!y.a.localhost'),
    'a=b; Domain=x!y.a.localhost; Path=/',
    drops,
  );
  const longLabel = `${'x'.repeat(64)}.${sub}`;
  refuse(
    'a Domain label over 63 characters',
    domain(longLabel),
    `a=b; Domain=${longLabel}; Path=/`,
    drops,
  );
  const longDomain = `${`${'x'.repeat(60)}.`.repeat(4)}${sub}`;
  refuse(
    'a Domain over 253 characters',
    domain(longDomain),
    `a=b; Domain=${longDomain}; Path=/`,
    drops,
  );
  refuse(
    'a Domain not written in ASCII',
    domain('bücher.a.localhost', { host: 'xn--bcher-kva.a.localhost' }),
    'a=b; Domain=bücher.a.localhost; Path=/',
    alters({ domain: '.xn--bcher-kva.a.localhost' }),
  );
  return rows;
}
