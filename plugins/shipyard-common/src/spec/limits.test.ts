import { InputError } from '@backstage/errors';
import { canonicalJson } from './canonical';
import { INT32_MAX, SPEC_LIMITS, unstorableTextError } from './limits';
import { envValueErrors, parseSpec, validateSpec } from './schema';

const image = 'ghcr.io/acme/payments:1.4.2';

function errorsOf(input: unknown) {
  const result = parseSpec(input);
  if (result.success) {
    throw new Error(`expected the spec to be refused`);
  }
  return result.errors;
}

const manyEnv = (count: number, value = 'x') =>
  Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`VAR_${i}`, value]),
  );

describe('SPEC_LIMITS', () => {
  it('are far above what a service needs, and 2^31-1 is the largest number', () => {
    expect(SPEC_LIMITS).toEqual({
      specBytes: 256 * 1024,
      envEntries: 5000,
      labelEntries: 1000,
      annotationEntries: 1000,
      listItems: 1000,
      stringLength: 32 * 1024,
      imageLength: 512,
      depth: 16,
    });
    expect(INT32_MAX).toBe(2 ** 31 - 1);
  });

  it('accept a spec at every limit', () => {
    const spec = {
      image,
      command: Array.from({ length: SPEC_LIMITS.listItems }, () => 'a'),
      env: {
        ...manyEnv(SPEC_LIMITS.envEntries - 1),
        BIG: 'x'.repeat(SPEC_LIMITS.stringLength),
      },
      labels: Object.fromEntries(
        Array.from({ length: SPEC_LIMITS.labelEntries }, (_, i) => [
          `l${i}`,
          'v',
        ]),
      ),
    };
    expect(new TextEncoder().encode(canonicalJson(spec)).length).toBeLessThan(
      SPEC_LIMITS.specBytes,
    );
    expect(parseSpec(spec)).toEqual({ success: true, spec });
  });

  it.each([
    [
      'env entries',
      { image, env: manyEnv(SPEC_LIMITS.envEntries + 1) },
      'env',
      'must have at most 5000 entries (has 5001)',
    ],
    [
      'labels',
      {
        image,
        labels: Object.fromEntries(
          Array.from({ length: 1001 }, (_, i) => [`l${i}`, 'v']),
        ),
      },
      'labels',
      'must have at most 1000 labels (has 1001)',
    ],
    [
      'annotations',
      {
        image,
        annotations: Object.fromEntries(
          Array.from({ length: 1001 }, (_, i) => [`a${i}`, 'v']),
        ),
      },
      'annotations',
      'must have at most 1000 annotations (has 1001)',
    ],
    [
      'command items',
      { image, command: Array.from({ length: 1001 }, () => 'a') },
      'command',
      'must have at most 1000 items (has 1001)',
    ],
    [
      'args items',
      { image, args: Array.from({ length: 1001 }, () => 'a') },
      'args',
      'must have at most 1000 items (has 1001)',
    ],
    [
      'exec command items',
      {
        image,
        readinessProbe: {
          exec: { command: Array.from({ length: 1001 }, () => 'a') },
        },
      },
      'readinessProbe.exec.command',
      'must have at most 1000 items (has 1001)',
    ],
    [
      'an env value',
      { image, env: { BIG: 'x'.repeat(32769) } },
      'env.BIG',
      'must be at most 32768 characters (has 32769)',
    ],
    [
      'an argument',
      { image, args: ['ok', 'x'.repeat(32769)] },
      'args[1]',
      'must be at most 32768 characters (has 32769)',
    ],
    [
      'an annotation value',
      { image, annotations: { note: 'x'.repeat(32769) } },
      'annotations.note',
      'must be at most 32768 characters (has 32769)',
    ],
    [
      'the image',
      { image: `ghcr.io/${'a'.repeat(600)}:1` },
      'image',
      'must be at most 512 characters (has 610)',
    ],
  ])(
    'refuse too many or too long %s, naming the field',
    (_, input, path, message) => {
      expect(errorsOf(input)).toEqual([{ path, message }]);
    },
  );

  it('refuse a spec over 256 KiB of canonical JSON, naming the spec and its size', () => {
    const spec = { image, env: manyEnv(20, 'x'.repeat(14000)) };
    const bytes = new TextEncoder().encode(canonicalJson(spec)).length;
    expect(errorsOf(spec)).toEqual([
      {
        path: '',
        message: `the spec is ${bytes} bytes as canonical JSON; at most 262144 (256 KiB) are allowed`,
      },
    ]);
    expect(() => validateSpec(spec)).toThrow(
      /^Invalid spec: the spec is \d+ bytes as canonical JSON; at most 262144/,
    );
  });

  it('count bytes, not characters: multi-byte text counts as UTF-8', () => {
    const spec = { image, env: manyEnv(9, '€'.repeat(10000)) };
    expect(JSON.stringify(spec).length).toBeLessThan(SPEC_LIMITS.specBytes);
    expect(errorsOf(spec)[0].message).toMatch(/^the spec is 27\d{4} bytes/);
  });

  it('refuse deep nesting without walking it', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const errors = errorsOf({ image, args: deep });
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toBe('must not nest deeper than 16 levels');
    expect(errors[0].path).toMatch(/^args(\[0\])+$/);
  });

  it('report a limit once and the other problems beside it', () => {
    expect(errorsOf({ image, replicas: -1, env: manyEnv(5001) })).toEqual([
      { path: 'replicas', message: 'must be >= 0' },
      { path: 'env', message: 'must have at most 5000 entries (has 5001)' },
    ]);
  });
});

