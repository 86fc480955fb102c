import { closeSync, openSync, readSync } from 'node:fs';
import { isIP } from 'node:net';

import { auditSetCookies, deletesCookie } from '../cookie/audit.js';
import { CliError, plural } from './io.js';

import type { AuditInput, CookieAudit } from '../cookie/audit.js';
import type { CliIo } from './io.js';

/** Help for `latchkey audit`. */
export const AUDIT_HELP = `Usage: latchkey audit [LINE ...] [options]

Says, for each Set-Cookie line, what a browser keeps (RFC 6265bis) and what is unsafe about
it. Cookie values are never printed, only their length.

Where the lines come from (one of):
  LINE ...       Set-Cookie values, one per argument
  -              standard input: a header dump (curl -si URL | latchkey audit -), or one
                 value per line
  --har FILE     every Set-Cookie of every response in a HAR file (browser dev tools' export)
  --url URL      the Set-Cookie lines of a GET of URL; localhost and loopback addresses only

Options:
  --from URL     the URL the lines or the dump came from (of a dump of redirects, the first
                 response's; each Location names the next), for the checks that depend on it
                 (domain, secure origin, default path); without it they are skipped
  --json         print the audits as JSON

Lines of one response (the arguments, a dump) are also compared with each other; a HAR file's
lines are judged as of each response's time (startedDateTime), not today.

Exit status: 0 when no finding is an error, 1 when one is, 2 for a usage mistake, 3 when the
input could not be read (no file, not a HAR file, the URL did not answer).
`;

// A HAR file larger than this is refused rather than read into memory (its parse takes about
// eight times its size). Unit: bytes.
const HAR_MAX_BYTES = 64 * 1024 * 1024;
// Exit status for input that could not be read: apart from 1, which means an error finding.
const UNREADABLE = 3;
const FETCH_TIMEOUT_MS = 10_000;
// A status line (RFC 9112 section 4; HTTP/2 as curl shows it): the version, then the code.
const STATUS_LINE = /^HTTP\/\d(?:\.\d)? (\d{3})(?: |$)/;
// A header field line (RFC 9112 section 5): a token, then a colon. A cookie line never starts so.
const FIELD_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:/;

/** `latchkey audit`: audits Set-Cookie lines; resolves to the exit code. */
export async function auditCommand(
  args: readonly string[],
  flags: Readonly<Record<string, string | boolean | undefined>>,
  io: CliIo,
): Promise<number> {
  const har = typeof flags.har === 'string' ? flags.har : undefined;
  const url = typeof flags.url === 'string' ? flags.url : undefined;
  const from = typeof flags.from === 'string' ? flags.from : undefined;
  const sources = [args.length > 0, har !== undefined, url !== undefined].filter(Boolean).length;
  if (sources !== 1) {
    throw new CliError(
      `Give the lines, "-", --har FILE or --url URL: one of them.\n\n${AUDIT_HELP}`,
      2,
    );
  }
  if (from !== undefined && (har !== undefined || url !== undefined)) {
    throw new CliError('--from goes with lines or "-": --har and --url name their own URLs.', 2);
  }
  if (from !== undefined && !URL.canParse(from)) {
    throw new CliError(`--from "${printable(from)}" is not a URL.`, 2);
  }

  let lines: AuditInput[];
  if (har !== undefined) {
    lines = linesOfHar(har);
  } else if (url !== undefined) {
    lines = await linesOfUrl(url);
  } else if (args.length === 1 && args[0] === '-') {
    if (io.readInput === undefined) throw new CliError('Standard input cannot be read here.', 2);
    const dump = linesOfDump(await io.readInput());
    // --from is where the first response came from; a redirect's Location names the next, and
    // any other response (103 Early Hints, a 401 challenge, a proxy's CONNECT) keeps the URL.
    const urls: (string | undefined)[] = [from];
    const last = dump.values.at(-1)?.response ?? 0;
    for (let response = 0; response < last; response += 1) {
      const base = urls[response];
      const location = dump.redirects[response];
      urls[response + 1] = location === undefined ? base : (resolved(location, base) ?? base);
    }
    lines = dump.values.map((entry) => ({ ...entry, from: urls[entry.response] }));
  } else {
    lines = args.map((line) => ({ line, from }));
  }

  // A query string, a fragment or user info may hold a code or a password: the audit needs none.
  const audits = auditSetCookies(
    lines.map((entry) => ({ ...entry, from: withoutQuery(entry.from) })),
  );
  if (flags.json === true) io.out(`${jsonForTerminal(JSON.stringify(audits, null, 2))}\n`);
  else io.out(describe(audits));
  return audits.some((audit) => audit.findings.some((f) => f.severity === 'error')) ? 1 : 0;
}

