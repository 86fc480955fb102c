import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';

import { auditSetCookies } from '../cookie/audit.js';
import { CliError } from './io.js';

import type { CookieAudit } from '../cookie/audit.js';
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
  --from URL     the URL the lines or the dump came from, for the checks that depend on it
                 (domain, secure origin, default path); without it they are skipped
  --json         print the audits as JSON

Exit status: 0 when no finding is an error, 1 when one is, 2 for a usage mistake.
`;

// A HAR file larger than this is refused rather than read into memory. Unit: bytes.
const HAR_MAX_BYTES = 256 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;
const SET_COOKIE_LINE = /^set-cookie:/i;

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
      `give the lines, "-", --har FILE or --url URL: one of them.\n\n${AUDIT_HELP}`,
      2,
    );
  }
  if (from !== undefined && (har !== undefined || url !== undefined)) {
    throw new CliError('--from goes with lines or "-": --har and --url name their own URLs.', 2);
  }
  if (from !== undefined && !URL.canParse(from)) {
    throw new CliError(`--from "${printable(from)}" is not a URL.`, 2);
  }

  let lines: { line: string; from?: string | undefined }[];
  if (har !== undefined) {
    lines = linesOfHar(har);
  } else if (url !== undefined) {
    lines = await linesOfUrl(url);
  } else if (args.length === 1 && args[0] === '-') {
    if (io.readInput === undefined) throw new CliError('standard input cannot be read here.', 2);
    lines = linesOfDump(await io.readInput()).map((line) => ({ line, from }));
  } else {
    lines = args.map((line) => ({ line, from }));
  }

  const audits = auditSetCookies(lines);
  if (flags.json === true) io.out(`${JSON.stringify(audits, null, 2)}\n`);
  else io.out(describe(audits));
  return audits.some((audit) => audit.findings.some((f) => f.severity === 'error')) ? 1 : 0;
}

/** Set-Cookie values in a header dump, or every non-empty line when it has no header names. */
function linesOfDump(text: string): string[] {
  const all = text.split(/\r?\n/);
  const headers = all.filter((line) => SET_COOKIE_LINE.test(line));
  if (headers.length > 0) return headers.map((line) => line.slice('set-cookie:'.length).trim());
  return all.map((line) => line.trim()).filter((line) => line !== '');
}

function linesOfHar(file: string): { line: string; from: string }[] {
  let har: unknown;
  try {
    if (statSync(file).size > HAR_MAX_BYTES) {
      throw new CliError(`${file} is over ${HAR_MAX_BYTES / 1024 / 1024} MiB; export less.`);
    }
    har = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read ${file} as a HAR file: ${printable(String(error))}`);
  }
  const entries = (har as { log?: { entries?: unknown } } | null)?.log?.entries;
  if (!Array.isArray(entries)) throw new CliError(`${file} has no log.entries: not a HAR file.`);
  const lines: { line: string; from: string }[] = [];
  for (const entry of entries as unknown[]) {
    const { request, response } = (entry ?? {}) as { request?: unknown; response?: unknown };
    const from = (request as { url?: unknown } | undefined)?.url;
    const headers = (response as { headers?: unknown } | undefined)?.headers;
    if (typeof from !== 'string' || !Array.isArray(headers)) continue;
    for (const header of headers as unknown[]) {
      const { name, value } = (header ?? {}) as { name?: unknown; value?: unknown };
      if (typeof name !== 'string' || name.toLowerCase() !== 'set-cookie') continue;
      if (typeof value !== 'string') continue;
      // Some tools join a response's Set-Cookie lines with line feeds in one header.
      for (const line of value.split('\n')) if (line.trim() !== '') lines.push({ line, from });
    }
  }
  return lines;
}

async function linesOfUrl(text: string): Promise<{ line: string; from: string }[]> {
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
    throw new CliError(`cannot fetch ${url.href}: ${printable(String(error))}`);
  }
  await response.body?.cancel();
  return response.headers.getSetCookie().map((line) => ({ line, from: url.href }));
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
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
      const scope =
        cookie.domain === ''
          ? '(no URL)'
          : cookie.hostOnly
            ? `host-only ${cookie.domain}`
            : `Domain=${cookie.domain}`;
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
        `  kept: ${scope}, Path=${cookie.path || '(no URL)'}, ${expires}, ` +
          `${flags.join(', ')}; value of ${cookie.valueLength} characters`,
      );
    }
    for (const finding of audit.findings) {
      out.push(`  ${finding.severity.padEnd(7)} ${finding.code}: ${printable(finding.message)}`);
    }
    out.push('');
  }
  const kept = audits.filter((audit) => audit.stored !== null).length;
  const count = (severity: string) =>
    audits.reduce((sum, a) => sum + a.findings.filter((f) => f.severity === severity).length, 0);
  out.push(
    `${audits.length} line(s): ${kept} kept, ${audits.length - kept} ignored; ` +
      `${count('error')} error(s), ${count('warning')} warning(s).`,
  );
  return `${out.join('\n')}\n`;
}

// Names and URLs come from the input: shown on one line, without control characters.
function printable(text: string): string {
  const shown = text.replace(/[^\x20-\x7e]/g, (c) => `\\u{${c.codePointAt(0)?.toString(16)}}`);
  return shown.length > 300 ? `${shown.slice(0, 300)}...` : shown;
}
