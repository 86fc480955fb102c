import { Accounts } from '../accounts/index.js';
import { ConfigError } from '../errors.js';
import { silentLogger } from '../log.js';
import { SessionManager } from '../session/index.js';
import { LoginThrottle } from '../throttle/index.js';
import { KeyRing } from '../token/keyring.js';
import { resolveDbsc } from './dbsc.js';
import { DEVICE_COOKIE_NAMES, DeviceCookie } from './device-cookie.js';
import { optionNames, refuseUnknownOptions } from './option-names.js';
import { SessionCookie } from './session-cookie.js';

import type { AccountsOptions } from '../accounts/index.js';
import type { UserStore } from '../accounts/types.js';
import type { Logger } from '../log.js';
import type { Argon2idParameters } from '../password/parameters.js';
import type { PasswordPolicy } from '../password/policy.js';
import type { SessionPolicy } from '../session/index.js';
import type { Clock, SessionStore } from '../session/types.js';
import type { ThrottlePolicy } from '../throttle/index.js';
import type { DbscOptions, DbscSettings } from './dbsc.js';
import type { SessionCookieOptions } from './session-cookie.js';

// Below this, Chromium's early refreshes (from ~120 s before expiry) and its signing quota
// (~5 per 8 minutes) start to fail active users. Unit: seconds.
const SHORTEST_COMFORTABLE_BOUND_COOKIE = 300;

/** Everything the HTTP layer needs, resolved and checked once. */
export interface AuthContext {
  sessions: SessionManager;
  accounts: Accounts;
  cookie: SessionCookie;
  deviceCookie: DeviceCookie;
  throttle: LoginThrottle;
  keys: KeyRing;
  logger: Logger;
  /** Origins besides the server's own allowed to send unsafe requests. */
  trustedOrigins: ReadonlySet<string>;
  /** A fixed public origin of this server, or null to take it from each request's Host. */
  origin: string | null;
  /** How recent a login must be for sensitive changes (password). Unit: seconds. */
  freshLoginSeconds: number;
  /** Whether `POST /auth/register` creates accounts. */
  registration: boolean;
  /** Whether logout sends `Clear-Site-Data: "cookies"`. */
  clearSiteDataOnLogout: boolean;
  /** Device Bound Session Credentials: whether they are offered, and the bound cookie. */
  dbsc: DbscSettings;
  /** Milliseconds since the epoch. */
  clock: Clock;
}

/** Options for {@link createAuthContext}. Every default is the secure choice. */
export interface AuthContextOptions {
  sessionStore: SessionStore;
  userStore: UserStore;
  /**
   * Secrets that sign CSRF tokens and device cookies, each at least 32 bytes. The first signs,
   * all verify: to rotate, put a new one first and keep the old one for a while. Required.
   */
  secrets: readonly (string | Uint8Array)[];
  /** The session cookie; see {@link SessionCookieOptions}. */
  cookie?: SessionCookieOptions;
  /** Session lifetimes; see `SessionPolicy`. */
  session?: Partial<SessionPolicy>;
  /** Login throttling; see `ThrottlePolicy`. */
  throttle?: Partial<ThrottlePolicy>;
  /** Password hashing and policy; see `AccountsOptions`. */
  accounts?: Omit<AccountsOptions, 'clock'>;
  /**
   * This server's public origin (`https://auth.example.com`), when a proxy in front rewrites
   * `Host`. Default: none; each request's own `Host` and scheme are used.
   */
  origin?: string;
  /** Other origins whose pages may send unsafe requests here. Default: none. */
  trustedOrigins?: readonly string[];
  /**
   * How recent a login must be for a password change. Unit: seconds. Default: 600 (10 minutes).
   */
  freshLoginSeconds?: number;
  /** Whether `POST /auth/register` is open. Default: true. */
  registration?: boolean;
  /** Send `Clear-Site-Data: "cookies"` on logout (it clears the whole site's cookies). Default: true. */
  clearSiteDataOnLogout?: boolean;
  /**
   * Device Bound Session Credentials; see {@link DbscOptions}. Default: off. Sessions bound
   * while it was on stay bound when it is turned off: their token alone still does not
   * authenticate, so their users log in again.
   */
  dbsc?: DbscOptions;
  /** Receives structured events. Default: silent. */
  logger?: Logger;
  /** Milliseconds since the epoch. Default: `Date.now`. */
  clock?: Clock;
}

/**
 * Builds and checks the HTTP layer's context once, at start-up: a bad option throws
 * `ConfigError` here, naming it, never later on a request.
 */