/**
 * The Set-Cookie values of a header dump, each with the number of its response (a dump of
 * redirects holds several: each starts with a status line), folded lines joined and bodies left
 * out, and each response's Location; or every non-empty line as a value when the text is no
 * dump (no status line, no field).
 */
function linesOfDump(text: string): {
  values: { line: string; response: number }[];
  /** Each response's redirect target: its Location when its status is 3xx. */
  redirects: (string | undefined)[];
} {
  const all = text.split(/\r?\n/);
  const isDump = all.some((line) => STATUS_LINE.test(line) || FIELD_LINE.test(line));
  if (!isDump) {
    const values = all
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .map((line) => ({ line, response: 0 }));
    return { values, redirects: [] };
  }
  const values: { line: string; response: number }[] = [];
  const redirects: (string | undefined)[] = [];
  let response = 0;
  let redirecting = false;
  let inHeaders = true;
  let fieldSeen = false;
  let current: { name: string; value: string } | null = null;
  const flush = (): void => {
    if (current?.name === 'set-cookie') values.push({ line: current.value, response });
    if (current?.name === 'location' && redirecting && current.value !== '') {
      redirects[response] = current.value;
    }
    current = null;
  };
  for (const line of all) {
    const status = STATUS_LINE.exec(line);
    if (status !== null) {
      flush();
      if (fieldSeen) response += 1;
      redirecting = status[1]?.startsWith('3') === true;
      inHeaders = true;
      fieldSeen = false;
      continue;
    }
    if (!inHeaders) continue;
    if (line === '') {
      // The blank line that ends a header block; one before any field is only spacing.
      if (fieldSeen) {
        flush();
        inHeaders = false;
      }
      continue;
    }
    if (/^[ \t]/.test(line)) {
      // An obsolete folded line (RFC 9112 section 5.2) continues the field before it.
      if (current !== null) current.value += ` ${line.trim()}`;
      continue;
    }
    flush();
    fieldSeen = true;
    const colon = line.indexOf(':');
    if (colon > 0) {
      current = { name: line.slice(0, colon).toLowerCase(), value: line.slice(colon + 1).trim() };
    }
  }
  flush();
  return { values, redirects };
}

function resolved(location: string, base: string | undefined): string | undefined {
  try {
    return new URL(location, base).href;
  } catch {
    return undefined;
  }
}

function withoutQuery(url: string | undefined): string | undefined {
  if (url === undefined || !URL.canParse(url)) return url;
  const parsed = new URL(url);
  parsed.search = '';
  parsed.hash = '';
  parsed.username = '';
  parsed.password = '';
  return parsed.href;
}

function linesOfHar(file: string): AuditInput[] {
  let har: unknown;
  try {
    har = JSON.parse(readCapped(file));
  } catch (error) {
    if (error instanceof CliError) throw error;
    // JSON.parse quotes the text it stopped at, which may be a cookie's value: not shown.
    const reason = error instanceof SyntaxError ? 'it is not JSON' : describeFailure(error);
    throw new CliError(`Cannot read ${printable(file)} as a HAR file: ${reason}.`, UNREADABLE);
  }
  const entries = (har as { log?: { entries?: unknown } } | null)?.log?.entries;
  if (!Array.isArray(entries)) {
    throw new CliError(`${printable(file)} has no log.entries: not a HAR file.`, UNREADABLE);
  }
  const lines: AuditInput[] = [];
  (entries as unknown[]).forEach((entry, response) => {
    const fields = (entry ?? {}) as {
      request?: unknown;
      response?: unknown;
      startedDateTime?: unknown;
    };
    const from = (fields.request as { url?: unknown } | undefined)?.url;
    const headers = (fields.response as { headers?: unknown } | undefined)?.headers;
    if (typeof from !== 'string' || !Array.isArray(headers)) return;
    const started =
      typeof fields.startedDateTime === 'string' ? Date.parse(fields.startedDateTime) : Number.NaN;
    const receivedAt = Number.isFinite(started) ? started : undefined;
    for (const header of headers as unknown[]) {
      const { name, value } = (header ?? {}) as { name?: unknown; value?: unknown };
      if (typeof name !== 'string' || name.toLowerCase() !== 'set-cookie') continue;
      if (typeof value !== 'string') continue;
      // Some tools join a response's Set-Cookie lines in one header, with line breaks.
      for (const line of value.split(/\r?\n/)) {
        if (line.trim() !== '') lines.push({ line, from, receivedAt, response });
      }
    }
  });
  return lines;
}

