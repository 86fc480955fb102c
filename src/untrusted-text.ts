/**
 * Text that came from outside (a store driver's error message, which may quote what a server
 * sent back) made fit for a terminal or a log line. A hostile or broken store server can send
 * anything back, the password it was given included, so such text is treated as untrusted:
 *
 * - every secret Latchkey was given for the store (see {@link storeUrlSecrets}) is replaced
 *   wherever it appears;
 * - what looks like a credential is masked as well (a URL's user information and query string,
 *   `password=` and similar pairs, the arguments Redis repeats of a command it refused);
 * - control, format and direction characters become spaces, and the text is cut short.
 */
import type { LogFields, Logger } from './log.js';

// Only this much of a text is masked: the masks cost time that grows with the length, and a
// server chooses the length.
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
  const found = [url.password, safeDecode(url.password)];
  for (const name of ['password', 'sslpassword']) {
    for (const parameter of url.searchParams.getAll(name)) {
      found.push(parameter, encodeURIComponent(parameter));
    }
  }
  return [...new Set(found)].filter((secret) => secret.length >= SECRET_MIN_LENGTH);
}

/**
 * Untrusted text on one line: bounded, `secrets` replaced, credentials masked, then cut to
 * `maxLength` UTF-16 code units (never between the halves of a surrogate pair).
 */
export function untrustedText(raw: string, secrets: readonly string[], maxLength: number): string {
  // Whatever a cut goes through (a URL whose `@` lies beyond it) is dropped whole: a mask could
  // not recognise it.
  let text =
    raw.length > MASKED_MAX_LENGTH ? raw.slice(0, MASKED_MAX_LENGTH).replace(/\S*$/, '') : raw;
  text = text.replace(UNPRINTABLE, ' ');
  text = withoutSecrets(text, secrets);
  for (const [pattern, replacement] of CREDENTIALS) text = text.replace(pattern, replacement);
  text = text.trim();
  if (text.length <= maxLength) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(maxLength - 1)) ? maxLength - 1 : maxLength;
  return text.slice(0, end);
}

/**
 * A logger that replaces `secrets` in every text field it passes on, for a server given a store
 * URL with a password: the fields that can quote a store server (an error's `detail`) are masked
 * where they are made, but only this layer knows the password itself. `logger` itself when there
 * is nothing to replace.
 */
export function secretsMaskedLogger(logger: Logger, secrets: readonly string[]): Logger {
  const replaced = secrets.filter((secret) => secret.length >= SECRET_MIN_LENGTH);
  if (replaced.length === 0) return logger;
  return {
    log(level, event, fields) {
      if (fields === undefined) {
        logger.log(level, event);
        return;
      }
      const masked: Record<string, LogFields[string]> = {};
      for (const [name, value] of Object.entries(fields)) {
        masked[name] = typeof value === 'string' ? withoutSecrets(value, replaced) : value;
      }
      logger.log(level, event, masked);
    },
  };
}

function withoutSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  // The longest first: one secret may hold another (a password and its encoded form).
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    result = result.replaceAll(secret, MASK);
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
