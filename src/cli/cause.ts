/**
 * The line the CLI prints under an error for its cause: the driver's message (a missing folder,
 * a file that is not a database, a refused connection), which says what the operator has to
 * mend. That message may quote what a store server sent back, so it is shown as untrusted text
 * (`src/untrusted-text.ts`): the store URL's secrets replaced, in the message and in its code,
 * credentials masked, unprintable characters removed, the line cut short.
 */
import { untrustedText } from '../untrusted-text.js';

/** The longest cause shown, in UTF-16 code units. */
const CAUSE_MAX_LENGTH = 300;
const CODE_MAX_LENGTH = 40;

/**
 * The line to print under an error for its cause (`\n  cause: ...`), or '' when it has none to
 * show. `secrets` (the store URLs' own, from `storeUrlSecrets`) are replaced wherever they
 * appear. Never throws.
 */
export function describeCause(error: Error, secrets: readonly string[] = []): string {
  const text = causeText(error, secrets);
  return text === '' ? '' : `\n  cause: ${text}`;
}

/** The cause of {@link describeCause}'s line alone (`message (CODE)`), or ''. Never throws. */
export function causeText(error: Error, secrets: readonly string[] = []): string {
  try {
    const { cause } = error;
    if (!(cause instanceof Error)) return '';
    const text = untrustedText(messageOf(cause, 0), secrets, CAUSE_MAX_LENGTH, {
      firstLine: true,
    });
    const rawCode = (cause as { code?: unknown }).code;
    const code =
      typeof rawCode === 'string' && !text.includes(rawCode)
        ? untrustedText(rawCode, secrets, CODE_MAX_LENGTH)
        : '';
    return text === '' ? code : code === '' ? text : `${text} (${code})`;
  } catch {
    return '';
  }
}

/**
 * An error's message; for an AggregateError whose first line is empty (Node's for a connection
 * refused on every address of a host), that of the first inner error with a first line, two
 * levels down at most. Whole: its secrets are replaced before its first line is taken.
 */
function messageOf(error: Error, depth: number): string {
  const message = typeof error.message === 'string' ? error.message : '';
  if (hasFirstLine(message) || !(error instanceof AggregateError) || depth >= 2) return message;
  const inner: unknown = Array.isArray(error.errors) ? error.errors : [];
  for (const item of inner as unknown[]) {
    if (item instanceof Error) {
      const found = messageOf(item, depth + 1);
      if (hasFirstLine(found)) return found;
    }
  }
  return '';
}

function hasFirstLine(message: string): boolean {
  return (message.split(/\r?\n/, 1)[0] ?? '').trim() !== '';
}
