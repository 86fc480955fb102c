import type { CliIo } from '../../src/cli/io.js';

/** Streams for a CLI command run in the test's process: what it prints is kept, nothing read. */
export function capturingIo(): { io: CliIo; printed: () => string } {
  let printed = '';
  return {
    io: {
      out: (text) => (printed += text),
      err: () => undefined,
      readSecret: () => Promise.reject(new Error('no password is asked here')),
      env: {},
    },
    printed: () => printed,
  };
}
