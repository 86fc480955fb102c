import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { LatchkeyError } from '../errors.js';
import { CliError } from './io.js';
import { MIGRATE_HELP, migrateCommand } from './migrate.js';
import { SERVE_HELP, serveCommand } from './serve.js';
import { SESSIONS_HELP, sessionsCommand } from './sessions.js';
import { USERS_HELP, usersCommand } from './users.js';

import type { CliIo } from './io.js';

const HELP = `Usage: latchkey <command> [options]

Commands:
  serve                       start the auth server (latchkey serve --help)
  users add|list|disable|enable|delete
                              manage accounts (latchkey users --help)
  sessions list|revoke        see and end sessions (latchkey sessions --help)
  migrate                     bring the store's schema up to date (latchkey migrate --help)

Options:
  -h, --help     show help
  --version      print the version

Run "latchkey <command> --help" for a command's options.
`;

/** Runs the CLI with arguments (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        json: { type: 'boolean' },
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        store: { type: 'string' },
        'cookie-name': { type: 'string' },
        'same-site': { type: 'string' },
        'no-registration': { type: 'boolean' },
        'insecure-cookie': { type: 'boolean' },
        'browser-session-cookie': { type: 'boolean' },
        'secrets-file': { type: 'string' },
        'trust-proxy': { type: 'string' },
        'proxy-header': { type: 'string' },
        origin: { type: 'string' },
        'trusted-origins': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'dev-cert': { type: 'boolean' },
        dbsc: { type: 'boolean' },
        user: { type: 'string' },
      },
    });
    const flags: Record<string, string | boolean | undefined> = { ...values };
    if (values['no-registration'] === true) flags.registration = false;
    const [command, ...rest] = positionals;

    if (values.version === true) {
      io.out(`${readVersion()}\n`);
      return 0;
    }
    if (command === undefined || command === 'help') {
      io.out(HELP);
      return command === undefined && values.help !== true ? 2 : 0;
    }
    if (command === 'serve') {
      if (values.help === true) return help(io, SERVE_HELP);
      if (rest.length > 0) throw new CliError(`serve takes no arguments.\n\n${SERVE_HELP}`, 2);
      await serveCommand(flags, io);
      return 0;
    }
    if (command === 'users') {
      if (values.help === true) return help(io, USERS_HELP);
      await usersCommand(rest, flags, io);
      return 0;
    }
    if (command === 'migrate') {
      if (values.help === true) return help(io, MIGRATE_HELP);
      if (rest.length > 0) throw new CliError(`migrate takes no arguments.\n\n${MIGRATE_HELP}`, 2);
      await migrateCommand(flags, io);
      return 0;
    }
    if (command === 'sessions') {
      if (values.help === true) return help(io, SESSIONS_HELP);
      await sessionsCommand(rest, flags, io);
      return 0;
    }
    throw new CliError(`Unknown command "${command}".\n\n${HELP}`, 2);
  } catch (error) {
    return report(error, io);
  }
}

function help(io: CliIo, text: string): number {
  io.out(text);
  return 0;
}

function report(error: unknown, io: CliIo): number {
  if (error instanceof CliError) {
    io.err(`latchkey: ${error.message.replace(/^latchkey: /, '')}\n`);
    return error.exitCode;
  }
  if (error instanceof LatchkeyError) {
    io.err(`${error.message} [${error.code}]${describeCause(error)}\n`);
    return 1;
  }
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    // parseArgs and node:net errors: say what went wrong without a stack trace.
    const hint =
      error.code === 'EADDRINUSE' ? ' (choose another with --port or LATCHKEY_PORT)' : '';
    io.err(`latchkey: ${error.message}${hint}\n`);
    return error.code.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
  io.err(
    `latchkey: unexpected failure: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  return 1;
}

// A store that cannot be opened says why: the driver's message (a missing folder, a file that is
// not a database, a refused connection), its first line only, cut short. That message may quote
// what a server sent back, so it is shown as untrusted text: control and direction characters
// become spaces, and what could be a credential is masked (a URL's user information and query
// string, a `password=` pair, whatever follows AUTH in a Redis command an error repeats).
const CAUSE_MAX_LENGTH = 300;
const UNPRINTABLE = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const CREDENTIALS: readonly [RegExp, string][] = [
  [/\bAUTH\b.*/gi, 'AUTH ***'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/)\S*@/gi, '$1***@'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?]*)\?\S*/gi, '$1?***'],
  [/\b(pass(?:word)?|pwd|secret|token)(\s*[=:]\s*)\S+/gi, '$1$2***'],
];

/** The line the CLI adds under an error for its cause, or '' when it has none to show. */
export function describeCause(error: Error): string {
  const { cause } = error;
  if (!(cause instanceof Error)) return '';
  let text = firstLine(cause.message);
  // Node reports a connection refused on every address of a host (IPv6 and IPv4) as an
  // AggregateError with an empty message: its first inner error says what happened.
  if (text === '' && cause instanceof AggregateError) {
    const inner: unknown = cause.errors.find((item) => item instanceof Error);
    if (inner instanceof Error) text = firstLine(inner.message);
  }
  for (const [pattern, replacement] of CREDENTIALS) text = text.replace(pattern, replacement);
  text = text.slice(0, CAUSE_MAX_LENGTH);
  const code = (cause as { code?: unknown }).code;
  const named =
    typeof code === 'string' && !text.includes(code) ? code.replace(UNPRINTABLE, ' ') : '';
  if (text === '' && named === '') return '';
  if (text === '') return `\n  cause: ${named.slice(0, CAUSE_MAX_LENGTH)}`;
  return `\n  cause: ${text}${named === '' ? '' : ` (${named.slice(0, CAUSE_MAX_LENGTH)})`}`;
}

function firstLine(message: string): string {
  return (message.split(/\r?\n/, 1)[0] ?? '').replace(UNPRINTABLE, ' ').trim();
}

function readVersion(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  return manifest.version;
}
