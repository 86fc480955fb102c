import { CookieError, getCookieValues, serializeSetCookie } from '../cookie/index.js';
import { ConfigError } from '../errors.js';

/** How the session cookie is named and scoped. Every default is the secure choice. */
export interface SessionCookieOptions {
  /**
   * Cookie name. Default: `__Host-auth_token`. The `__Host-` prefix makes browsers insist on
   * `Secure`, `Path=/` and no `Domain`, so a sibling subdomain cannot plant or overwrite it
   * (RFC 6265bis section 4.1.3.2).
   */
  name?: string;
  /**
   * `SameSite` attribute. Default: `Lax`, which keeps the cookie off cross-site subrequests and
   * form posts while still letting a link from another site land the user logged in.
   * `Strict` is stricter still; `None` requires `secure`.
   */
  sameSite?: 'Strict' | 'Lax' | 'None';
  /**
   * `Secure` attribute. Default: true. Browsers treat `http://localhost` as secure, so local
   * development works without TLS; turn it off only for a plain-HTTP host you control.
   */
  secure?: boolean;
  /** `Domain` attribute. Default: none (a host-only cookie), the safest scope. */
  domain?: string;
  /** `Path` attribute. Default: `/`. */
  path?: string;
  /**
   * Whether the cookie carries `Max-Age`, following the session's expiry (renewed as the
   * session slides). Default: true. With false the cookie has no lifetime attribute and ends
   * when the browser closes (a "session cookie" in RFC 6265bis terms); the server-side expiry
   * still applies.
   */
  persistent?: boolean;
}

/** The resolved session cookie: reads it from requests and writes it to responses. */
export class SessionCookie {
  /** The cookie's name as sent by browsers. */
  readonly name: string;
  readonly #persistent: boolean;
  readonly #attributes: {
    path: string;
    secure: boolean;
    httpOnly: true;
    sameSite: 'Strict' | 'Lax' | 'None';
    domain?: string;
  };

  /** Checks the options once: a name and attributes that a browser would drop fail here. */
  constructor(options: SessionCookieOptions = {}) {
    this.name = options.name ?? '__Host-auth_token';
    this.#persistent = options.persistent ?? true;
    this.#attributes = {
      path: options.path ?? '/',
      secure: options.secure ?? true,
      // HttpOnly is not an option: a session cookie readable by script is what this library
      // exists to prevent.
      httpOnly: true,
      sameSite: options.sameSite ?? 'Lax',
      ...(options.domain === undefined ? {} : { domain: options.domain }),
    };
    try {
      this.serialize('x', 60);
    } catch (error) {
      if (!(error instanceof CookieError)) throw error;
      throw new ConfigError(optionAtFault(error), error.message.replace(/^latchkey: /, ''));
    }
  }

  /** Every value the request's `Cookie` header carries under this name (duplicates kept). */
  read(cookieHeader: string | undefined): string[] {
    return cookieHeader === undefined ? [] : getCookieValues(cookieHeader, this.name);
  }

  /** `Set-Cookie` for a session token that the browser keeps for `maxAgeSeconds`. */
  serialize(token: string, maxAgeSeconds: number): string {
    if (!this.#persistent) return serializeSetCookie(this.name, token, this.#attributes);
    return serializeSetCookie(this.name, token, { ...this.#attributes, maxAge: maxAgeSeconds });
  }

  /**
   * `Set-Cookie` that deletes the cookie: an empty value, `Max-Age=0`, and the same Path,
   * Domain, Secure and SameSite as the cookie it replaces, or browsers would keep the original.
   */
  clear(): string {
    return serializeSetCookie(this.name, '', { ...this.#attributes, maxAge: 0 });
  }
}

function optionAtFault(error: CookieError): string {
  switch (error.code) {
    case 'COOKIE_SAMESITE_NONE_INSECURE':
      return 'cookie.sameSite';
    case 'COOKIE_NAME_INVALID':
    case 'COOKIE_PREFIX_VIOLATION':
      return 'cookie.name';
    default:
      return 'cookie';
  }
}
