import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson, hashSpec, sha256Hex } from './canonical';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(
      canonicalJson({
        b: 1,
        a: { d: [3, { f: 1, e: 2 }], c: undefined },
        u: undefined,
      }),
    ).toBe('{"a":{"d":[3,{"e":2,"f":1}]},"b":1}');
  });

  it('writes undefined in arrays and non-finite numbers as null, like JSON', () => {
    expect(canonicalJson([undefined, NaN, Infinity, null])).toBe(
      '[null,null,null,null]',
    );
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'k"\n': 'v\u2028"\\' })).toBe(
      JSON.stringify({ 'k"\n': 'v\u2028"\\' }),
    );
  });

  it('is JSON that parses back to the value, independent of key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), value => {
        const text = canonicalJson(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(JSON.parse(text))).toBe(text);
      }),
    );
  });
});

describe('sha256Hex', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
    [
      'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
      'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
    ],
    [
      'a'.repeat(1_000_000),
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    ],
    [
      'The quick brown fox jumps over the lazy dog',
      'd7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592',
    ],
  ])('hashes the known vector %#', (text, hex) => {
    expect(sha256Hex(text)).toBe(hex);
  });

  it('hashes the UTF-8 bytes of non-ASCII text', () => {
    expect(sha256Hex('é')).toBe(
      createHash('sha256').update('é', 'utf8').digest('hex'),
    );
  });

  it('agrees with a reference implementation at every length around the block boundaries', () => {
    for (let length = 0; length <= 200; length++) {
      const text = 'x'.repeat(length);
      expect(sha256Hex(text)).toBe(
        createHash('sha256').update(text, 'utf8').digest('hex'),
      );
    }
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), text => {
        expect(sha256Hex(text)).toBe(
          createHash('sha256').update(text, 'utf8').digest('hex'),
        );
      }),
    );
  });
});

describe('hashSpec', () => {
  it('is the same for equal specs whatever their key order', () => {
    expect(
      hashSpec({ image: 'nginx:1', env: { A: '1', B: '2' }, replicas: 1 }),
    ).toBe(
      hashSpec({ replicas: 1, env: { B: '2', A: '1' }, image: 'nginx:1' }),
    );
  });

  it('differs when the spec differs', () => {
    expect(hashSpec({ image: 'nginx:1' })).not.toBe(
      hashSpec({ image: 'nginx:2' }),
    );
  });

  it('is sha256 of the canonical JSON', () => {
    const spec = { image: 'nginx:1', replicas: 2 };
    expect(hashSpec(spec)).toBe(sha256Hex('{"image":"nginx:1","replicas":2}'));
  });
});
