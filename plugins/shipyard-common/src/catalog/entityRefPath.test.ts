import { InputError } from '@backstage/errors';
import { entityRefFromPath, entityRefToPath } from './entityRefPath';

describe('entityRefToPath', () => {
  it('turns a ref into kind/namespace/name', () => {
    expect(entityRefToPath('component:default/payments')).toBe(
      'component/default/payments',
    );
  });

  it('lowercases kind and namespace and encodes each part', () => {
    expect(entityRefToPath('Component:Team A/pay ments#1')).toBe(
      'component/team%20a/pay%20ments%231',
    );
  });

  it('defaults the namespace', () => {
    expect(entityRefToPath('component:payments')).toBe(
      'component/default/payments',
    );
  });

  it.each([
    'payments',
    'default/payments',
    '',
    'component:a/b/c',
    ':default/x',
  ])('refuses %p', ref => {
    expect(() => entityRefToPath(ref)).toThrow(InputError);
  });
});

describe('entityRefFromPath', () => {
  it('builds the ref as stringifyEntityRef does', () => {
    expect(entityRefFromPath('Component', 'Default', 'Payments')).toBe(
      'component:default/Payments',
    );
  });

  it('round-trips with entityRefToPath', () => {
    const ref = 'component:default/payments';
    const [kind, namespace, name] = entityRefToPath(ref)
      .split('/')
      .map(decodeURIComponent);
    expect(entityRefFromPath(kind, namespace, name)).toBe(ref);
  });

  it.each([
    ['', 'default', 'x'],
    ['component', '', 'x'],
    ['component', 'default', ''],
    ['component', 'a/b', 'x'],
  ])('refuses %p %p %p', (kind, namespace, name) => {
    expect(() => entityRefFromPath(kind, namespace, name)).toThrow(InputError);
  });
});
