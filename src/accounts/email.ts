import { domainToASCII } from 'node:url';

/**
 * Longest address accepted. Unit: UTF-8 bytes. RFC 5321 section 4.5.3.1.3 caps a path at 256
 * octets including its angle brackets, which leaves 254 for the address (RFC 5321 erratum 1690).
 */
export const EMAIL_MAX_BYTES = 254;

/** Longest local part (before the `@`). Unit: UTF-8 bytes. RFC 5321 section 4.5.3.1.1. */
export const EMAIL_LOCAL_PART_MAX_BYTES = 64;

// Inputs longer than this are refused before any normalization, so that a hostile megabyte
// costs nothing. Generous for surrounding whitespace: the address itself is at most 254 bytes.
const MAX_INPUT_LENGTH = 1_024;

// Characters no address accepted here contains: whitespace, controls, invisible format
// characters (zero-width spaces, bidirectional overrides) and unpaired surrogates, which would
// let two accounts look identical, plus the RFC 5322 specials that only quoted local parts,
// comments and address literals use. Visible letters of other scripts that look like Latin ones
// (a Cyrillic "а") stay: they are other mailboxes, as mail servers see them (README, Limitations).
const FORBIDDEN =
  /[\s\p{Cc}\p{Cf}\p{Cs}\p{Z}\p{Default_Ignorable_Code_Point}\uFFFD()<>[\]:;@\\,"]/u;

// One DNS label (RFC 1035 section 2.3.1, widened to Unicode letters, marks and digits for
// internationalized domains): no leading or trailing hyphen.
const DOMAIN_LABEL = /^[\p{L}\p{M}\p{N}](?:[\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?$/u;

const ALL_DIGITS = /^[0-9]+$/;

/**
 * The canonical form of an email address, used as the account's unique key, or null when the
 * input is not a plausible address. Never throws, whatever the input.
 *
 * Canonical form: surrounding whitespace trimmed, Unicode NFKC (so "é" typed two ways, or
 * full-width and mathematical letters, are one address), then lowercased, local part included,
 * and the domain in its ASCII (IDNA) form, so `bücher.de` and `xn--bcher-kva.de` are one. RFC 5321 section 2.4 lets a mail server treat
 * `Alice@` and `alice@` as two mailboxes; none in common use does, and keeping them apart would
 * let one person hold two accounts that differ only in case, or lock themselves out by typing a
 * capital. Lowercasing uses Unicode's default mapping, the same in every locale.
 *
 * A plausible address has one `@`; a local part of 1 to 64 bytes; a domain of dot-separated
 * labels of letters, digits and inner hyphens (Unicode letters allowed); at most 254 UTF-8 bytes
 * in all; no whitespace, control or invisible characters. The domain must contain a dot (and end
 * in a label that is not all digits), except `localhost`, accepted for development and tests:
 * any other single label (`alice@gmail`) is far more often a typo than an intranet mail host.
 *
 * Refused on purpose, although RFC 5322 allows them: quoted local parts (`"a b"@example.com`),
 * comments, and address literals (`user@[192.0.2.1]`). Dots in the local part are not checked
 * (`a..b@example.com` passes), as in WHATWG's `<input type=email>`, because some providers
 * have issued such addresses. Whether the mailbox exists is for an email round trip to prove.
 */
export function normalizeEmail(input: string): string | null {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return null;
  // NFKC, not just NFC: full-width, mathematical and ligature letters fold to the plain ones,
  // so `ａｄａ@example.com` and `𝐚𝐝𝐚@example.com` are the same account as `ada@example.com`.
  // Again after lowercasing: a lowercase mapping can leave a string that is not normalized.
  const folded = input.trim().normalize('NFKC').toLowerCase().normalize('NFKC');
  const atIndex = folded.lastIndexOf('@');
  if (atIndex < 0 || FORBIDDEN.test(folded.slice(atIndex + 1))) return null;
  // One spelling per domain: `bücher.de` and `xn--bcher-kva.de` are the same mailbox, so the
  // domain is kept in its ASCII (IDNA) form.
  const asciiDomain = domainToASCII(folded.slice(atIndex + 1));
  if (asciiDomain === '') return null;
  const email = `${folded.slice(0, atIndex)}@${asciiDomain}`;

  if (Buffer.byteLength(email, 'utf8') > EMAIL_MAX_BYTES) return null;
  const at = email.indexOf('@');
  if (at < 0 || at !== email.lastIndexOf('@')) return null;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);

  if (local.length === 0 || Buffer.byteLength(local, 'utf8') > EMAIL_LOCAL_PART_MAX_BYTES) {
    return null;
  }
  if (FORBIDDEN.test(local) || !isPlausibleDomain(domain)) return null;
  return email;
}

function isPlausibleDomain(domain: string): boolean {
  if (domain === 'localhost') return true;
  const labels = domain.split('.');
  const last = labels[labels.length - 1] ?? '';
  return (
    labels.length >= 2 &&
    labels.every((label) => DOMAIN_LABEL.test(label)) &&
    !ALL_DIGITS.test(last)
  );
}
