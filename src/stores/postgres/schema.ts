import { createHash } from 'node:crypto';

import { ConfigError } from '../../errors.js';

/** The schema Latchkey's tables live in when none is given: `latchkey`. */
export const DEFAULT_SCHEMA = 'latchkey';

// An unquoted PostgreSQL identifier, lower case, at most 63 bytes (NAMEDATALEN - 1). Refusing
// everything else keeps the name safe to splice into SQL and the same whether quoted or not.
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Checks a schema name given as an option and returns it double-quoted, ready for SQL. Throws
 * {@link ConfigError} naming the `schema` option when the name is not a plain identifier.
 */
export function quoteSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new ConfigError(
      'schema',
      'must be a lower-case PostgreSQL identifier (letters a-z, digits and _, not starting ' +
        `with a digit, at most 63 characters); use e.g. "${DEFAULT_SCHEMA}"`,
    );
  }
  return `"${schema}"`;
}

/** A query text and the name pg prepares it under, once per connection. */
export interface PreparedQuery {
  name: string;
  text: string;
}

/**
 * Names `text` for pg's prepared statements. The name is derived from the text, so that stores
 * on different schemas sharing one pool never prepare two texts under one name (which pg
 * refuses), and it stays within PostgreSQL's 63-byte limit.
 */
export function prepared(text: string): PreparedQuery {
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 24);
  return { name: `latchkey_${digest}`, text };
}
