import { join, resolve } from 'node:path';

import { ConfigError } from '../errors.js';
import {
  hostOf,
  list,
  parsePort,
  parseProxyHeader,
  parseSameSite,
  parseTrustProxy,
  readMetricsToken,
  readSecrets,
  readSwitch,
  readTls,
  seconds,
  siteWords,
} from './config-values.js';
import { parseStoreLocation } from './stores.js';

import type { ForwardingHeader, TrustProxy } from '../http/proxy.js';
import type { StoreLocation } from './stores.js';

/** Everything `latchkey serve` can be told. Flags win over environment variables. */
export interface ServerConfig {
  /** TCP port. Flag `--port`, env `LATCHKEY_PORT`. Default: 3000. 0 picks a free port. */
  port: number;
  /**
   * Address to listen on. Flag `--host`, env `LATCHKEY_HOST`. Default: `127.0.0.1`, so that a
   * development server is not reachable from the network unless asked.
   */
  host: string;
  /**
   * Folder holding the SQLite database (`latchkey.db`) and, unless secrets are given, the
   * generated signing secret (`secrets`). Created if missing, readable by its owner only. Flag
   * `--data-dir`, env `LATCHKEY_DATA_DIR`. Default: `./data`, against the working directory.
   */
  dataDir: string;
  /**
   * Where users, sessions and throttle counters live: `sqlite:PATH`, `postgres://...`
   * (`?schema=NAME`) or `redis://...` (`?prefix=TEXT`). Flag `--store`, env `LATCHKEY_STORE`.
   * Default: `sqlite:<data-dir>/latchkey.db`.
   */
  store: StoreLocation;
  /** The session cookie. */
  cookie: {
    /** Flag `--cookie-name`, env `LATCHKEY_COOKIE_NAME`. Default: `__Host-auth_token`. */
    name: string;
    /** Flag `--same-site`, env `LATCHKEY_COOKIE_SAMESITE`. Default: `Lax`. */
    sameSite: 'Strict' | 'Lax' | 'None';
    /**
     * Flag `--insecure-cookie` (turns it off), env `LATCHKEY_COOKIE_SECURE=false`. Default:
     * true. Only allowed off when the server is reached as localhost.
     */
    secure: boolean;
    /**
     * Whether the cookie carries Max-Age (following the session) or ends with the browser.
     * Flag `--browser-session-cookie` (turns it off), env `LATCHKEY_COOKIE_PERSISTENT=false`.
     * Default: true.
     */
    persistent: boolean;
  };
  /** Whether `POST /auth/register` is open. Flag `--no-registration`, env `LATCHKEY_REGISTRATION=off`. */
  registration: boolean;
  /**
   * Signing secrets, first signs and all verify, each at least 32 bytes. Env
   * `LATCHKEY_SECRETS` (comma-separated) or flag `--secrets-file` (one per line). Default:
   * null, meaning one generated and kept in the data folder.
   */
  secrets: string[] | null;
  /**
   * Proxies to believe about the client's address and scheme. Flag `--trust-proxy`, env
   * `LATCHKEY_TRUST_PROXY`: a hop count (`1`) or addresses and CIDR ranges
   * (`10.0.0.0/8,::1`). Default: none.
   */
  trustProxy: TrustProxy;
  /**
   * Which forwarding header those proxies write: `x-forwarded` or `forwarded` (RFC 7239). Only
   * that one is read. Flag `--proxy-header`, env `LATCHKEY_PROXY_HEADER`. Default: `x-forwarded`.
   */
  proxyHeader: ForwardingHeader;
  /**
   * Take the host the client asked for from those proxies' `X-Forwarded-Host` (or `Forwarded:
   * host=`) rather than from `Host`: for a proxy that sends its own upstream address in `Host`,
   * as Traefik's `forwardAuth` does, naming Latchkey by an IP address or a private name (a
   * container's, `.cluster.local`, `.internal`, `.home.arpa`); under a public name the forwarded
   * host is not read. Every trusted proxy must set or remove that header. Flag
   * `--trust-forwarded-host`, env `LATCHKEY_TRUST_FORWARDED_HOST=on`; needs `--trust-proxy`.
   * Default: off.
   */
  trustForwardedHost: boolean;
  /**
   * The public origin (`https://auth.example.com`): what unsafe requests' `Origin` must be, and the
   * one host name answered to (but for `/healthz` and `/metrics`). Flag `--origin`, env
   * `LATCHKEY_ORIGIN`. Default: none (each request's Host is used).
   */
  origin: string | undefined;
  /**
   * Other origins allowed to send unsafe requests. Flag `--trusted-origins`, env
   * `LATCHKEY_TRUSTED_ORIGINS`, comma-separated. Default: none.
   */
  trustedOrigins: string[];
  /**
   * Host names (from the `Host` header, port ignored) this server answers to; others get 421.
   * It stops DNS-rebinding pages, whose requests look same-origin to the browser. Derived:
   * the `--origin` host when set; else, when listening on loopback, `localhost`, `127.0.0.1`
   * and `[::1]`; else null (any host).
   */
  allowedHosts: string[] | null;
  /**
   * Serve HTTPS with this certificate and key (PEM files; the certificate file may go on with
   * its intermediates). Flags `--tls-cert` and `--tls-key`, env `LATCHKEY_TLS_CERT` and
   * `LATCHKEY_TLS_KEY`: both or neither. Default: null (plain HTTP, unless `devCert`).
   */
  tls: { certFile: string; keyFile: string } | null;
  /**
   * When `tls` is null, serve HTTPS with a self-signed certificate for localhost, 127.0.0.1
   * and ::1, made in the data folder (`dev-cert.pem`, `dev-key.pem`) and renewed before it
   * expires. Flag `--dev-cert`, env `LATCHKEY_DEV_CERT=1`. Default: false.
   */
  devCert: boolean;
  /**
   * Device Bound Session Credentials: offered at every login over HTTPS (direct, or behind a
   * trusted TLS proxy); browsers without them ignore the offer. Flag `--dbsc`, env
   * `LATCHKEY_DBSC=on`; the bound cookie's lifetime from `LATCHKEY_DBSC_COOKIE_SECONDS`
   * (default 600). Default: off.
   */
  dbsc: { enabled: boolean; cookieLifetimeSeconds?: number };
  /** Session lifetimes: env `LATCHKEY_IDLE_TIMEOUT_SECONDS`, `LATCHKEY_ABSOLUTE_LIFETIME_SECONDS`. */
  session: { idleTimeoutSeconds?: number; absoluteLifetimeSeconds?: number };
  /** How recent a login must be to change the password. Env `LATCHKEY_FRESH_LOGIN_SECONDS`. */
  freshLoginSeconds: number | undefined;
  /**
   * Whether logout sends `Clear-Site-Data: "cookies"`, which clears every cookie of the site,
   * other applications' on the same host name too (an app guarded through `GET /auth/verify`).
   * Env `LATCHKEY_CLEAR_SITE_DATA=off` turns it off. Default: on.
   */
  clearSiteDataOnLogout: boolean;
  /**
   * The token a Prometheus scrape of `GET /metrics` must send (`Authorization: Bearer ...`), at
   * least 32 characters. Env `LATCHKEY_METRICS_TOKEN` only: a flag would show it in the process
   * list. Default: null, and no `/metrics`.
   */
  metricsToken: string | null;
  /**
   * Words a new password may not be built on (see `PasswordPolicy.contextWords`): "latchkey",
   * the labels of `--origin`'s host but its last (and `www`), and those of env
   * `LATCHKEY_PASSWORD_CONTEXT_WORDS` (comma-separated: the product's and organisation's names).
   */
  passwordContextWords: string[];
}

