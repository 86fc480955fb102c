/**
 * The form a password is hashed, verified and measured in: Unicode NFKC (UAX #15).
 *
 * The same password typed on two keyboards, or on two operating systems, can reach the server
 * as different code points: "é" precomposed (U+00E9) from one, "e" plus a combining accent
 * (U+0065 U+0301) from another; full-width "Ｐａｓｓ" from an East Asian input method where
 * another sends "Pass"; the ligature "ﬁ" pasted from a document. NFKC maps each of these to
 * one form, so the user is not locked out by their keyboard. NIST SP 800-63B section 5.1.1.2
 * asks verifiers to apply NFKC or NFKD before hashing for exactly this reason.
 *
 * Limitation: unpaired UTF-16 surrogates (which no keyboard produces, but a JSON body can carry
 * as `"\ud800"`) survive NFKC and are then encoded as U+FFFD for hashing, so two passwords that
 * differ only in which unpaired surrogate they hold verify as the same password.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}