/** A file's text, read up to {@link HAR_MAX_BYTES} (a pipe has no size to check first). */
function readCapped(file: string): string {
  let descriptor: number;
  try {
    descriptor = openSync(file, 'r');
  } catch (error) {
    throw new CliError(`Cannot open ${printable(file)}: ${describeFailure(error)}.`, UNREADABLE);
  }
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(1024 * 1024);
      const read = readSync(descriptor, chunk, 0, chunk.length, null);
      if (read === 0) break;
      total += read;
      if (total > HAR_MAX_BYTES) {
        throw new CliError(
          `${printable(file)} is over ${HAR_MAX_BYTES / 1024 / 1024} MiB; export fewer requests.`,
          UNREADABLE,
        );
      }
      chunks.push(chunk.subarray(0, read));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    closeSync(descriptor);
  }
}

async function linesOfUrl(text: string): Promise<AuditInput[]> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`--url "${printable(text)}" is not a URL.`, 2);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !isLoopback(url.hostname)) {
    throw new CliError(
      '--url takes an http:// or https:// URL on localhost or a loopback address; for any ' +
        'other site, save a HAR file from the browser and use --har.',
      2,
    );
  }
  let response: Response;
  try {
    response = await fetch(url, {
      redirect: 'manual',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    throw new CliError(`Cannot fetch ${url.href}: ${describeFailure(error)}.`, UNREADABLE);
  }
  await response.body?.cancel();
  return response.headers.getSetCookie().map((line) => ({ line, from: url.href }));
}

// localhost and loopback addresses only. Other names under .localhost are not taken: Node asks
// the system's resolver for them, which may answer anything.
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

// What the system said about a file, in words, without repeating the path it was given.
const FILE_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'there is no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the path is too long',
};

/**
 * What went wrong: a file error in words (another one by its code, as node's message repeats
 * the path), or the error with the cause fetch keeps apart (a refused connection, a certificate).
 */
function describeFailure(error: unknown): string {
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
  // A system call's error (opening or reading the file); fetch's carry their cause instead.
  if (typeof code === 'string' && typeof syscall === 'string') {
    return Object.hasOwn(FILE_ERRORS, code)
      ? (FILE_ERRORS[code] ?? code)
      : `the system said ${code}`;
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : null;
  const text = cause === null ? String(error) : `${String(error)} (${cause.message})`;
  return printable(text);
}

function describe(audits: readonly CookieAudit[]): string {
  if (audits.length === 0) return 'No Set-Cookie lines found.\n';
  const out: string[] = [];
  for (const audit of audits) {
    const where = audit.from === null ? '' : `  (from ${printable(audit.from)})`;
    out.push(`${printable(audit.name) || '(no name)'}${where}`);
    if (audit.stored === null) {
      out.push('  not kept');
    } else {
      const cookie = audit.stored;
      const domain = printable(cookie.domain);
      const scope =
        domain === '' ? '(no URL)' : cookie.hostOnly ? `host-only ${domain}` : `Domain=${domain}`;
      const expires =
        cookie.expires === null
          ? 'until the browser closes'
          : `until ${cookie.expires.toISOString()}`;
      const flags = [
        cookie.secure && 'Secure',
        cookie.httpOnly && 'HttpOnly',
        `SameSite=${cookie.sameSite}`,
        cookie.partitioned && 'Partitioned',
      ].filter(Boolean);
      out.push(
        `  ${deletesCookie(audit) ? 'deletes' : 'kept'}: ${scope}, ` +
          `Path=${printable(cookie.path) || '(no URL)'}, ${expires}, ` +
          `${flags.join(', ')}; value of ${plural(cookie.valueLength, 'character')}`,
      );
    }
    for (const finding of audit.findings) {
      out.push(`  ${finding.severity.padEnd(7)} ${finding.code}: ${printable(finding.message)}`);
    }
    out.push('');
  }
  const kept = audits.filter((audit) => audit.stored !== null && !deletesCookie(audit)).length;
  const deleting = audits.filter(deletesCookie).length;
  const count = (severity: string) =>
    audits.reduce((sum, a) => sum + a.findings.filter((f) => f.severity === severity).length, 0);
  out.push(
    `${audits.length} line(s): ${kept} kept, ${deleting} deleting, ` +
      `${audits.length - kept - deleting} ignored; ` +
      `${count('error')} error(s), ${count('warning')} warning(s).`,
  );
  return `${out.join('\n')}\n`;
}

// Names, paths and URLs come from the input: shown on one line, without control characters (C1
// ones included), bidirectional overrides or anything else outside printable ASCII.
function printable(text: string): string {
  const shown = text.replace(
    /[^\x20-\x7e]/gu,
    (c) => `\\u{${c.codePointAt(0)?.toString(16) ?? ''}}`,
  );
  return shown.length > 300 ? `${shown.slice(0, 300)}...` : shown;
}

// JSON.stringify leaves C1 controls and bidirectional overrides as they are; a terminal may act
// on them. Escaped, the JSON means the same.
function jsonForTerminal(json: string): string {
  return json.replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