/** The raw inputs: parsed command-line flags and the process environment. */
export interface ConfigSources {
  flags: Readonly<Record<string, string | boolean | undefined>>;
  env: Readonly<Record<string, string | undefined>>;
}

/** Just the data folder (`--data-dir`, `LATCHKEY_DATA_DIR`, default `./data`), for tools. */
export function resolveDataDir({ flags, env }: ConfigSources): string {
  const flag = flags['data-dir'];
  const fromEnv = env.LATCHKEY_DATA_DIR;
  return resolve(
    typeof flag === 'string' ? flag : fromEnv === undefined || fromEnv === '' ? 'data' : fromEnv,
  );
}

/** Just the store (`--store`, `LATCHKEY_STORE`, default SQLite in the data folder), for tools. */
export function resolveStore(sources: ConfigSources): StoreLocation {
  const flag = sources.flags.store;
  const fromEnv = sources.env.LATCHKEY_STORE;
  if (typeof flag === 'string') return parseStoreLocation(flag, '--store');
  if (fromEnv !== undefined && fromEnv !== '') return parseStoreLocation(fromEnv, 'LATCHKEY_STORE');
  return { kind: 'sqlite', path: join(resolveDataDir(sources), 'latchkey.db') };
}

const LOOPBACK_BINDS = new Set(['127.0.0.1', '::1', 'localhost']);

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/**
 * Resolves and checks the server's configuration once, at start-up. A bad value throws
 * {@link ConfigError} naming the flag or variable, the rule and the fix.
 */