describe('unstorable text in a spec', () => {
  it.each([
    ['an env value', { image, env: { A: 'a\u0000b' } }, 'env.A'],
    ['an argument', { image, args: ['\u0000'] }, 'args[0]'],
    [
      'an annotation',
      { image, annotations: { note: 'x\u0000' } },
      'annotations.note',
    ],
    ['the image', { image: `${image}\u0000` }, 'image'],
    [
      'a Secret name',
      { image, env: { A: { secretKeyRef: { name: 'db\u0000', key: 'k' } } } },
      'env.A.secretKeyRef.name',
    ],
    [
      'a probe path',
      { image, readinessProbe: { httpGet: { path: '/\u0000', port: 80 } } },
      'readinessProbe.httpGet.path',
    ],
  ])('refuses NUL in %s, naming the field once', (_, input, path) => {
    expect(errorsOf(input)).toEqual([
      { path, message: 'must not contain the NUL character (\\u0000)' },
    ]);
  });

  it('refuses NUL in a key, escaped in the path', () => {
    expect(errorsOf({ image, env: { 'A\u0000B': 'x' } })).toContainEqual({
      path: 'env.A\\u0000B',
      message: 'name must not contain the NUL character (\\u0000)',
    });
    expect(
      errorsOf({ image, env: { 'A\u0000B': 'x' } }).every(
        e => !e.path.includes('\u0000') && !e.message.includes('\u0000'),
      ),
    ).toBe(true);
  });

  it('refuses an unpaired surrogate but accepts any well-formed Unicode', () => {
    expect(errorsOf({ image, env: { A: 'x\uD800y' } })).toEqual([
      {
        path: 'env.A',
        message:
          'must be well-formed Unicode: it contains an unpaired surrogate',
      },
    ]);
    expect(errorsOf({ image, annotations: { note: '\uDC00' } })).toHaveLength(
      1,
    );
    const text = 'ｄｅｖ 💥 Grüße 你好 \u00a0\u200b';
    expect(parseSpec({ image, env: { A: text } })).toEqual({
      success: true,
      spec: { image, env: { A: text } },
    });
  });

  it('validateSpec throws an InputError naming the field', () => {
    expect(() => validateSpec({ image, env: { A: '\u0000' } })).toThrow(
      new InputError(
        'Invalid spec: env.A: must not contain the NUL character (\\u0000)',
      ),
    );
  });
});

describe('unstorableTextError', () => {
  it('says what is wrong with NUL and lone surrogates, and nothing else', () => {
    expect(unstorableTextError('a\u0000')).toMatch(/NUL/);
    expect(unstorableTextError('\uD83D')).toMatch(/surrogate/);
    expect(unstorableTextError('\uDE00x')).toMatch(/surrogate/);
    expect(unstorableTextError('💥')).toBeUndefined();
    expect(unstorableTextError('')).toBeUndefined();
    expect(unstorableTextError('\u0001\t\n')).toBeUndefined();
  });
});

describe('envValueErrors', () => {
  it('names the field of a bad reference under the given path', () => {
    expect(
      envValueErrors(
        { secretKeyRef: { name: '.', key: 'k' } },
        'inputs.env.DB',
      ),
    ).toEqual([
      {
        path: 'inputs.env.DB.secretKeyRef.name',
        message: expect.stringMatching(/DNS-1123 subdomain/),
      },
    ]);
    expect(
      envValueErrors({ configMapKeyRef: { name: 'flags', key: 'a b' } }, 'x'),
    ).toEqual([{ path: 'x.configMapKeyRef.key', message: expect.any(String) }]);
    expect(envValueErrors('a\u0000', 'inputs.env.A')).toEqual([
      {
        path: 'inputs.env.A',
        message: 'must not contain the NUL character (\\u0000)',
      },
    ]);
    expect(envValueErrors(7, 'inputs.env.A')).toEqual([
      {
        path: 'inputs.env.A',
        message: expect.stringMatching(/must be a string/),
      },
    ]);
  });

  it('accepts literals and valid references', () => {
    expect(envValueErrors('anything', 'p')).toEqual([]);
    expect(
      envValueErrors(
        { secretKeyRef: { name: 'db.prod', key: 'pass.word' } },
        'p',
      ),
    ).toEqual([]);
  });
});
