import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { domainToUnicode } from 'node:url';

import { ConfigError } from '../errors.js';
import { METRICS_TOKEN_MIN_LENGTH } from './metrics.js';
import { loadTlsCredentials } from './tls.js';

import type { ForwardingHeader, TrustProxy } from '../http/proxy.js';

// One configuration value each, read from the text of a flag or variable. A value that is wrong
// throws ConfigError naming where it came from, the rule and the fix, never quoting a secret.
export function seconds<K extends string>(
  env: Readonly<Record<string, string | undefined>>,
  variable: string,
  key: K,
): { [P in K]?: number } {
  const value = env[variable];
  if (value === undefined || value === '') return {};
  if (!/^\d+$/.test(value)) {
    throw new ConfigError(variable, `"${value}" is not a whole number of seconds`);
  }
  return { [key]: Number(value) } as { [P in K]?: number };
}

export function readMetricsToken(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  // A scrape sends it as a header value: printable ASCII, no spaces, so nothing trims it apart.
  // Never quote the value: say what is wrong with it, and where.
  const bad = value.search(/[^\x21-\x7e]/);
  if (bad !== -1) {
    throw new ConfigError(
      'LATCHKEY_METRICS_TOKEN',
      `character ${bad + 1} of ${value.length} is a space, a control character (a line ` +
        'break from a file?) or not ASCII; use printable ASCII only, as from ' +
        '"openssl rand -hex 32"',
    );
  }
  if (value.length < METRICS_TOKEN_MIN_LENGTH) {
    throw new ConfigError(
      'LATCHKEY_METRICS_TOKEN',
      `it is ${value.length} characters long; give at least ${METRICS_TOKEN_MIN_LENGTH}, as from ` +
        '"openssl rand -hex 32"',
    );
  }
  return value;
}

export function parsePort(value: string, from: string): number {
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65_535) {
    throw new ConfigError(from, `"${value}" is not a port; give a whole number from 0 to 65535`);
  }
  return port;
}

export function parseSameSite(value: string, from: string): 'Strict' | 'Lax' | 'None' {
  const normalized = value.toLowerCase();
  if (normalized === 'strict') return 'Strict';
  if (normalized === 'lax') return 'Lax';
  if (normalized === 'none') return 'None';
  throw new ConfigError(from, `"${value}" is not a SameSite value; use Strict, Lax or None`);
}

export function parseTrustProxy(input: { value: string; from: string } | undefined): TrustProxy {
  if (input === undefined || isOff(input.value)) return false;
  if (/^\d+$/.test(input.value)) return Number(input.value);
  const entries = list(input.value);
  if (entries.length === 0) {
    throw new ConfigError(input.from, 'give a hop count (1) or proxy addresses (10.0.0.1,::1)');
  }
  return entries;
}

export function parseProxyHeader(
  input: { value: string; from: string } | undefined,
): ForwardingHeader {
  const value = input?.value.trim().toLowerCase() ?? 'x-forwarded';
  if (value === 'x-forwarded' || value === 'forwarded') return value;
  throw new ConfigError(
    input?.from ?? '--proxy-header',
    `"${value}" is not x-forwarded or forwarded`,
  );
}

export function readSecrets(
  file: { value: string; from: string } | undefined,
  inline: string | undefined,
): string[] | null {
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file.value, 'utf8');
    } catch {
      throw new ConfigError(file.from, `cannot read "${file.value}"; give a readable file`);
    }
    return text.split(/\r?\n/).filter((line) => line.trim() !== '');
  }
  if (inline !== undefined && inline !== '') return list(inline);
  return null;
}

/**
 * The certificate and key files: both or neither, each readable, PEM, and the key the
 * certificate's. Checked here so that a mistake is reported before anything starts.
 */
export function readTls(
  cert: { value: string; from: string } | undefined,
  key: { value: string; from: string } | undefined,
): { certFile: string; keyFile: string } | null {
  if (cert === undefined && key === undefined) return null;
  if (cert === undefined || key === undefined) {
    const [given, missing] =
      cert === undefined
        ? [key?.from ?? '', '--tls-cert (LATCHKEY_TLS_CERT)']
        : [cert.from, '--tls-key (LATCHKEY_TLS_KEY)'];
    throw new ConfigError(
      missing,
      `${given} is set but this is not; HTTPS needs both the certificate and its key, so ` +
        'give --tls-cert and --tls-key together, or neither',
    );
  }
  const files = { certFile: resolve(cert.value), keyFile: resolve(key.value) };
  loadTlsCredentials(files, { cert: cert.from, key: key.from });
  return files;
}

export function hostOf(origin: string): string {
  try {
    return new URL(origin).hostname.toLowerCase();
  } catch {
    throw new ConfigError(
      '--origin (LATCHKEY_ORIGIN)',
      `"${origin}" is not an origin; write https://host[:port]`,
    );
  }
}

// `auth.acme-corp.example` gives "auth", "acme-corp", "acme", "corp": the names a user of the
// site sees in its address (IDNA labels as they read them). Labels under 4 letters are left out,
// as they are too often part of a public suffix (`co.uk`), and so is the top-level label.
export function siteWords(host: string): string[] {
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) return [];
  const readable = domainToUnicode(host) || host;
  const labels = readable.replace(/\.$/, '').split('.').slice(0, -1);
  const words = labels.flatMap((label) => [
    label,
    ...(label.includes('-') ? label.split('-') : []),
  ]);
  return [...new Set(words)].filter(
    (word) => word !== 'www' && (word.match(/\p{L}/gu) ?? []).length >= 4,
  );
}

export function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

export function isOff(value: string | undefined): boolean {
  return value !== undefined && ['0', 'false', 'off', 'no'].includes(value.toLowerCase());
}

/** An on/off variable, read strictly: a typo must not leave a feature in a state nobody chose. */
export function readSwitch(
  env: Readonly<Record<string, string | undefined>>,
  variable: string,
  fallback: boolean,
): boolean {
  const value = env[variable]?.trim().toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (['1', 'true', 'on', 'yes'].includes(value)) return true;
  if (['0', 'false', 'off', 'no'].includes(value)) return false;
  throw new ConfigError(variable, `"${env[variable] ?? ''}" is not on or off; use on or off`);
}
