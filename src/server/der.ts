// A small DER (ITU-T X.690) encoder, and a reader just deep enough to find fields in a
// certificate: enough to build and inspect the development certificate without a dependency.
// Every value is returned whole (tag, length, content) as a Buffer, so values nest by
// concatenation.

/** The universal tags used here. */
const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  ia5String: 0x16,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** The length octets: short form below 128, else long form (0x80 | count, big-endian). */
function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

/** One element: a single-octet tag, its length and its content. */
export function tlv(tag: number, content: Uint8Array): Buffer {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xff || (tag & 0x1f) === 0x1f) {
    throw new RangeError(`DER: tag ${tag} is not a single-octet tag`);
  }
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

/** BOOLEAN: `FF` for true, `00` for false (DER). */
export function boolean(value: boolean): Buffer {
  return tlv(TAG.boolean, Buffer.from([value ? 0xff : 0x00]));
}

/**
 * INTEGER, in the fewest two's-complement octets. A bigint may be negative; bytes are read as
 * an unsigned big-endian number (a leading zero octet is added when the top bit is set).
 */
export function integer(value: bigint | number | Uint8Array): Buffer {
  if (value instanceof Uint8Array) {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start += 1;
    const magnitude = Buffer.from(value.subarray(start));
    if (magnitude.length === 0) return tlv(TAG.integer, Buffer.from([0]));
    const needsPad = (magnitude[0] ?? 0) & 0x80;
    return tlv(TAG.integer, needsPad ? Buffer.concat([Buffer.from([0]), magnitude]) : magnitude);
  }
  let rest = BigInt(value);
  const octets: number[] = [];
  // Two's complement, least significant octet first, until the sign is carried by the top bit.
  for (;;) {
    const octet = Number(rest & 0xffn);
    octets.unshift(octet);
    rest >>= 8n;
    if ((rest === 0n && (octet & 0x80) === 0) || (rest === -1n && (octet & 0x80) !== 0)) break;
  }
  return tlv(TAG.integer, Buffer.from(octets));
}

/** BIT STRING from whole octets, with `unusedBits` (0 to 7) unused at the end of the last. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7) {
    throw new RangeError('DER: a BIT STRING has 0 to 7 unused bits');
  }
  if (unusedBits > 0 && bytes.length === 0) {
    throw new RangeError('DER: an empty BIT STRING has no unused bits');
  }
  return tlv(TAG.bitString, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

/**
 * A named-bit BIT STRING (as in KeyUsage): bit 0 is the most significant bit of the first
 * octet. DER drops trailing zero bits, so the encoding ends at the last bit set.
 */
export function namedBits(bits: readonly number[]): Buffer {
  if (bits.length === 0) return bitString(new Uint8Array(0));
  const highest = Math.max(...bits);
  const octets = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) {
    const index = Math.floor(bit / 8);
    octets[index] = (octets[index] ?? 0) | (0x80 >> (bit % 8));
  }
  return bitString(octets, 7 - (highest % 8));
}

/** OCTET STRING. */
export function octetString(bytes: Uint8Array): Buffer {
  return tlv(TAG.octetString, bytes);
}

/** NULL. */
export function nullValue(): Buffer {
  return tlv(TAG.null, new Uint8Array(0));
}

/** OBJECT IDENTIFIER from its dotted form, e.g. `1.2.840.10045.4.3.2`. */
export function oid(dotted: string): Buffer {
  if (!/^[0-2](\.\d+)+$/.test(dotted)) throw new RangeError(`DER: "${dotted}" is not an OID`);
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const [first = 0n, second = 0n, ...rest] = arcs;
  if (first < 2n && second > 39n) throw new RangeError(`DER: "${dotted}" is not an OID`);
  const octets: number[] = [];
  for (const arc of [first * 40n + second, ...rest]) {
    // Base 128, most significant group first, every group but the last with its top bit set.
    const groups: number[] = [Number(arc & 0x7fn)];
    for (let value = arc >> 7n; value > 0n; value >>= 7n) {
      groups.unshift(Number(value & 0x7fn) | 0x80);
    }
    octets.push(...groups);
  }
  return tlv(TAG.oid, Buffer.from(octets));
}

/** UTF8String. */
export function utf8String(text: string): Buffer {
  return tlv(TAG.utf8String, Buffer.from(text, 'utf8'));
}

/** IA5String (ASCII), as in a dNSName. */
export function ia5String(text: string): Buffer {
  for (let index = 0; index < text.length; index += 1) {
    if (text.charCodeAt(index) > 0x7f) throw new RangeError('DER: IA5String is ASCII only');
  }
  return tlv(TAG.ia5String, Buffer.from(text, 'ascii'));
}

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

function timeDigits(date: Date): string {
  return (
    twoDigits(date.getUTCMonth() + 1) +
    twoDigits(date.getUTCDate()) +
    twoDigits(date.getUTCHours()) +
    twoDigits(date.getUTCMinutes()) +
    twoDigits(date.getUTCSeconds())
  );
}

/** UTCTime, `YYMMDDHHMMSSZ` (whole seconds, UTC), for the years 1950 to 2049. */
export function utcTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new RangeError('DER: UTCTime covers 1950 to 2049');
  return tlv(TAG.utcTime, Buffer.from(`${twoDigits(year % 100)}${timeDigits(date)}Z`, 'ascii'));
}

/** GeneralizedTime, `YYYYMMDDHHMMSSZ` (whole seconds, UTC). */
export function generalizedTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError('DER: GeneralizedTime covers 0 to 9999');
  return tlv(
    TAG.generalizedTime,
    Buffer.from(`${String(year).padStart(4, '0')}${timeDigits(date)}Z`, 'ascii'),
  );
}

