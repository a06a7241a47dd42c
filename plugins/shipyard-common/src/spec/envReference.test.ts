import { envReference } from './envReference';

describe('envReference', () => {
  it('names the Secret or ConfigMap key a value reads, and nothing for a literal', () => {
    expect(envReference('info')).toBeUndefined();
    expect(
      envReference({ secretKeyRef: { name: 'db', key: 'password' } }),
    ).toEqual({
      kind: 'Secret',
      name: 'db',
      key: 'password',
      optional: false,
    });
    expect(
      envReference({
        configMapKeyRef: { name: 'flags', key: 'payments', optional: true },
      }),
    ).toEqual({
      kind: 'ConfigMap',
      name: 'flags',
      key: 'payments',
      optional: true,
    });
  });
});
