import type { PromotionPlan } from '@shipyard/backstage-plugin-common';
import { unresolvedBlockers } from './promote';

const plan = (blockers: PromotionPlan['blockers']): PromotionPlan => ({
  service: 'component:default/payments',
  source: { workspace: 'staging', version: 3 },
  target: { workspace: 'prod', version: 2 },
  firstPromotion: false,
  spec: { image: 'nginx:1.27' },
  changes: [
    {
      path: 'env.FLAGS_URL',
      action: 'needs-input',
      source: 'x',
      reason: 'new in source',
    },
    {
      path: 'env.API_URL',
      action: 'needs-input',
      source: 'y',
      reason: 'new in source',
    },
  ],
  blockers,
  warnings: [],
  checklist: [],
  planHash: 'f'.repeat(64),
});

const needsInput = (key: string) => ({
  code: 'env-needs-input',
  path: `env.${key}`,
  message: `env.${key} is new in staging: give its value for prod`,
});

describe('unresolvedBlockers', () => {
  it('resolves needs-input blockers whose keys are given', () => {
    expect(
      unresolvedBlockers(
        plan([needsInput('FLAGS_URL'), needsInput('API_URL')]),
        {
          FLAGS_URL: 'https://flags.acme.com',
        },
      ),
    ).toEqual([needsInput('API_URL')]);
  });

  it('keeps blockers that inputs cannot resolve', () => {
    const missing = {
      code: 'missing-reference',
      path: 'env.DB_PASSWORD',
      message:
        "Secret payments-db key 'password' in namespace prod: does not exist",
    };
    expect(unresolvedBlockers(plan([missing]), {})).toEqual([missing]);
  });

  it('refuses a value the plan does not ask for', () => {
    expect(unresolvedBlockers(plan([]), { LOG_LEVEL: 'debug' })).toEqual([
      expect.objectContaining({
        code: 'unexpected-input',
        path: 'env.LOG_LEVEL',
      }),
    ]);
  });
});
