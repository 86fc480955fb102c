import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { LatchkeyError } from '../errors.js';
import { replaceSecrets, storeUrlSecrets, untrustedText } from '../untrusted-text.js';
import { AUDIT_HELP, auditCommand } from './audit.js';
import { describeCause } from './cause.js';
import { CliError } from './io.js';
import { MIGRATE_HELP, migrateCommand } from './migrate.js';
import { SERVE_HELP, serveCommand } from './serve.js';
import { SESSIONS_HELP, sessionsCommand } from './sessions.js';
import { USERS_HELP, usersCommand } from './users.js';

import type { CliIo } from './io.js';

const HELP = `Usage: latchkey <command> [options]

Commands:
  serve                       start the auth server (latchkey serve --help)
  users add|list|disable|enable|delete|set-email|set-password
                              manage accounts (latchkey users --help)
  sessions list|revoke        see and end sessions (latchkey sessions --help)
  migrate                     bring the store's schema up to date (latchkey migrate --help)
  audit                       explain Set-Cookie lines: what browsers keep, what is unsafe
                              (latchkey audit --help)

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
        'trust-forwarded-host': { type: 'boolean' },
        origin: { type: 'string' },
        'trusted-origins': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'dev-cert': { type: 'boolean' },
        dbsc: { type: 'boolean' },
        user: { type: 'string' },
        har: { type: 'string' },
        url: { type: 'string' },
        from: { type: 'string' },
        minutes: { type: 'string' },
        invite: { type: 'boolean' },
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
    if (command === 'audit') {
      if (values.help === true) return help(io, AUDIT_HELP);
      return await auditCommand(rest, flags, io);
    }
    throw new CliError(`Unknown command "${command}".\n\n${HELP}`, 2);
  } catch (error) {
    // The store URLs the command could have been given (`--store URL`, `--store=URL`, the
    // environment, or one in the wrong place), whose secrets no message may show.
    const given = argv.map((arg) => (arg.startsWith('--') ? arg.slice(arg.indexOf('=') + 1) : arg));
    const urls = [...given, io.env.LATCHKEY_STORE ?? ''];
    return report(error, io, urls.flatMap(storeUrlSecrets));
  }
}

function help(io: CliIo, text: string): number {
  io.out(text);
  return 0;
}

// A message from Node or a driver, not Latchkey's own: it may quote a store URL or a server.
const MESSAGE_MAX_LENGTH = 500;

function report(error: unknown, io: CliIo, secrets: readonly string[]): number {
  // Usage and configuration errors quote what they were given, a store URL included.
  if (error instanceof CliError) {
    io.err(`latchkey: ${replaceSecrets(error.message.replace(/^latchkey: /, ''), secrets)}\n`);
    return error.exitCode;
  }
  if (error instanceof LatchkeyError) {
    io.err(
      `${replaceSecrets(error.message, secrets)} [${error.code}]${describeCause(error, secrets)}\n`,
    );
    return 1;
  }
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    // parseArgs and node:net errors: say what went wrong without a stack trace.
    const hint =
      error.code === 'EADDRINUSE' ? ' (choose another with --port or LATCHKEY_PORT)' : '';
    io.err(`latchkey: ${untrustedText(error.message, secrets, MESSAGE_MAX_LENGTH)}${hint}\n`);
    return error.code.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
  const message = untrustedText(
    error instanceof Error ? error.message : String(error),
    secrets,
    MESSAGE_MAX_LENGTH,
  );
  io.err(`latchkey: unexpected failure: ${message}\n`);
  return 1;
}

function readVersion(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  return manifest.version;
}
