/**
 * Text that came from outside (a store driver's error message, which may quote what a server
 * sent back) made fit for a terminal or a log line. A hostile or broken store server can send
 * anything back, the password it was given included, so such text is treated as untrusted:
 *
 * - every password a store was opened with in this process (see {@link registerStoreSecrets}),
 *   and any secret the caller names, is replaced wherever it appears, on the whole text before
 *   it is cut or changed in any way, and also where the server added, dropped or swapped
 *   spaces, control characters or characters that display as nothing within it;
 * - what looks like a credential is masked as well (a URL's user information and query string,
 *   `password=` and similar pairs, the arguments Redis repeats of a command it refused);
 * - control, format and direction characters become spaces, and the text is cut short.
 */

// A longer text is not shown at all: searching it for secrets would hold the event loop too
// long, and cutting it first could split a secret in two (each whole copy before the cut then
// shrinks to the mask, which would bring the split one into view).
const SEARCHED_MAX_LENGTH = 65_536;
// Only this much is masked by patterns, whose cost grows faster than the length.
const MASKED_MAX_LENGTH = 2_000;
// The shortest secret replaced: shorter ones would hit ordinary words.
const SECRET_MIN_LENGTH = 4;
// Registered secrets kept: the most recent ones (a store registers two to seven forms of its
// password; one reopened with a rotated password registers the new one, and an old one is of no
// more use to a server that echoes).
const REGISTERED_MAX = 64;
const MASK = '***';

const UNPRINTABLE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
// What a server can add to, drop from or swap within an echoed secret without changing how it
// reads: spaces of every kind, control and format characters, and what displays as nothing.
const FILLER = '[\\p{Default_Ignorable_Code_Point}\\p{Cc}\\p{Cf}\\p{Z}\\s]';
const FILLER_CHARACTER = new RegExp(`^${FILLER}$`, 'u');
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
  // after the scheme's `//` up to the last `@` before the path, and up to the last `@` of all (a
  // password typed with a raw `/`, `?` or `#`), each from its first `:` on.
  const found: string[] = [];
  for (const pattern of [/^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i, /^[a-z][a-z0-9+.-]*:\/\/(.*)@/is]) {
    const typed = pattern.exec(value)?.[1] ?? '';
    const password = typed.includes(':') ? typed.slice(typed.indexOf(':') + 1) : '';
    found.push(password, safeDecode(password));
  }
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

/** A secret to replace, and the pattern that finds it with filler added, dropped or swapped. */
interface Secret {
  text: string;
  /** Null for a secret with fewer than 4 characters besides filler: replaced as it is only. */
  pattern: RegExp | null;
  /** Characters besides filler: the longest are replaced first. */
  weight: number;
}

const registered = new Map<string, Secret>();
let registeredInOrder: readonly Secret[] = [];

/**
 * Names secrets that no error Latchkey describes (its log lines' `detail`, the CLI's messages)
 * may show, from now on in this process. `openPostgresStores` and `openRedisStores` register
 * the password they connect with; an application that builds its own `pg` pool or ioredis
 * cluster for the stores registers its password here. Secrets shorter than 4 characters are
 * not replaced (they would hit ordinary words); the 64 most recent are kept.
 */
export function registerStoreSecrets(secrets: Iterable<unknown>): void {
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < SECRET_MIN_LENGTH) continue;
    registered.delete(secret);
    registered.set(secret, compile(secret));
    if (registered.size > REGISTERED_MAX) {
      for (const oldest of registered.keys()) {
        registered.delete(oldest);
        break;
      }
    }
  }
  registeredInOrder = inOrder([...registered.values()]);
}

/**
 * `text` with every registered secret and every one of `secrets` replaced by `***`, also where
 * spaces, control characters or characters that display as nothing were added, dropped or
 * swapped within it.
 */
export function replaceSecrets(text: string, secrets: readonly string[] = []): string {
  const all =
    secrets.length === 0
      ? registeredInOrder
      : inOrder([
          ...secrets.filter((secret) => secret.length >= SECRET_MIN_LENGTH).map(compile),
          ...registered.values(),
        ]);
  let result = text;
  for (const secret of all) {
    result =
      secret.pattern === null
        ? result.replaceAll(secret.text, MASK)
        : result.replace(secret.pattern, MASK);
  }
  return result;
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
  text = text.replace(UNPRINTABLE, ' ');
  // Whatever this cut goes through (a URL whose `@` lies beyond it) is dropped whole: a mask
  // could not recognise it.
  if (text.length > MASKED_MAX_LENGTH) text = text.slice(0, MASKED_MAX_LENGTH).replace(/\S*$/, '');
  for (const [pattern, replacement] of CREDENTIALS) text = text.replace(pattern, replacement);
  text = text.trim();
  if (text.length <= maxLength) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(maxLength - 1)) ? maxLength - 1 : maxLength;
  return text.slice(0, end);
}

function compile(secret: string): Secret {
  // By code point, as the pattern (with the `u` flag) matches.
  const kept = Array.from(secret.matchAll(/[^]/gu), ([character]) => character).filter(
    (character) => !FILLER_CHARACTER.test(character),
  );
  if (kept.length < SECRET_MIN_LENGTH) return { text: secret, pattern: null, weight: kept.length };
  const source = kept.map((character) => character.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'));
  return {
    text: secret,
    pattern: new RegExp(source.join(`${FILLER}*`), 'gu'),
    weight: kept.length,
  };
}

function inOrder(secrets: readonly Secret[]): Secret[] {
  // The longest first: one secret may hold another (a password and its encoded form).
  return [...secrets].sort((a, b) => b.weight - a.weight);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
