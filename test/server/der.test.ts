import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  bitString,
  boolean,
  certificateValidity,
  children,
  explicit,
  generalizedTime,
  ia5String,
  implicit,
  integer,
  namedBits,
  nullValue,
  octetString,
  oid,
  readElement,
  sequence,
  set,
  tlv,
  utcTime,
  utf8String,
  x509Time,
} from '../../src/server/der.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('DER encoder', () => {
  it('encodes lengths in short form below 128 and long form from 128', () => {
    assert.equal(hex(tlv(0x04, Buffer.alloc(0))), '0400');
    assert.equal(hex(tlv(0x04, Buffer.alloc(127))).slice(0, 4), '047f');
    assert.equal(hex(tlv(0x04, Buffer.alloc(128))).slice(0, 6), '048180');
    assert.equal(hex(tlv(0x04, Buffer.alloc(256))).slice(0, 8), '04820100');
    assert.equal(hex(tlv(0x04, Buffer.alloc(70_000))).slice(0, 10), '0483011170');
    assert.throws(() => tlv(0x1f, Buffer.alloc(0)), RangeError);
  });

  it('encodes INTEGER in the fewest two’s-complement octets', () => {
    assert.equal(hex(integer(0)), '020100');
    assert.equal(hex(integer(2)), '020102');
    assert.equal(hex(integer(127)), '02017f');
    assert.equal(hex(integer(128)), '02020080');
    assert.equal(hex(integer(256)), '02020100');
    assert.equal(hex(integer(-1)), '0201ff');
    assert.equal(hex(integer(-128)), '020180');
    assert.equal(hex(integer(-129)), '0202ff7f');
    assert.equal(hex(integer(2n ** 64n)), '0209010000000000000000');
  });

  it('encodes unsigned bytes as a positive INTEGER, padding a set top bit', () => {
    assert.equal(hex(integer(Buffer.from([0x80, 0x01]))), '0203008001');
    assert.equal(hex(integer(Buffer.from([0x00, 0x00, 0x7f]))), '02017f');
    assert.equal(hex(integer(Buffer.from([0, 0]))), '020100');
    assert.equal(hex(integer(Buffer.alloc(0))), '020100');
  });

  it('encodes BOOLEAN, NULL, OCTET STRING and BIT STRING', () => {
    assert.equal(hex(boolean(true)), '0101ff');
    assert.equal(hex(boolean(false)), '010100');
    assert.equal(hex(nullValue()), '0500');
    assert.equal(hex(octetString(Buffer.from([1, 2]))), '04020102');
    assert.equal(hex(bitString(Buffer.from([0xab]))), '030200ab');
    assert.equal(hex(bitString(Buffer.from([0xa0]), 5)), '030205a0');
    assert.throws(() => bitString(Buffer.from([0]), 8), RangeError);
  });

  it('drops trailing zero bits of a named-bit BIT STRING (KeyUsage)', () => {
    assert.equal(hex(namedBits([0])), '03020780', 'digitalSignature');
    assert.equal(hex(namedBits([0, 2])), '030205a0', 'digitalSignature, keyEncipherment');
    assert.equal(hex(namedBits([5, 6])), '03020106', 'keyCertSign, cRLSign');
    assert.equal(hex(namedBits([8])), '0303070080', 'decipherOnly');
    assert.equal(hex(namedBits([])), '030100');
  });

  it('encodes OBJECT IDENTIFIERs, arcs above 127 in base 128', () => {
    assert.equal(hex(oid('1.2.840.10045.4.3.2')), '06082a8648ce3d040302');
    assert.equal(hex(oid('2.5.29.17')), '0603551d11');
    assert.equal(hex(oid('1.3.6.1.5.5.7.3.1')), '06082b06010505070301');
    assert.equal(hex(oid('1.2.840.10045.3.1.7')), '06082a8648ce3d030107');
    assert.equal(hex(oid('2.999.3')), '0603883703', 'a first subidentifier above 127');
    assert.throws(() => oid('1.40'), RangeError);
    assert.throws(() => oid('3.1'), RangeError);
    assert.throws(() => oid('1'), RangeError);
  });

  it('encodes strings', () => {
    assert.equal(hex(utf8String('localhost')), `0c09${Buffer.from('localhost').toString('hex')}`);
    assert.equal(hex(utf8String('é')), '0c02c3a9');
    assert.equal(hex(ia5String('a')), '160161');
    assert.throws(() => ia5String('é'), RangeError);
  });

  it('encodes times as RFC 5280 asks: UTCTime through 2049, GeneralizedTime from 2050', () => {
    const date = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    assert.equal(Buffer.from(utcTime(date)).subarray(2).toString(), '260102030405Z');
    assert.equal(hex(utcTime(date)).slice(0, 4), '170d');
    assert.equal(Buffer.from(generalizedTime(date)).subarray(2).toString(), '20260102030405Z');
    assert.equal(hex(generalizedTime(date)).slice(0, 4), '180f');
    assert.equal(x509Time(date)[0], 0x17);
    assert.equal(x509Time(new Date(Date.UTC(2049, 11, 31, 23, 59, 59)))[0], 0x17);
    assert.equal(x509Time(new Date(Date.UTC(2050, 0, 1)))[0], 0x18);
    assert.equal(x509Time(new Date(Date.UTC(1949, 11, 31)))[0], 0x18);
    assert.throws(() => utcTime(new Date(Date.UTC(2050, 0, 1))), RangeError);
  });

  it('builds SEQUENCE in order, SET OF sorted, and context tags', () => {
    assert.equal(hex(sequence()), '3000');
    assert.equal(hex(sequence(integer(2), integer(1))), '3006020102020101');
    assert.equal(hex(set(integer(2), integer(1))), '3106020101020102');
    assert.equal(hex(explicit(0, integer(2))), 'a003020102');
    assert.equal(hex(explicit(3, sequence())), 'a3023000');
    assert.equal(hex(implicit(2, Buffer.from('a'))), '820161');
    assert.equal(hex(implicit(7, Buffer.from([127, 0, 0, 1]))), '87047f000001');
    assert.throws(() => explicit(31, sequence()), RangeError);
  });

  it('reads back what it wrote', () => {
    const encoded = sequence(integer(5), octetString(Buffer.alloc(300)), sequence(nullValue()));
    const outer = readElement(encoded, 0);
    assert.equal(outer.tag, 0x30);
    assert.equal(outer.end, encoded.length);
    const inner = children(encoded, outer);
    assert.deepEqual(
      inner.map((element) => element.tag),
      [0x02, 0x04, 0x30],
    );
    assert.equal((inner[1]?.end ?? 0) - (inner[1]?.contentStart ?? 0), 300);
    assert.throws(() => readElement(Buffer.from([0x30, 0x05, 0x02]), 0), RangeError);
    assert.throws(() => readElement(Buffer.from([0x30, 0x80]), 0), RangeError, 'indefinite');
  });

  it('reads a certificate’s validity, both time types', () => {
    const notBefore = new Date(Date.UTC(2049, 5, 1, 12, 0, 0));
    const notAfter = new Date(Date.UTC(2050, 5, 1, 12, 0, 0));
    const tbs = sequence(
      explicit(0, integer(2)),
      integer(1),
      sequence(oid('1.2.840.10045.4.3.2')),
      sequence(),
      sequence(x509Time(notBefore), x509Time(notAfter)),
      sequence(),
      sequence(),
    );
    const certificate = sequence(
      tbs,
      sequence(oid('1.2.840.10045.4.3.2')),
      bitString(Buffer.alloc(1)),
    );
    assert.deepEqual(certificateValidity(certificate), { notBefore, notAfter });
  });
});
