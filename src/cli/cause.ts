/**
 * The line the CLI prints under an error for its cause: the driver's message (a missing folder,
 * a file that is not a database, a refused connection), which says what the operator has to
 * mend. That message may quote what a server sent back, and a hostile or broken server can send
 * anything back, the password it was given included. So it is shown as untrusted text:
 *
 * - every secret the CLI was given for the store (the password of a store URL, plain and
 *   percent-encoded, and its `password` and `sslpassword` parameters) is replaced wherever it
 *   appears, in the message and in its code;
 * - what looks like a credential is masked as well (a URL's user information and query string,
 *   `password=` and similar pairs, the arguments Redis repeats of a command it refused);
 * - control, format and direction characters become spaces, and the line is cut short.
 */

/** The longest cause shown, in UTF-16 code units. */
const CAUSE_MAX_LENGTH = 300;
// Only this much of a message is masked: the masks cost time that grows with the length, and a
// server chooses the length.
const MASKED_MAX_LENGTH = 2_000;
const CODE_MAX_LENGTH = 40;
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
 * The secrets in a store URL that a cause line must never show: its password (as written and
 * decoded) and its `password` and `sslpassword` query parameters. Nothing for what is not a URL.
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
 * The line to print under an error for its cause (`\n  cause: ...`), or '' when it has none to
 * show. `secrets` are replaced wherever they appear (see {@link storeUrlSecrets}). Never throws.
 */
export function describeCause(error: Error, secrets: readonly string[] = []): string {
  try {
    const { cause } = error;
    if (!(cause instanceof Error)) return '';
    const text = shown(messageOf(cause, 0), secrets, CAUSE_MAX_LENGTH);
    const rawCode = (cause as { code?: unknown }).code;
    const code =
      typeof rawCode === 'string' && !text.includes(rawCode)
        ? shown(rawCode, secrets, CODE_MAX_LENGTH)
        : '';
    if (text === '' && code === '') return '';
    return `\n  cause: ${text === '' ? code : code === '' ? text : `${text} (${code})`}`;
  } catch {
    return '';
  }
}

/**
 * An error's first line; for an AggregateError with none (Node's for a connection refused on
 * every address of a host), that of the first inner error that has one, two levels down at most.
 */
function messageOf(error: Error, depth: number): string {
  const message = typeof error.message === 'string' ? error.message : '';
  const line = message.split(/\r?\n/, 1)[0] ?? '';
  if (line.trim() !== '' || !(error instanceof AggregateError) || depth >= 2) return line;
  const inner: unknown = Array.isArray(error.errors) ? error.errors : [];
  for (const item of inner as unknown[]) {
    if (item instanceof Error) {
      const found = messageOf(item, depth + 1);
      if (found.trim() !== '') return found;
    }
  }
  return '';
}

/** Untrusted text made fit to print: bounded, secrets and credentials masked, then cut. */
function shown(raw: string, secrets: readonly string[], maxLength: number): string {
  // Whatever a cut goes through (a URL whose `@` lies beyond it) is dropped whole: a mask could
  // not recognise it.
  let text =
    raw.length > MASKED_MAX_LENGTH ? raw.slice(0, MASKED_MAX_LENGTH).replace(/\S*$/, '') : raw;
  text = text.replace(UNPRINTABLE, ' ');
  // The longest first: one secret may hold another (a password and its encoded form).
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    text = text.replaceAll(secret, MASK);
  }
  for (const [pattern, replacement] of CREDENTIALS) text = text.replace(pattern, replacement);
  text = text.trim();
  if (text.length <= maxLength) return text;
  // Not between the two halves of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(maxLength - 1)) ? maxLength - 1 : maxLength;
  return text.slice(0, end);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