/** An X.509 Time (RFC 5280 section 4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050. */
export function x509Time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  return year >= 1950 && year <= 2049 ? utcTime(date) : generalizedTime(date);
}

/** SEQUENCE of the given elements, in order. */
export function sequence(...elements: Uint8Array[]): Buffer {
  return tlv(TAG.sequence, Buffer.concat(elements));
}

/** SET OF the given elements, sorted by their encodings as DER requires. */
export function set(...elements: Uint8Array[]): Buffer {
  const sorted = [...elements].sort((a, b) => Buffer.compare(a, b));
  return tlv(TAG.set, Buffer.concat(sorted));
}

/** `[n] EXPLICIT`: a constructed context tag wrapping one whole element. */
export function explicit(tagNumber: number, element: Uint8Array): Buffer {
  return tlv(0xa0 | contextNumber(tagNumber), element);
}

/** `[n] IMPLICIT` on a primitive type: the content octets under a context tag. */
export function implicit(tagNumber: number, content: Uint8Array): Buffer {
  return tlv(0x80 | contextNumber(tagNumber), content);
}

function contextNumber(tagNumber: number): number {
  if (!Number.isInteger(tagNumber) || tagNumber < 0 || tagNumber > 30) {
    throw new RangeError(`DER: context tag [${tagNumber}] needs a single octet`);
  }
  return tagNumber;
}

/** One element found by {@link readElement}. */
export interface DerElement {
  tag: number;
  /** Offset of the tag octet. */
  start: number;
  /** Offset of the first content octet. */
  contentStart: number;
  /** Offset just past the element. */
  end: number;
}

/** Reads the element at `offset` (single-octet tags, definite lengths only). */
export function readElement(bytes: Uint8Array, offset: number, limit = bytes.length): DerElement {
  const fail = (): never => {
    throw new RangeError(`DER: malformed element at offset ${offset}`);
  };
  const tag = bytes[offset] ?? fail();
  if ((tag & 0x1f) === 0x1f) fail();
  let position = offset + 1;
  const first = bytes[position] ?? fail();
  position += 1;
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) fail();
    length = 0;
    for (let index = 0; index < count; index += 1) {
      length = length * 256 + (bytes[position] ?? fail());
      position += 1;
    }
  }
  const end = position + length;
  if (end > limit) fail();
  return { tag, start: offset, contentStart: position, end };
}

/** The elements directly inside a constructed element. */
export function children(bytes: Uint8Array, parent: DerElement): DerElement[] {
  const found: DerElement[] = [];
  for (let offset = parent.contentStart; offset < parent.end;) {
    const element = readElement(bytes, offset, parent.end);
    found.push(element);
    offset = element.end;
  }
  return found;
}

/**
 * The DER SubjectPublicKeyInfo of an X.509 certificate (given as DER), exactly as it appears
 * in the certificate: the bytes whose SHA-256 is the certificate's "SPKI hash".
 */
export function subjectPublicKeyInfo(certificateDer: Uint8Array): Buffer {
  const certificate = readElement(certificateDer, 0);
  if (certificate.tag !== TAG.sequence) throw new RangeError('DER: not a certificate');
  const tbs = children(certificateDer, certificate)[0];
  if (tbs?.tag !== TAG.sequence) throw new RangeError('DER: not a certificate');
  const fields = children(certificateDer, tbs);
  // version [0] is optional; then serial, signature, issuer, validity, subject, the key.
  const first = fields[0]?.tag === 0xa0 ? 1 : 0;
  const spki = fields[first + 5];
  if (spki?.tag !== TAG.sequence) throw new RangeError('DER: no SubjectPublicKeyInfo');
  return Buffer.from(certificateDer.subarray(spki.start, spki.end));
}

function readTime(bytes: Uint8Array, element: DerElement | undefined): Date {
  const text = Buffer.from(bytes.subarray(element?.contentStart, element?.end)).toString('ascii');
  const match =
    element?.tag === TAG.utcTime
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : element?.tag === TAG.generalizedTime
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : null;
  if (match === null) throw new RangeError('DER: not a UTCTime or GeneralizedTime');
  const [year = 0, month = 1, day = 1, hours = 0, minutes = 0, seconds = 0] = match
    .slice(1)
    .map(Number);
  // RFC 5280: a two-digit year below 50 is 20YY, otherwise 19YY.
  const fullYear = element?.tag === TAG.utcTime ? (year < 50 ? 2000 + year : 1900 + year) : year;
  return new Date(Date.UTC(fullYear, month - 1, day, hours, minutes, seconds));
}

/** The validity period of an X.509 certificate (given as DER). */
export function certificateValidity(certificateDer: Uint8Array): {
  notBefore: Date;
  notAfter: Date;
} {
  const certificate = readElement(certificateDer, 0);
  const tbs = children(certificateDer, certificate)[0];
  if (tbs?.tag !== TAG.sequence) throw new RangeError('DER: not a certificate');
  const fields = children(certificateDer, tbs);
  const validity = fields[(fields[0]?.tag === 0xa0 ? 1 : 0) + 3];
  if (validity?.tag !== TAG.sequence) throw new RangeError('DER: no validity');
  const [notBefore, notAfter] = children(certificateDer, validity);
  return {
    notBefore: readTime(certificateDer, notBefore),
    notAfter: readTime(certificateDer, notAfter),
  };
}
