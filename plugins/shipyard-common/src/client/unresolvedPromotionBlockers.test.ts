import type { PromotionPlan } from '../types';
import { unresolvedPromotionBlockers } from './unresolvedPromotionBlockers';

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

describe('unresolvedPromotionBlockers', () => {
  it('resolves needs-input blockers whose keys are given', () => {
    expect(
      unresolvedPromotionBlockers(
        plan([needsInput('FLAGS_URL'), needsInput('API_URL')]),
        { env: { FLAGS_URL: 'https://flags.acme.com' } },
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
    expect(unresolvedPromotionBlockers(plan([missing]), {})).toEqual([missing]);
    expect(unresolvedPromotionBlockers(plan([missing]))).toEqual([missing]);
  });

  it('refuses a value the plan does not ask for', () => {
    expect(
      unresolvedPromotionBlockers(plan([]), { env: { LOG_LEVEL: 'debug' } }),
    ).toEqual([
      expect.objectContaining({
        code: 'unexpected-input',
        path: 'env.LOG_LEVEL',
      }),
    ]);
  });

  it('resolves other needs-input blockers by a value under their path', () => {
    const replicas = {
      code: 'field-needs-input',
      path: 'replicas',
      message: 'replicas differs: give the value for prod',
    };
    expect(
      unresolvedPromotionBlockers(plan([replicas]), {
        values: { replicas: 3 },
      }),
    ).toEqual([]);
    expect(
      unresolvedPromotionBlockers(plan([replicas]), {
        env: { FLAGS_URL: 'https://flags.acme.com' },
      }),
    ).toEqual([replicas]);
  });

  it('passes a freeze only with a freeze override that gives a reason', () => {
    const freeze = {
      code: 'freeze',
      message: "prod is frozen ('year end') until 2027-01-02T00:00:00.000Z",
    };
    const blockers = plan([freeze, needsInput('FLAGS_URL')]);
    expect(unresolvedPromotionBlockers(blockers)).toEqual([
      freeze,
      needsInput('FLAGS_URL'),
    ]);
    expect(
      unresolvedPromotionBlockers(blockers, {
        freezeOverride: { reason: ' ' },
      }),
    ).toEqual([freeze, needsInput('FLAGS_URL')]);
    expect(
      unresolvedPromotionBlockers(blockers, {
        freezeOverride: { reason: 'INC-42' },
      }),
    ).toEqual([needsInput('FLAGS_URL')]);
  });
});
