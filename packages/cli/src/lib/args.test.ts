import {
  parseAddress,
  parseCount,
  parseEnvInputs,
  parseRollbackTarget,
  parseServiceRef,
} from './args';

describe('parseServiceRef', () => {
  it('keeps a full entity ref, lowercasing kind and namespace', () => {
    expect(parseServiceRef('Component:Default/payments')).toBe(
      'component:default/payments',
    );
  });

  it('defaults the kind to component and the namespace to default', () => {
    expect(parseServiceRef('payments')).toBe('component:default/payments');
    expect(parseServiceRef('team-a/payments')).toBe(
      'component:team-a/payments',
    );
  });

  it('refuses what is not an entity ref, as bad input', () => {
    expect(() => parseServiceRef('component:a/b/c')).toThrow(
      expect.objectContaining({
        exitCode: 2,
        message: expect.stringContaining('--service'),
      }),
    );
  });
});

describe('parseAddress', () => {
  it('reads workspace:number and a bare workspace', () => {
    expect(parseAddress('dev:3', '--from')).toEqual({
      workspace: 'dev',
      version: 3,
    });
    expect(parseAddress('prod', '--to')).toEqual({ workspace: 'prod' });
  });

  it.each(['dev:', 'dev:x', ':3', 'dev:0', 'a b'])('refuses %p', text => {
    expect(() => parseAddress(text, '--from')).toThrow(/^--from: /);
  });
});

describe('parseRollbackTarget', () => {
  it('reads a number, vN and previous', () => {
    expect(parseRollbackTarget('5')).toBe(5);
    expect(parseRollbackTarget('v5')).toBe(5);
    expect(parseRollbackTarget('previous')).toBe('previous');
  });

  it('refuses anything else', () => {
    expect(() => parseRollbackTarget('last')).toThrow(
      '--to: "last" is neither a version number nor "previous"',
    );
  });
});

describe('parseCount', () => {
  it('reads positive whole numbers only', () => {
    expect(parseCount('20', '--limit')).toBe(20);
    expect(() => parseCount('0', '--limit')).toThrow(/^--limit: /);
    expect(() => parseCount('1.5', '--limit')).toThrow(/^--limit: /);
  });
});

describe('parseEnvInputs', () => {
  it('reads literals, keeping = in values, and secret references', () => {
    expect(
      parseEnvInputs(
        ['FLAGS_URL=https://flags/?a=b', 'EMPTY='],
        ['API_KEY=payments-api:key'],
      ),
    ).toEqual({
      FLAGS_URL: 'https://flags/?a=b',
      EMPTY: '',
      API_KEY: { secretKeyRef: { name: 'payments-api', key: 'key' } },
    });
  });

  it('refuses a value without a key, a key given twice and a malformed reference', () => {
    expect(() => parseEnvInputs(['=x'], [])).toThrow(
      '--set-env: "=x" is not KEY=value',
    );
    expect(() => parseEnvInputs(['A=1'], ['A=s:k'])).toThrow(
      '--set-env-secret: A is given more than once',
    );
    expect(() => parseEnvInputs([], ['A=secret'])).toThrow(
      '--set-env-secret: "A=secret" is not KEY=secret-name:key',
    );
  });
});
