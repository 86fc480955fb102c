/** Where a command writes; injectable so that commands can be tested in-process. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Reads a secret: from a terminal without echo, else all of standard input. */
  readSecret(prompt: string): Promise<string>;
  /** Reads all of standard input (for `latchkey audit -`). */
  readInput?: () => Promise<string>;
  env: Readonly<Record<string, string | undefined>>;
  /** Where the server's log lines go. Default: standard output, in batches (`batchedStdout`). */
  logLine?: (line: string) => void;
}

/** A failure the CLI reports as a plain message and a non-zero exit code. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/**
 * The process's own standard streams and environment.
 *
 * Output that cannot be written is dropped, and the command carries on: one that changes
 * something (`users disable`) must not stop halfway because nobody reads what it says. A reader
 * that has gone (`latchkey users list | head -1`) is not a failure; any other error writing
 * standard output (a full disk) is said once on standard error and makes the exit code 1.
 */
export function processIo(): CliIo {
  // Standard error that cannot be written (its reader gone) has nowhere to say so: what would
  // go there is dropped, and the command carries on (a server keeps serving).
  let errorsLost = false;
  process.stderr.on('error', () => {
    errorsLost = true;
  });
  let outputLost = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (outputLost) return;
    outputLost = true;
    if (error.code === 'EPIPE' || errorsLost) return;
    process.stderr.write(
      `latchkey: Could not write to standard output (${error.message}); ` +
        'the rest of the output is dropped.\n',
    );
    process.exitCode = 1;
  });
  return {
    out: (text) => {
      if (!outputLost) process.stdout.write(text);
    },
    err: (text) => {
      if (!errorsLost) process.stderr.write(text);
    },
    readSecret: (prompt) => (process.stdin.isTTY ? readFromTerminal(prompt) : readAllStdin()),
    readInput: readAllStdin,
    env: process.env,
  };
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing line break is how `echo` and most pipes end input; it is not part of the secret.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function readFromTerminal(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let secret = '';
    const finish = (error?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error === undefined) resolve(secret);
      else reject(error);
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          finish();
          return;
        }
        if (char === '\u0003') {
          finish(new CliError('Cancelled.', 130));
          return;
        }
        if (char === '\u007f' || char === '\b') secret = Array.from(secret).slice(0, -1).join('');
        else secret += char;
      }
    };
    stdin.on('data', onData);
  });
}

/** `1 hour`, `2 hours`: a count and its noun, in the plural but for one. */
export function plural(count: number, noun: string): string {
  return `${String(count)} ${noun}${count === 1 ? '' : 's'}`;
}
