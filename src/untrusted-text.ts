/**
 * Text that came from outside (a store driver's error message, which may quote what a server
 * sent back) made fit for a terminal or a log line. A hostile or broken store server can send
 * anything back, the password it was given included, so such text is treated as untrusted:
 *
 * - every password a store was opened with in this process (see {@link registerStoreSecrets}),
 *   and any secret the caller names, is replaced wherever it appears, on the whole text before
 *   it is cut or changed in any way, and also where the server swapped its spaces for other
 *   spaces or left out those at its ends, or put into it characters that display as nothing
 *   (format and default-ignorable ones, control characters other than tabs and line breaks);
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
// How a text and a secret are compared: characters that display as nothing (control
// characters other than tabs and line breaks, format characters, default-ignorable ones) are
// left out, and each run of spaces of any kind (tabs and line breaks too) is one space.
const SPACE = /^[\s\p{Z}\u2800]$/u;
const INVISIBLE = /^[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]$/u;
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
 * The secrets in a store URL that no message shown or logged may hold: its password (as typed,
 * as parsed and decoded) and its `password` and `sslpassword` query parameters. For what does
 * not parse as a URL, the typed forms only; nothing for what has no `scheme://user:...@`.
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

/** Each registered secret, with the form it is looked for in (see {@link comparable}). */
const registered = new Map<string, string>();

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
    registered.set(secret, lookedFor(secret));
    if (registered.size > REGISTERED_MAX) {
      for (const oldest of registered.keys()) {
        registered.delete(oldest);
        break;
      }
    }
  }
}

/**
 * `text` with every registered secret and every one of `secrets` replaced by `***`, also where
 * its spaces were swapped for other spaces or dropped from its ends, or characters that display
 * as nothing were put into it. Never throws.
 */
export function replaceSecrets(text: string, secrets: readonly string[] = []): string {
  const wanted = new Map(registered);
  for (const secret of secrets) {
    if (secret.length >= SECRET_MIN_LENGTH) wanted.set(secret, lookedFor(secret));
  }
  if (wanted.size === 0) return text;
  const compared = comparable(text);
  // Ranges of `text` to mask, found in its comparable form and mapped back.
  const ranges: [number, number][] = [];
  const searched = new Set<string>();
  for (const [secret, form] of wanted) {
    if (form.length < SECRET_MIN_LENGTH) {
      // Mostly spaces or invisible characters: only as it is.
      for (
        let at = text.indexOf(secret);
        at !== -1;
        at = text.indexOf(secret, at + secret.length)
      ) {
        ranges.push([at, at + secret.length]);
      }
      continue;
    }
    if (searched.has(form)) continue;
    searched.add(form);
    // From the end of each match on: a secret that overlaps itself (`aaaa`) would otherwise give
    // a range at every character of a long run of it.
    for (
      let at = compared.text.indexOf(form);
      at !== -1;
      at = compared.text.indexOf(form, at + form.length)
    ) {
      ranges.push([compared.from[at] ?? 0, compared.to[at + form.length - 1] ?? text.length]);
    }
  }
  if (ranges.length === 0) return text;
  ranges.sort((a, b) => a[0] - b[0]);
  let result = '';
  // Where the text after the last mask starts; overlapping or touching ranges share one mask.
  let kept = -1;
  for (const [start, end] of ranges) {
    if (start <= kept) {
      kept = Math.max(kept, end);
      continue;
    }
    result += `${text.slice(Math.max(kept, 0), start)}${MASK}`;
    kept = end;
  }
  return result + text.slice(kept);
}

/** What a secret is looked for as: its comparable form, without spaces at its ends. */
function lookedFor(secret: string): string {
  return comparable(secret).text.trim();
}

/**
 * `text` as secrets are compared in it, with where each of its code units came from: `from[i]`
 * and `to[i]` are the range of `text` that unit `i` of the comparable text stands for.
 */
function comparable(text: string): { text: string; from: Int32Array; to: Int32Array } {
  const from = new Int32Array(text.length);
  const to = new Int32Array(text.length);
  let out = '';
  let index = 0;
  for (const character of text) {
    const code = character.charCodeAt(0);
    const end = index + character.length;
    // Printable ASCII, the usual case, without a regular expression.
    const plain = code > 0x20 && code < 0x7f;
    // U+FEFF is both: it displays as nothing.
    if (!plain && code !== 0xfeff && SPACE.test(character)) {
      if (out.endsWith(' ')) {
        to[out.length - 1] = end;
      } else {
        from[out.length] = index;
        to[out.length] = end;
        out += ' ';
      }
    } else if (plain || !INVISIBLE.test(character)) {
      for (let unit = 0; unit < character.length; unit += 1) {
        from[out.length] = index;
        to[out.length] = end;
        out += character.charAt(unit);
      }
    } else if (out.length > 0) {
      // Left out: the unit before it stands for it too.
      to[out.length - 1] = end;
    }
    index = end;
  }
  return { text: out, from, to };
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

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
