import type { PromotionPlan, Version } from '@shipyard/backstage-plugin-common';
import {
  describeRollout,
  describeVersion,
  formatDiff,
  formatHistory,
  formatPlan,
  originLabel,
} from './format';

const version = (overrides: Partial<Version>): Version => ({
  service: 'component:default/payments',
  workspace: 'dev',
  number: 4,
  spec: { image: 'ghcr.io/acme/payments:1.4.2' },
  specHash: 'abc',
  origin: { type: 'cli' },
  status: 'succeeded',
  createdBy: 'service:shipyard-ci',
  createdAt: '2026-12-01T12:00:03.123Z',
  ...overrides,
});

describe('originLabel', () => {
  it('labels origins as the Versions tab does', () => {
    expect(originLabel({ type: 'cli' })).toBe('cli');
    expect(originLabel({ type: 'rollback', version: 5 })).toBe(
      'rollback of v5',
    );
    expect(
      originLabel({ type: 'promotion', workspace: 'staging', version: 3 }),
    ).toBe('promoted from staging v3');
  });
});

describe('describeRollout', () => {
  it('shows replica progress while a rollout runs', () => {
    expect(
      describeRollout(
        version({
          status: 'progressing',
          rollout: {
            desiredReplicas: 2,
            updatedReplicas: 1,
            readyReplicas: 0,
            availableReplicas: 0,
          },
        }),
      ),
    ).toBe('v4 in dev: progressing, 1/2 updated, 0/2 ready, 0/2 available');
  });

  it("shows the cluster's message for a failed version", () => {
    expect(
      describeRollout(
        version({ status: 'failed', statusMessage: 'timed out progressing' }),
      ),
    ).toBe('v4 in dev: failed: timed out progressing');
  });
});

describe('describeVersion', () => {
  it('names the service, number, workspace, origin and status', () => {
    expect(describeVersion(version({ status: 'applying' }))).toBe(
      'component:default/payments v4 in dev (cli): applying',
    );
  });
});

describe('formatHistory', () => {
  it('aligns columns, marks the current version and says when there is more', () => {
    const text = formatHistory(
      {
        items: [
          version({ number: 5, status: 'failed', message: 'release 1.5' }),
          version({ number: 4, origin: { type: 'rollback', version: 2 } }),
        ],
        totalCount: 5,
        nextCursor: 'x',
      },
      4,
    );
    expect(text.split('\n')).toEqual([
      '  VERSION  STATUS     ORIGIN          BY                   CREATED              MESSAGE',
      '  v5       failed     cli             service:shipyard-ci  2026-12-01 12:00:03  release 1.5',
      '* v4       succeeded  rollback of v2  service:shipyard-ci  2026-12-01 12:00:03',
      '2 of 5 versions; --limit shows more',
    ]);
  });

  it('says when there are no versions', () => {
    expect(formatHistory({ items: [], totalCount: 0 }, undefined)).toBe(
      'No versions yet.',
    );
  });
});

describe('formatPlan', () => {
  const plan: PromotionPlan = {
    service: 'component:default/payments',
    source: { workspace: 'staging', version: 3 },
    target: { workspace: 'prod', version: 2 },
    firstPromotion: false,
    spec: { image: 'ghcr.io/acme/payments:1.5.0' },
    changes: [
      {
        path: 'image',
        action: 'overwrite',
        from: 'ghcr.io/acme/payments:1.4.2',
        to: 'ghcr.io/acme/payments:1.5.0',
        reason: 'from source',
      },
      {
        path: 'replicas',
        action: 'retain',
        from: 3,
        to: 3,
        reason: 'kept in target',
      },
      {
        path: 'env.FLAGS_URL',
        action: 'needs-input',
        source: 'https://flags.staging',
        reason: 'new in source: give its value for prod',
      },
      { path: 'ports', action: 'unchanged', from: [], to: [], reason: 'same' },
    ],
    blockers: [
      {
        code: 'env-needs-input',
        path: 'env.FLAGS_URL',
        message: 'env.FLAGS_URL is new in staging: give its value for prod',
      },
    ],
    warnings: [
      { code: 'protected-target', message: 'prod is a protected workspace' },
    ],
    checklist: ['Check the scaling of prod'],
    planHash: 'f'.repeat(64),
  };

  it('shows each change with its action, the blockers, warnings and checklist', () => {
    expect(formatPlan(plan).split('\n')).toEqual([
      'Promotion plan for component:default/payments: staging v3 -> prod v2',
      '',
      'Changes:',
      '  will change (from source)  image          ghcr.io/acme/payments:1.4.2 -> ghcr.io/acme/payments:1.5.0  from source',
      '  kept in target             replicas       3                                                           kept in target',
      '  needs your input           env.FLAGS_URL  source has https://flags.staging                            new in source: give its value for prod',
      '  (1 unchanged field not shown)',
      '',
      'Blockers:',
      '  env.FLAGS_URL is new in staging: give its value for prod',
      '',
      'Warnings:',
      '  prod is a protected workspace',
      '',
      'Checklist:',
      '  - Check the scaling of prod',
    ]);
  });

  it('shows given values as answered, hiding literals, and only the open blockers', () => {
    const text = formatPlan(
      {
        ...plan,
        changes: [
          ...plan.changes,
          {
            path: 'env.API_KEY',
            action: 'needs-input',
            source: { secretKeyRef: { name: 'api', key: 'key' } },
            reason: 'new in source: give its value for prod',
          },
        ],
      },
      {
        env: {
          FLAGS_URL: 'https://flags.acme.com',
          API_KEY: { secretKeyRef: { name: 'payments-api', key: 'key' } },
        },
        blockers: [],
      },
    );
    expect(text).toContain('env.FLAGS_URL  -> (given with --set-env)');
    expect(text).toContain(
      'env.API_KEY    -> {"secretKeyRef":{"name":"payments-api","key":"key"}}',
    );
    expect(text).not.toContain('flags.acme.com');
    expect(text).not.toContain('Blockers:');
  });
});

describe('formatDiff', () => {
  it('marks added, removed and changed fields', () => {
    expect(
      formatDiff({
        from: { workspace: 'dev', version: 3 },
        to: { workspace: 'prod', version: 2 },
        changes: [
          { path: 'image', kind: 'changed', before: 'a:1', after: 'a:2' },
          { path: 'env.NEW', kind: 'added', after: 'x' },
          {
            path: 'env.DB',
            kind: 'removed',
            before: { secretKeyRef: { name: 'db', key: 'url' } },
          },
        ],
      }).split('\n'),
    ).toEqual([
      'dev:3 -> prod:2: 3 changes',
      '~ image: a:1 -> a:2',
      '+ env.NEW: x',
      '- env.DB: {"secretKeyRef":{"name":"db","key":"url"}}',
    ]);
  });

  it('says when two versions have identical specs', () => {
    expect(
      formatDiff({
        from: { workspace: 'dev', version: 3 },
        to: { workspace: 'dev', version: 1 },
        changes: [],
      }),
    ).toBe('dev:3 -> dev:1: identical specs');
  });
});
