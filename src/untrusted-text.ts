/**
 * Text that came from outside (a store driver's error message, which may quote what a server
 * sent back) made fit for a terminal or a log line. A hostile or broken store server can send
 * anything back, the password it was given included, so such text is treated as untrusted:
 *
 * - every password a store was opened with in this process (see {@link registerStoreSecrets}),
 *   and any secret the caller names, is replaced wherever it appears, on the whole text before
 *   it is cut or changed in any way, and again once unprintable characters are spaces;
 * - what looks like a credential is masked as well (a URL's user information and query string,
 *   `password=` and similar pairs, the arguments Redis repeats of a command it refused);
 * - control, format and direction characters and runs of spaces become one space each, and the
 *   text is cut short.
 */

// A longer text is not shown at all: searching it for secrets would hold the event loop too
// long, and cutting it first could split a secret in two (each whole copy before the cut then
// shrinks to the mask, which would bring the split one into view).
const SEARCHED_MAX_LENGTH = 65_536;
// Only this much is masked by patterns, whose cost grows faster than the length.
const MASKED_MAX_LENGTH = 2_000;
// The shortest secret replaced: shorter ones would hit ordinary words.
const SECRET_MIN_LENGTH = 4;
// Registered secrets kept: the most recent ones (a store reopened with a rotated password
// registers the new one; an old one is of no more use to a server that echoes).
const REGISTERED_MAX = 32;
const MASK = '***';

// Control, format and direction characters, and every kind of space, each run made one space.
const UNPRINTABLE_OR_SPACE = /[\p{Cc}\p{Cf}\p{Z}\s]+/gu;
const LINE_BREAK = /[\r\n\u2028\u2029]/;
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
  // As typed, for a URL that does not parse and for a message that quotes it as given: the text
  // between the scheme's `//` and the last `@` before the path, from its first `:` on.
  const typed = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(value)?.[1] ?? '';
  const typedPassword = typed.includes(':') ? typed.slice(typed.indexOf(':') + 1) : '';
  const found = [typedPassword, safeDecode(typedPassword)];
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // Only the typed forms.
  }
  if (url !== null) {
    found.push(url.password, safeDecode(url.password));
    for (const name of ['password', 'sslpassword']) {
      for (const parameter of url.searchParams.getAll(name)) {
        found.push(parameter, encodeURIComponent(parameter));
      }
    }
  }
  return [...new Set(found)].filter((secret) => secret.length >= SECRET_MIN_LENGTH);
}

const registered = new Set<string>();
let registeredLongestFirst: readonly string[] = [];

/**
 * Names secrets that no error Latchkey describes (its log lines' `detail`, the CLI's messages)
 * may show, from now on in this process. `openPostgresStores` and `openRedisStores` register
 * the password they connect with; an application that builds its own `pg` pool or ioredis
 * cluster for the stores registers its password here. Secrets shorter than 4 characters are
 * not replaced (they would hit ordinary words); the 32 most recent are kept.
 */
export function registerStoreSecrets(secrets: Iterable<unknown>): void {
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < SECRET_MIN_LENGTH) continue;
    registered.delete(secret);
    registered.add(secret);
    if (registered.size > REGISTERED_MAX) {
      for (const oldest of registered) {
        registered.delete(oldest);
        break;
      }
    }
  }
  registeredLongestFirst = longestFirst(withSpacedForms([...registered]));
}

/** `text` with every registered secret and every one of `secrets` replaced by `***`. */
export function replaceSecrets(text: string, secrets: readonly string[] = []): string {
  return replaceEach(
    text,
    secrets.length === 0
      ? registeredLongestFirst
      : longestFirst(withSpacedForms([...secrets, ...registered])),
  );
}

/**
 * Untrusted text on one line (its first line, with `firstLine`): secrets replaced, credentials
 * masked, unprintable characters made spaces, then cut to `maxLength` UTF-16 code units (never
 * between the halves of a surrogate pair).
 */
export function untrustedText(
  raw: string,
  secrets: readonly string[],
  maxLength: number,
  options: { firstLine?: boolean } = {},
): string {
  if (raw.length > SEARCHED_MAX_LENGTH) {
    return `(a message of ${String(raw.length)} characters, not shown)`.slice(0, maxLength);
  }
  // First on the text as it came: a secret may hold what the steps below change.
  let text = replaceSecrets(raw, secrets);
  if (options.firstLine === true) text = text.split(LINE_BREAK, 1)[0] ?? '';
  text = text.replace(UNPRINTABLE_OR_SPACE, ' ');
  // Again, with each secret's own runs of spaces and unprintables made one space too: a server
  // may send a secret's spaces as other spaces or unprintable characters.
  text = replaceSecrets(text, secrets);
  // Whatever this cut goes through (a URL whose `@` lies beyond it) is dropped whole: a mask
  // could not recognise it.
  if (text.length > MASKED_MAX_LENGTH) text = text.slice(0, MASKED_MAX_LENGTH).replace(/\S*$/, '');
  for (const [pattern, replacement] of CREDENTIALS) text = text.replace(pattern, replacement);
  text = text.trim();
  if (text.length <= maxLength) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(maxLength - 1)) ? maxLength - 1 : maxLength;
  return text.slice(0, end);
}

/** Each secret, and the same with its runs of spaces and unprintable characters made one space. */
function withSpacedForms(secrets: readonly string[]): string[] {
  return [
    ...new Set(secrets.flatMap((secret) => [secret, secret.replace(UNPRINTABLE_OR_SPACE, ' ')])),
  ];
}

function longestFirst(secrets: readonly string[]): string[] {
  // The longest first: one secret may hold another (a password and its encoded form).
  return secrets
    .filter((secret) => secret.length >= SECRET_MIN_LENGTH)
    .sort((a, b) => b.length - a.length);
}

function replaceEach(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (result.includes(secret)) result = result.replaceAll(secret, MASK);
  }
  return result;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
