import { ConfigError } from '../errors.js';

// The library names its options as code spells them; a server user set flags and variables.
const SERVER_NAMES: Record<string, string> = {
  secrets: 'LATCHKEY_SECRETS (or --secrets-file)',
  cookie: 'the cookie flags (--cookie-name, --same-site, --insecure-cookie)',
  'cookie.name': '--cookie-name (LATCHKEY_COOKIE_NAME)',
  'cookie.sameSite': '--same-site (LATCHKEY_COOKIE_SAMESITE)',
  freshLoginSeconds: 'LATCHKEY_FRESH_LOGIN_SECONDS',
  'session.idleTimeoutSeconds': 'LATCHKEY_IDLE_TIMEOUT_SECONDS',
  'session.absoluteLifetimeSeconds': 'LATCHKEY_ABSOLUTE_LIFETIME_SECONDS',
  origin: '--origin (LATCHKEY_ORIGIN)',
  trustProxy: '--trust-proxy (LATCHKEY_TRUST_PROXY)',
  trustForwardedHost: '--trust-forwarded-host (LATCHKEY_TRUST_FORWARDED_HOST)',
  trustedOrigins: '--trusted-origins (LATCHKEY_TRUSTED_ORIGINS)',
  'passwordPolicy.contextWords': 'LATCHKEY_PASSWORD_CONTEXT_WORDS',
  'tls.certFile': '--tls-cert (LATCHKEY_TLS_CERT)',
  'tls.keyFile': '--tls-key (LATCHKEY_TLS_KEY)',
};

/**
 * A configuration error of the library's, named as a server user set it: the flag and the
 * variable instead of the option's name in code. Errors about other options come back as they
 * are. `secretsFrom` names where the server's secrets came from.
 */
export function inServerTerms(error: ConfigError, secretsFrom: string): ConfigError {
  const name = error.option === 'secrets' ? secretsFrom : SERVER_NAMES[error.option];
  if (name === undefined) return error;
  const detail = error.message
    .replace(/^latchkey: [^:]+: /, '')
    .replace(/^latchkey: /, '')
    .replace(/set secure: true/g, 'keep Secure on (drop --insecure-cookie)')
    .replace(/choose sameSite (\w+) or (\w+)/g, 'use --same-site $1 or $2');
  return new ConfigError(name, detail);
}