export function resolveServerConfig({ flags, env }: ConfigSources): ServerConfig {
  const pick = (flag: string, variable: string): { value: string; from: string } | undefined => {
    const fromFlag = flags[flag];
    if (typeof fromFlag === 'string') return { value: fromFlag, from: `--${flag}` };
    const fromEnv = env[variable];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, from: variable };
    return undefined;
  };

  const port = pick('port', 'LATCHKEY_PORT');
  const host = pick('host', 'LATCHKEY_HOST')?.value ?? '127.0.0.1';
  const sameSite = pick('same-site', 'LATCHKEY_COOKIE_SAMESITE');
  const origin = pick('origin', 'LATCHKEY_ORIGIN')?.value;
  const secure =
    flags['insecure-cookie'] !== true && readSwitch(env, 'LATCHKEY_COOKIE_SECURE', true);
  const persistent =
    flags['browser-session-cookie'] !== true && readSwitch(env, 'LATCHKEY_COOKIE_PERSISTENT', true);

  const dataDir = resolve(pick('data-dir', 'LATCHKEY_DATA_DIR')?.value ?? 'data');
  const store = pick('store', 'LATCHKEY_STORE');
  const tls = readTls(pick('tls-cert', 'LATCHKEY_TLS_CERT'), pick('tls-key', 'LATCHKEY_TLS_KEY'));
  const config: ServerConfig = {
    port: port === undefined ? 3000 : parsePort(port.value, port.from),
    host,
    dataDir,
    store:
      store === undefined
        ? { kind: 'sqlite', path: join(dataDir, 'latchkey.db') }
        : parseStoreLocation(store.value, store.from),
    cookie: {
      // The __Host- prefix needs Secure: without it the default name drops the prefix.
      name:
        pick('cookie-name', 'LATCHKEY_COOKIE_NAME')?.value ??
        (secure ? '__Host-auth_token' : 'auth_token'),
      sameSite: sameSite === undefined ? 'Lax' : parseSameSite(sameSite.value, sameSite.from),
      secure,
      persistent,
    },
    registration: flags.registration !== false && readSwitch(env, 'LATCHKEY_REGISTRATION', true),
    secrets: readSecrets(pick('secrets-file', 'LATCHKEY_SECRETS_FILE'), env.LATCHKEY_SECRETS),
    trustProxy: parseTrustProxy(pick('trust-proxy', 'LATCHKEY_TRUST_PROXY')),
    proxyHeader: parseProxyHeader(pick('proxy-header', 'LATCHKEY_PROXY_HEADER')),
    trustForwardedHost:
      flags['trust-forwarded-host'] === true ||
      readSwitch(env, 'LATCHKEY_TRUST_FORWARDED_HOST', false),
    origin,
    trustedOrigins: list(pick('trusted-origins', 'LATCHKEY_TRUSTED_ORIGINS')?.value),
    allowedHosts:
      origin !== undefined
        ? [hostOf(origin)]
        : LOOPBACK_BINDS.has(host)
          ? ['localhost', '127.0.0.1', '[::1]']
          : null,
    tls,
    devCert: flags['dev-cert'] === true || readSwitch(env, 'LATCHKEY_DEV_CERT', false),
    dbsc: {
      enabled: flags.dbsc === true || readSwitch(env, 'LATCHKEY_DBSC', false),
      ...seconds(env, 'LATCHKEY_DBSC_COOKIE_SECONDS', 'cookieLifetimeSeconds'),
    },
    session: {
      ...seconds(env, 'LATCHKEY_IDLE_TIMEOUT_SECONDS', 'idleTimeoutSeconds'),
      ...seconds(env, 'LATCHKEY_ABSOLUTE_LIFETIME_SECONDS', 'absoluteLifetimeSeconds'),
    },
    freshLoginSeconds: seconds(env, 'LATCHKEY_FRESH_LOGIN_SECONDS', 'value').value,
    clearSiteDataOnLogout: readSwitch(env, 'LATCHKEY_CLEAR_SITE_DATA', true),
    metricsToken: readMetricsToken(env.LATCHKEY_METRICS_TOKEN),
    passwordContextWords: [
      'latchkey',
      ...(origin === undefined ? [] : siteWords(hostOf(origin))),
      ...list(env.LATCHKEY_PASSWORD_CONTEXT_WORDS),
    ],
  };

  if (config.trustForwardedHost && config.trustProxy === false) {
    throw new ConfigError(
      '--trust-forwarded-host (LATCHKEY_TRUST_FORWARDED_HOST)',
      'a forwarded host is believed only from trusted proxies; name them with --trust-proxy too',
    );
  }
  if (!secure) {
    const publicHost = origin === undefined ? host : hostOf(origin);
    if (!LOCAL_HOSTS.has(publicHost)) {
      throw new ConfigError(
        '--insecure-cookie (LATCHKEY_COOKIE_SECURE=false)',
        `the cookie may drop Secure only on localhost, and this server is reached as ` +
          `"${publicHost}"; serve it over HTTPS (or behind a TLS proxy) and keep Secure on`,
      );
    }
  }
  return config;
}