export function createAuthContext(options: AuthContextOptions): AuthContext {
  refuseUnknownOptions(options, CONTEXT_OPTIONS, '');
  for (const [name, known] of NESTED_OPTIONS) {
    refuseUnknownOptions(options[name], known, `${name}.`);
  }
  const { passwordPolicy, argon2id } = options.accounts ?? {};
  refuseUnknownOptions(passwordPolicy, POLICY_OPTIONS, 'accounts.passwordPolicy.');
  refuseUnknownOptions(argon2id, ARGON2ID_OPTIONS, 'accounts.argon2id.');
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const keys = new KeyRing(options.secrets, 'secrets');
  const freshLoginSeconds = options.freshLoginSeconds ?? 600;
  if (!Number.isSafeInteger(freshLoginSeconds) || freshLoginSeconds < 1) {
    throw new ConfigError('freshLoginSeconds', 'must be a whole number of seconds, at least 1');
  }
  const sessions = new SessionManager(options.sessionStore, {
    clock,
    logger,
    ...(options.session === undefined ? {} : { policy: options.session }),
  });
  const cookie = new SessionCookie(options.cookie);
  const dbsc = resolveDbsc(keys, options.dbsc, {
    secureCookie: options.cookie?.secure ?? true,
    sameSite: options.cookie?.sameSite ?? 'Lax',
    canBind: sessions.supportsBinding,
    otherCookies: [cookie.name, ...DEVICE_COOKIE_NAMES],
  });
  if (dbsc.enabled && dbsc.boundCookie.lifetimeSeconds < SHORTEST_COMFORTABLE_BOUND_COOKIE) {
    logger.log('warn', 'dbsc.short_cookie_lifetime', {
      seconds: dbsc.boundCookie.lifetimeSeconds,
      advice:
        'Chromium refreshes on almost every request below ~300 s and may run out of its refresh quota, logging active users out',
    });
  }
  return {
    sessions,
    accounts: new Accounts(options.userStore, { ...options.accounts, clock }),
    cookie,
    deviceCookie: new DeviceCookie(keys, { secure: options.cookie?.secure ?? true }),
    throttle: new LoginThrottle(options.sessionStore, {
      clock,
      ...(options.throttle === undefined ? {} : { policy: options.throttle }),
    }),
    keys,
    logger,
    trustedOrigins: new Set(
      (options.trustedOrigins ?? []).map((origin) => checkOrigin(origin, 'trustedOrigins')),
    ),
    origin: options.origin === undefined ? null : checkOrigin(options.origin, 'origin'),
    freshLoginSeconds,
    registration: options.registration ?? true,
    clearSiteDataOnLogout: options.clearSiteDataOnLogout ?? true,
    dbsc,
    clock,
  };
}

const CONTEXT_OPTIONS = optionNames<AuthContextOptions>({
  sessionStore: true,
  userStore: true,
  secrets: true,
  cookie: true,
  session: true,
  throttle: true,
  accounts: true,
  origin: true,
  trustedOrigins: true,
  freshLoginSeconds: true,
  registration: true,
  clearSiteDataOnLogout: true,
  dbsc: true,
  logger: true,
  clock: true,
});

const NESTED_OPTIONS: readonly [keyof AuthContextOptions, readonly string[]][] = [
  [
    'cookie',
    optionNames<SessionCookieOptions>({
      name: true,
      sameSite: true,
      secure: true,
      domain: true,
      path: true,
      persistent: true,
    }),
  ],
  [
    'session',
    optionNames<SessionPolicy>({
      idleTimeoutSeconds: true,
      absoluteLifetimeSeconds: true,
      renewalIntervalSeconds: true,
    }),
  ],
  [
    'throttle',
    optionNames<ThrottlePolicy>({
      accountFreeFailures: true,
      addressFreeFailures: true,
      registrationFreeAttempts: true,
      baseDelaySeconds: true,
      maxDelaySeconds: true,
      resetAfterSeconds: true,
    }),
  ],
  [
    'accounts',
    optionNames<Omit<AccountsOptions, 'clock'>>({
      argon2id: true,
      passwordPolicy: true,
      generateId: true,
    }),
  ],
  [
    'dbsc',
    optionNames<DbscOptions>({
      enabled: true,
      cookieName: true,
      cookieLifetimeSeconds: true,
      challengeSeconds: true,
    }),
  ],
];

const POLICY_OPTIONS = optionNames<PasswordPolicy>({
  minLength: true,
  maxLength: true,
  refuseCommon: true,
  contextWords: true,
});

const ARGON2ID_OPTIONS = optionNames<Argon2idParameters>({
  memoryCostKib: true,
  timeCost: true,
  parallelism: true,
});

/** An origin as browsers serialize it in `Origin`: scheme, host, port if not the default. */
export function checkOrigin(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(option, `"${value}" is not an origin; write it as https://host[:port]`);
  }
  // Compared with `Origin` as browsers send it, so kept in that form: lower-case host, no
  // default port, no final slash (`https://App.example.com:443/` is `https://app.example.com`).
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username !== '' ||
    url.password !== '' ||
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw new ConfigError(
      option,
      `"${value}" is not an origin; write scheme, host and port only, e.g. https://app.example.com`,
    );
  }
  return url.origin;
}
