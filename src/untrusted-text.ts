/**
 * Text that came from outside (a store driver's error message, which may quote what a server
 * sent back) made fit for a terminal or a log line. A hostile or broken store server can send
 * anything back, the password it was given included, so such text is treated as untrusted:
 *
 * - every password a store was opened with in this process (see {@link registerStoreSecrets}),
 *   and any secret the caller names, is replaced wherever it appears, before anything else is
 *   done to the text, so that no cut and no other replacement can split it;
 * - what looks like a credential is masked as well (a URL's user information and query string,
 *   `password=` and similar pairs, the arguments Redis repeats of a command it refused);
 * - control, format and direction characters become spaces, and the text is cut short.
 */

// Only this much of a text is searched for secrets (a literal search, linear in the length), and
// only this much of that masked by patterns (whose cost grows faster): a server chooses the
// length. A secret the first cut splits lies beyond the second, and goes with it.
const SEARCHED_MAX_LENGTH = 65_536;
const MASKED_MAX_LENGTH = 2_000;
// The shortest configured secret replaced: shorter ones would hit ordinary words.
const SECRET_MIN_LENGTH = 4;
const MASK = '***';

const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
const CREDENTIALS: readonly [RegExp, string][] = [
  // Redis repeats the arguments of a command it refused: "with args beginning with: 'AUTH' ...".
  [/(with args beginning with:).*/gi, `$1 ${MASK}`],
  [/([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/gi, `$1${MASK}@`],
  [/([a-z][a-z0-9+.-]*:\/\/[^\s?#]*)[?#]\S*/gi, `$1?${MASK}`],
  [
    /(pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key)(["']?\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi,
    `$1$2${MASK}`,
  ],
  [/(Bearer|Basic)\s+\S+/gi, `$1 ${MASK}`],
];

/**
 * The secrets in a store URL that no message shown or logged may hold: its password (as written
 * and decoded) and its `password` and `sslpassword` query parameters. Nothing for what is not a
 * URL.
 */
export function storeUrlSecrets(value: string): string[] {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [];
  }
  // pg decodes a password with an invalid escape in it escape by escape (`%41%zz` is `A%zz`).
  const found = [url.password, safeDecode(url.password), decodeEachEscape(url.password)];
  for (const name of ['password', 'sslpassword']) {
    for (const parameter of url.searchParams.getAll(name)) {
      found.push(parameter, encodeURIComponent(parameter));
    }
  }
  return [...new Set(found)].filter((secret) => secret.length >= SECRET_MIN_LENGTH);
}

const registered = new Set<string>();

/**
 * Secrets that no text made by {@link untrustedText} may show, from now on in this process: the
 * store openers register the password they connect with (`openPostgresStores`,
 * `openRedisStores`), so that a driver's error quoting it is masked wherever it is described,
 * in an application's log as in the server's. Secrets shorter than 4 characters are not
 * replaced: they would hit ordinary words.
 */
export function registerStoreSecrets(secrets: Iterable<string>): void {
  for (const secret of secrets) {
    if (typeof secret === 'string' && secret.length >= SECRET_MIN_LENGTH) registered.add(secret);
  }
}

/**
 * Untrusted text on one line: `secrets` and the registered store secrets replaced, credentials
 * masked, unprintable characters made spaces, then cut to `maxLength` UTF-16 code units (never
 * between the halves of a surrogate pair).
 */
export function untrustedText(raw: string, secrets: readonly string[], maxLength: number): string {
  let text = raw.length > SEARCHED_MAX_LENGTH ? raw.slice(0, SEARCHED_MAX_LENGTH) : raw;
  // First, on the text as it came: a password may hold what the steps below change.
  text = withoutSecrets(text, [...secrets, ...registered]);
  // Whatever this cut goes through (a URL whose `@` lies beyond it) is dropped whole: a mask
  // could not recognise it.
  if (text.length > MASKED_MAX_LENGTH) text = text.slice(0, MASKED_MAX_LENGTH).replace(/\S*$/, '');
  text = text.replace(UNPRINTABLE, ' ');
  for (const [pattern, replacement] of CREDENTIALS) text = text.replace(pattern, replacement);
  text = text.trim();
  if (text.length <= maxLength) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(maxLength - 1)) ? maxLength - 1 : maxLength;
  return text.slice(0, end);
}

function withoutSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  // The longest first: one secret may hold another (a password and its encoded form).
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= SECRET_MIN_LENGTH) result = result.replaceAll(secret, MASK);
  }
  return result;
}

function decodeEachEscape(text: string): string {
  return text.replace(/(?:%[0-9a-f]{2})+/gi, safeDecode);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
