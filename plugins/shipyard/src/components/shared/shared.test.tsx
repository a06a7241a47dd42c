import { formatValue } from './formatValue';
import { originLabel } from './OriginBadge';
import { formatRelative } from './RelativeTime';

describe('originLabel', () => {
  it('says where a version came from', () => {
    expect(originLabel({ type: 'deploy' })).toBe('deploy');
    expect(originLabel({ type: 'edit' })).toBe('edit');
    expect(originLabel({ type: 'scaffolder' })).toBe('scaffolder');
    expect(originLabel({ type: 'rollback', version: 5 })).toBe(
      'rollback of v5',
    );
    expect(
      originLabel({
        type: 'rollback',
        version: 5,
        automatic: 'rollout of v6 failed',
      }),
    ).toBe('automatic rollback to v5');
    expect(
      originLabel({ type: 'promotion', workspace: 'staging', version: 7 }),
    ).toBe('promoted from staging v7');
  });
});

describe('formatRelative', () => {
  it('rounds to the largest unit', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(formatRelative('2026-11-26T11:55:00Z', now)).toBe('5 minutes ago');
    expect(formatRelative('2026-11-24T12:00:00Z', now)).toBe('2 days ago');
    expect(formatRelative('2026-11-26T12:00:00Z', now)).toBe('now');
  });
});

describe('formatValue', () => {
  it('shows references as references and structures as YAML', () => {
    expect(formatValue({ secretKeyRef: { name: 'db', key: 'password' } })).toBe(
      'secret db/password',
    );
    expect(formatValue({ configMapKeyRef: { name: 'flags', key: 'x' } })).toBe(
      'configMap flags/x',
    );
    expect(formatValue(3)).toBe('3');
    expect(formatValue({ httpGet: { path: '/ready', port: 'http' } })).toBe(
      'httpGet:\n  path: /ready\n  port: http',
    );
    expect(formatValue(undefined)).toBe('');
  });
});
