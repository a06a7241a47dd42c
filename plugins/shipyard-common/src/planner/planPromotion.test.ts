import fc from 'fast-check';
import {
  envArbitrary,
  serviceSpecArbitrary,
  workspaceFor,
} from '../__testUtils__/arbitraries';
import { validateSpec } from '../spec/schema';
import type {
  EnvValue,
  PlanChange,
  PromotableField,
  ServiceSpec,
} from '../types';
import { InputError } from '@backstage/errors';
import {
  applyPromotionInputs,
  classifyPromotion,
  completePromotionPlan,
  planPromotion,
  promotionDecisionHash,
  promotionIssues,
  validatePromotionInputs,
  type PlanPromotionInput,
} from './planPromotion';
import {
  defaultPromotionRules,
  PROMOTABLE_FIELDS,
  resolvePromotionRules,
} from './rules';

const dev = workspaceFor(0);
const staging = workspaceFor(1);
const prod = workspaceFor(2);

const stagingSpec: ServiceSpec = {
  image: 'ghcr.io/acme/payments:1.5.0',
  command: ['node'],
  args: ['server.js', '--new-flag'],
  ports: [{ name: 'http', port: 8080 }],
  env: {
    LOG_LEVEL: 'debug',
    DB_PASSWORD: { secretKeyRef: { name: 'payments-db', key: 'password' } },
    NEW_FLAG: 'on',
    NEW_SECRET: { secretKeyRef: { name: 'payments-stripe', key: 'token' } },
    SAME: 'same',
  },
  resources: { requests: { cpu: '100m', memory: '128Mi' } },
  autoscaling: {
    minReplicas: 1,
    maxReplicas: 2,
    targetCPUUtilizationPercentage: 80,
  },
  readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
  labels: { team: 'payments', tier: 'backend' },
  annotations: { 'example.com/owner': 'alice' },
};

const prodSpec: ServiceSpec = {
  image: 'ghcr.io/acme/payments:1.4.2',
  command: ['node'],
  args: ['server.js'],
  ports: [{ name: 'http', port: 8080 }],
  env: {
    LOG_LEVEL: 'info',
    DB_PASSWORD: {
      secretKeyRef: { name: 'payments-db-prod', key: 'password' },
    },
    OLD_KEY: 'legacy',
    SAME: 'same',
  },
  resources: {
    requests: { cpu: '1', memory: '1Gi' },
    limits: { memory: '2Gi' },
  },
  replicas: 6,
  readinessProbe: { httpGet: { path: '/health', port: 'http' } },
  labels: { team: 'payments-oncall', region: 'eu' },
};

function input(
  overrides: Partial<PlanPromotionInput> = {},
): PlanPromotionInput {
  return {
    service: 'component:default/payments',
    source: { workspace: staging, version: 7, spec: stagingSpec },
    target: { workspace: prod, version: 3, spec: prodSpec },
    rules: defaultPromotionRules,
    ...overrides,
  };
}

function changeAt(changes: PlanChange[], path: string) {
  const found = changes.find(change => change.path === path);
  if (!found) {
    throw new Error(`no change at ${path}`);
  }
  return found;
}

describe('planPromotion', () => {
  it('classifies every field by the default rules of DESIGN §1', () => {
    const plan = planPromotion(input());
    expect(plan.changes.map(c => [c.path, c.action])).toEqual([
      ['image', 'overwrite'],
      ['command', 'unchanged'],
      ['args', 'overwrite'],
      ['ports', 'unchanged'],
      ['env.DB_PASSWORD', 'retain'],
      ['env.LOG_LEVEL', 'retain'],
      ['env.NEW_FLAG', 'needs-input'],
      ['env.NEW_SECRET', 'needs-input'],
      ['env.OLD_KEY', 'remove'],
      ['env.SAME', 'unchanged'],
      ['resources', 'retain'],
      ['replicas', 'retain'],
      ['autoscaling', 'retain'],
      ['readinessProbe', 'overwrite'],
      ['labels.region', 'retain'],
      ['labels.team', 'overwrite'],
      ['labels.tier', 'overwrite'],
      ['annotations.example.com/owner', 'overwrite'],
    ]);
    expect(changeAt(plan.changes, 'image')).toMatchObject({
      from: prodSpec.image,
      to: stagingSpec.image,
      reason: expect.stringContaining('from source'),
    });
    expect(changeAt(plan.changes, 'env.LOG_LEVEL')).toEqual({
      path: 'env.LOG_LEVEL',
      action: 'retain',
      from: 'info',
      to: 'info',
      source: 'debug',
      reason: expect.stringContaining('kept in target'),
    });
    expect(changeAt(plan.changes, 'env.OLD_KEY')).toMatchObject({
      action: 'remove',
      from: 'legacy',
    });
    expect(changeAt(plan.changes, 'env.OLD_KEY').to).toBeUndefined();
    expect(plan).toMatchObject({
      service: 'component:default/payments',
      source: { workspace: 'staging', version: 7 },
      target: { workspace: 'prod', version: 3 },
      firstPromotion: false,
    });
  });

  it('names the real target in its reasons, and says when a field set only in the source is not taken', () => {
    const intoStaging = planPromotion(
      input({
        source: { workspace: dev, version: 4, spec: stagingSpec },
        target: {
          workspace: staging,
          version: 2,
          spec: { ...prodSpec, resources: undefined },
        },
      }),
    );
    expect(changeAt(intoStaging.changes, 'replicas').reason).toBe(
      'kept in target: staging sizes itself',
    );
    expect(changeAt(intoStaging.changes, 'resources')).toEqual({
      path: 'resources',
      action: 'retain',
      source: stagingSpec.resources,
      reason: `set only in ${dev.name}, not taken: staging sizes itself`,
    });
    expect(JSON.stringify(intoStaging.changes)).not.toContain('production');
    expect(changeAt(planPromotion(input()).changes, 'autoscaling').reason).toBe(
      'set only in staging, not taken: prod sizes itself',
    );
  });

  it('takes a field the rules keep in the target from the source when asked to', () => {
    const plan = planPromotion(
      input({
        source: { workspace: dev, version: 4, spec: stagingSpec },
        target: {
          workspace: staging,
          version: 2,
          spec: { ...prodSpec, resources: undefined },
        },
        take: ['resources'],
      }),
    );
    expect(changeAt(plan.changes, 'resources')).toEqual({
      path: 'resources',
      action: 'overwrite',
      to: stagingSpec.resources,
      reason:
        'will change, from source: taken on request, although staging sizes itself',
    });
    expect(plan.spec.resources).toEqual(stagingSpec.resources);
    const without = planPromotion(
      input({
        source: { workspace: dev, version: 4, spec: stagingSpec },
        target: {
          workspace: staging,
          version: 2,
          spec: { ...prodSpec, resources: undefined },
        },
      }),
    );
    expect(without.planHash).not.toBe(plan.planHash);
    // A field the rules already take from the source is not affected.
    expect(
      changeAt(planPromotion(input({ take: ['image'] })).changes, 'image')
        .reason,
    ).toBe('will change, from source: the artifact being promoted');
  });

  it('computes the result spec from the source and the target', () => {
    const plan = planPromotion(input());
    expect(plan.spec).toEqual({
      image: stagingSpec.image,
      command: ['node'],
      args: ['server.js', '--new-flag'],
      ports: stagingSpec.ports,
      env: {
        DB_PASSWORD: {
          secretKeyRef: { name: 'payments-db-prod', key: 'password' },
        },
        LOG_LEVEL: 'info',
        SAME: 'same',
      },
      resources: prodSpec.resources,
      replicas: 6,
      readinessProbe: stagingSpec.readinessProbe,
      labels: { region: 'eu', team: 'payments', tier: 'backend' },
      annotations: { 'example.com/owner': 'alice' },
    });
  });

  it('blocks on env keys new in the source, offering the source value and never resolving a secret', () => {
    const plan = planPromotion(input());
    expect(changeAt(plan.changes, 'env.NEW_FLAG')).toEqual({
      path: 'env.NEW_FLAG',
      action: 'needs-input',
      source: 'on',
      reason: expect.stringContaining('prod'),
    });
    expect(changeAt(plan.changes, 'env.NEW_SECRET').source).toEqual({
      secretKeyRef: { name: 'payments-stripe', key: 'token' },
    });
    expect(plan.blockers).toEqual([
      {
        code: 'env-needs-input',
        path: 'env.NEW_FLAG',
        message: expect.any(String),
      },
      {
        code: 'env-needs-input',
        path: 'env.NEW_SECRET',
        message: expect.any(String),
      },
    ]);
    expect(plan.spec.env).not.toHaveProperty('NEW_FLAG');
    expect(plan.warnings).toContainEqual({
      code: 'env-removed',
      path: 'env.OLD_KEY',
      message: expect.any(String),
    });
  });

  it('resolves needs-input keys with inputs, keeping the plan hash', () => {
    const without = planPromotion(input());
    const secret: EnvValue = {
      secretKeyRef: { name: 'payments-stripe-prod', key: 'token' },
    };
    const withInputs = planPromotion(
      input({ inputs: { env: { NEW_FLAG: 'off', NEW_SECRET: secret } } }),
    );
    expect(withInputs.blockers).toEqual([]);
    expect(withInputs.spec.env).toMatchObject({
      NEW_FLAG: 'off',
      NEW_SECRET: secret,
    });
    expect(changeAt(withInputs.changes, 'env.NEW_FLAG')).toMatchObject({
      action: 'needs-input',
      to: 'off',
      source: 'on',
    });
    expect(withInputs.checklist).toContainEqual(
      expect.stringContaining('payments-stripe-prod'),
    );
    expect(withInputs.planHash).toBe(without.planHash);
    expect(() => validateSpec(withInputs.spec)).not.toThrow();
  });

  it('keeps the remaining needs-input blockers when only some inputs are given', () => {
    const plan = planPromotion(input({ inputs: { env: { NEW_FLAG: 'off' } } }));
    expect(plan.blockers.map(b => b.path)).toEqual(['env.NEW_SECRET']);
    expect(plan.planHash).toBe(planPromotion(input()).planHash);
  });

  it('blocks inputs for keys that need none', () => {
    const plan = planPromotion(
      input({
        inputs: { env: { NEW_FLAG: 'x', NEW_SECRET: 'y', LOG_LEVEL: 'warn' } },
      }),
    );
    expect(plan.blockers).toEqual([
      {
        code: 'unexpected-input',
        path: 'env.LOG_LEVEL',
        message: expect.any(String),
      },
    ]);
    expect(plan.spec.env!.LOG_LEVEL).toBe('info');
  });

  it('blocks an input that would make the spec invalid, naming the key', () => {
    const plan = planPromotion(
      input({
        inputs: {
          env: {
            NEW_FLAG: 'x',
            NEW_SECRET: { secretKeyRef: { name: 'Bad Name', key: 'k' } },
          },
        },
      }),
    );
    expect(plan.blockers).toEqual([
      {
        code: 'invalid-result',
        path: 'env.NEW_SECRET.secretKeyRef.name',
        message: expect.stringContaining('env.NEW_SECRET.secretKeyRef.name'),
      },
    ]);
  });

  it('warns about secret-looking env vars with literal values in the planned spec, in the hash', () => {
    const withLiteral = (spec: ServiceSpec, value: string) => ({
      ...spec,
      env: { ...spec.env, STRIPE_API_KEY: value },
    });
    const plan = planPromotion(
      input({
        source: {
          workspace: staging,
          version: 7,
          spec: withLiteral(stagingSpec, 'sk_test_1'),
        },
        target: {
          workspace: prod,
          version: 3,
          spec: withLiteral(prodSpec, 'sk_live_1'),
        },
      }),
    );
    expect(changeAt(plan.changes, 'env.STRIPE_API_KEY').action).toBe('retain');
    expect(plan.warnings).toContainEqual({
      code: 'secret-literal',
      path: 'env.STRIPE_API_KEY',
      message: expect.stringContaining('secretKeyRef'),
    });
    expect(JSON.stringify(plan.warnings)).not.toMatch(/sk_(live|test)_1/);
    expect(plan.planHash).not.toBe(planPromotion(input()).planHash);
  });

  it('warns about a literal input for a secret-looking key, keeping the plan hash', () => {
    const source = {
      ...stagingSpec,
      env: {
        ...stagingSpec.env,
        NEW_TOKEN: { secretKeyRef: { name: 's', key: 'k' } },
      },
    };
    const base = input({
      source: { workspace: staging, version: 7, spec: source },
    });
    const planned = planPromotion(base);
    const given = planPromotion({
      ...base,
      inputs: {
        env: {
          NEW_FLAG: 'x',
          NEW_SECRET: { secretKeyRef: { name: 'stripe', key: 'token' } },
          NEW_TOKEN: 'tok_literal',
        },
      },
    });
    expect(given.planHash).toBe(planned.planHash);
    expect(given.blockers).toEqual([]);
    expect(given.warnings.filter(w => w.code === 'secret-literal')).toEqual([
      {
        code: 'secret-literal',
        path: 'env.NEW_TOKEN',
        message: expect.stringContaining('secretKeyRef'),
      },
    ]);
  });

  it("validates the planned spec with the target workspace's label policy", () => {
    const source = { ...stagingSpec, labels: { 'k8s.io/gpu': 'a100' } };
    const plan = (labelPolicy?: { allow: string[] }) =>
      planPromotion(
        input({
          source: { workspace: staging, version: 7, spec: source },
          target: {
            workspace: { ...prod, labelPolicy },
            version: 3,
            spec: prodSpec,
          },
        }),
      );
    expect(plan().blockers).toContainEqual({
      code: 'invalid-result',
      path: 'labels.k8s.io/gpu',
      message: expect.stringContaining('reserved prefix k8s.io/'),
    });
    expect(
      plan({ allow: ['k8s.io/'] }).blockers.map(b => b.code),
    ).not.toContain('invalid-result');
  });

  it('copies new env keys when the rules say so, and keeps removed ones', () => {
    const plan = planPromotion(
      input({
        rules: resolvePromotionRules({
          env: {
            newKeys: 'copy-source',
            removedKeys: 'retain',
            existingValues: 'source',
          },
        }),
      }),
    );
    expect(plan.blockers).toEqual([]);
    expect(plan.spec.env).toEqual({
      DB_PASSWORD: { secretKeyRef: { name: 'payments-db', key: 'password' } },
      LOG_LEVEL: 'debug',
      NEW_FLAG: 'on',
      NEW_SECRET: { secretKeyRef: { name: 'payments-stripe', key: 'token' } },
      OLD_KEY: 'legacy',
      SAME: 'same',
    });
    expect(changeAt(plan.changes, 'env.OLD_KEY').action).toBe('retain');
    expect(changeAt(plan.changes, 'env.NEW_FLAG').action).toBe('overwrite');
    expect(changeAt(plan.changes, 'env.LOG_LEVEL').action).toBe('overwrite');
    expect(plan.checklist).toContainEqual(
      expect.stringMatching(
        /env.NEW_SECRET reads Secret payments-stripe .*payments-prod/,
      ),
    );
  });

  it.each([
    ['merge-source-wins', { region: 'eu', team: 'payments', tier: 'backend' }],
    [
      'merge-target-wins',
      { region: 'eu', team: 'payments-oncall', tier: 'backend' },
    ],
    ['source', { team: 'payments', tier: 'backend' }],
    ['target', { region: 'eu', team: 'payments-oncall' }],
  ] as const)('merges labels by the %s strategy', (strategy, labels) => {
    const plan = planPromotion(
      input({ rules: resolvePromotionRules({ labels: strategy }) }),
    );
    expect(plan.spec.labels).toEqual(labels);
    const actions = Object.fromEntries(
      plan.changes
        .filter(c => c.path.startsWith('labels.'))
        .map(c => [c.path, c.action]),
    );
    expect(Object.keys(actions).sort()).toEqual([
      'labels.region',
      'labels.team',
      'labels.tier',
    ]);
  });

  it('keeps the target scaling mode: source autoscaling and target replicas give replicas only', () => {
    const plan = planPromotion(input());
    expect(plan.spec.replicas).toBe(6);
    expect(plan.spec.autoscaling).toBeUndefined();
    expect(changeAt(plan.changes, 'autoscaling')).toMatchObject({
      action: 'retain',
      source: stagingSpec.autoscaling,
    });
    expect(plan.blockers.filter(b => b.code === 'invalid-result')).toEqual([]);
  });

  it('blocks a result the rules make invalid, e.g. both replicas and autoscaling', () => {
    const plan = planPromotion(
      input({
        rules: resolvePromotionRules({ fields: { autoscaling: 'source' } }),
      }),
    );
    expect(plan.blockers).toContainEqual({
      code: 'invalid-result',
      path: 'replicas',
      message: expect.stringContaining(
        'replicas: must not be set together with autoscaling',
      ),
    });
  });

  it('overwrites a field with nothing when the source no longer sets it', () => {
    const plan = planPromotion(
      input({
        source: {
          workspace: staging,
          version: 7,
          spec: { ...stagingSpec, command: undefined },
        },
      }),
    );
    expect(changeAt(plan.changes, 'command')).toMatchObject({
      action: 'remove',
      from: ['node'],
    });
    expect(plan.spec).not.toHaveProperty('command');
  });

  it('blocks a promotion into the same workspace', () => {
    const plan = planPromotion(
      input({ target: { workspace: staging, version: 7, spec: stagingSpec } }),
    );
    expect(plan.blockers).toContainEqual({
      code: 'same-workspace',
      message: expect.any(String),
    });
    expect(plan.warnings.map(w => w.code)).not.toContain('not-a-promotion');
  });

  it('warns about a promotion to a lower or equal tier and into a protected workspace', () => {
    const down = planPromotion(
      input({
        source: { workspace: prod, version: 3, spec: prodSpec },
        target: { workspace: staging, version: 7, spec: stagingSpec },
      }),
    );
    expect(down.warnings.map(w => w.code)).toContain('not-a-promotion');
    expect(down.warnings.map(w => w.code)).not.toContain('protected-target');
    const sideways = planPromotion(
      input({
        target: {
          workspace: { ...staging, name: 'staging-2' },
          spec: prodSpec,
        },
      }),
    );
    expect(sideways.warnings.map(w => w.code)).toContain('not-a-promotion');
    expect(planPromotion(input()).warnings.map(w => w.code)).toContain(
      'protected-target',
    );
  });

  it('adds input blockers without changing the plan hash', () => {
    const missing = {
      code: 'secret-missing',
      path: 'env.NEW_SECRET',
      message: 'no such Secret',
    };
    const plan = planPromotion(input({ inputBlockers: [missing] }));
    expect(plan.blockers).toContainEqual(missing);
    expect(plan.planHash).toBe(planPromotion(input()).planHash);
  });

  it('passes extra warnings and blockers through', () => {
    const drift = { code: 'target-drift', message: 'prod drifted' };
    const busy = { code: 'lease-held', message: 'busy' };
    const plan = planPromotion(
      input({ extraWarnings: [drift], extraBlockers: [busy] }),
    );
    expect(plan.warnings).toContainEqual(drift);
    expect(plan.blockers).toContainEqual(busy);
  });

  describe('first promotion into an empty workspace', () => {
    const devSpec: ServiceSpec = {
      image: 'ghcr.io/acme/payments:1.5.0',
      ports: [{ name: 'http', port: 8080 }],
      env: {
        DATABASE_URL: 'postgres://payments@db.dev.internal/payments',
        CACHE: 'redis://cache:6379',
        UPSTREAM: 'http://orders.payments-dev.svc.cluster.local',
        CALLBACK: 'https://dev.acme.example/callback',
        LOCAL: 'http://localhost:3000',
        JDBC: 'jdbc:mysql://x/y',
        DB_PASSWORD: { secretKeyRef: { name: 'payments-db', key: 'password' } },
        LOG_LEVEL: 'info',
        DEVICE_MODE: 'developer',
      },
      replicas: 1,
      resources: { requests: { cpu: '100m' } },
      labels: { team: 'payments' },
    };
    const plan = planPromotion({
      service: 'component:default/payments',
      source: { workspace: dev, version: 12, spec: devSpec },
      target: { workspace: prod },
      rules: defaultPromotionRules,
    });

    it('copies the source spec, with no needs-input blockers', () => {
      expect(plan.firstPromotion).toBe(true);
      expect(plan.spec).toEqual(devSpec);
      expect(plan.blockers).toEqual([]);
      expect(plan.target).toEqual({ workspace: 'prod' });
      expect(plan.changes.every(c => c.action === 'overwrite')).toBe(true);
      expect(plan.changes.map(c => c.path)).toEqual([
        'image',
        'ports',
        'env.CACHE',
        'env.CALLBACK',
        'env.DATABASE_URL',
        'env.DB_PASSWORD',
        'env.DEVICE_MODE',
        'env.JDBC',
        'env.LOCAL',
        'env.LOG_LEVEL',
        'env.UPSTREAM',
        'resources',
        'replicas',
        'labels.team',
      ]);
    });

    it('flags env vars that point at other environments or databases', () => {
      expect(
        plan.warnings
          .filter(w => w.code === 'env-points-elsewhere')
          .map(w => w.path),
      ).toEqual([
        'env.CACHE',
        'env.CALLBACK',
        'env.DATABASE_URL',
        'env.JDBC',
        'env.LOCAL',
        'env.UPSTREAM',
      ]);
      expect(plan.warnings.map(w => w.code)).toContain('first-promotion');
    });

    it('lists every copied env var, secrets and scaling on the checklist', () => {
      for (const key of Object.keys(devSpec.env!)) {
        expect(plan.checklist).toContainEqual(
          expect.stringContaining(`env.${key} `),
        );
      }
      expect(plan.checklist).toContainEqual(
        expect.stringMatching(
          /DATABASE_URL is a database URL \(postgres:\/\/\)/,
        ),
      );
      expect(plan.checklist).toContainEqual(
        expect.stringMatching(/Secret payments-db .*namespace payments-prod/),
      );
      expect(plan.checklist).toContainEqual(
        expect.stringMatching(/replicas: 1/),
      );
      expect(plan.checklist).toContainEqual(expect.stringMatching(/Resources/));
    });

    it('does not put secret values or input values into the hash', () => {
      const withInput = planPromotion({
        service: 'component:default/payments',
        source: { workspace: dev, version: 12, spec: devSpec },
        target: { workspace: prod },
        rules: defaultPromotionRules,
        inputs: { env: { LOG_LEVEL: 'warn' } },
      });
      expect(withInput.blockers.map(b => b.code)).toEqual(['unexpected-input']);
      expect(withInput.planHash).toBe(plan.planHash);
    });
  });

  describe('planHash', () => {
    const base = planPromotion(input()).planHash;

    it('is a sha256 hex string', () => {
      expect(base).toMatch(/^[0-9a-f]{64}$/);
    });

    it.each([
      [
        'the source spec',
        input({
          source: {
            workspace: staging,
            version: 7,
            spec: { ...stagingSpec, image: 'ghcr.io/acme/payments:1.5.1' },
          },
        }),
      ],
      [
        'the source version',
        input({
          source: { workspace: staging, version: 8, spec: stagingSpec },
        }),
      ],
      [
        'the target spec',
        input({
          target: {
            workspace: prod,
            version: 3,
            spec: { ...prodSpec, replicas: 7 },
          },
        }),
      ],
      [
        'the target version',
        input({ target: { workspace: prod, version: 4, spec: prodSpec } }),
      ],
      [
        'the target workspace',
        input({
          target: {
            workspace: { ...prod, namespace: 'other' },
            version: 3,
            spec: prodSpec,
          },
        }),
      ],
      [
        'the rules',
        input({
          rules: resolvePromotionRules({ fields: { replicas: 'source' } }),
        }),
      ],
      [
        'the drift warnings',
        input({ extraWarnings: [{ code: 'target-drift', message: 'x' }] }),
      ],
      [
        'the extra blockers',
        input({ extraBlockers: [{ code: 'lease-held', message: 'x' }] }),
      ],
      ['the service', input({ service: 'component:default/orders' })],
    ])('changes with %s', (_, changed) => {
      expect(planPromotion(changed).planHash).not.toBe(base);
    });

    it('does not change with the messages of extra warnings, only their codes', () => {
      expect(
        planPromotion(
          input({
            extraWarnings: [{ code: 'target-drift', message: 'at 10:00' }],
          }),
        ).planHash,
      ).toBe(
        planPromotion(
          input({
            extraWarnings: [{ code: 'target-drift', message: 'at 10:05' }],
          }),
        ).planHash,
      );
    });
  });

  describe('properties', () => {
    const specPair = fc.tuple(serviceSpecArbitrary(), serviceSpecArbitrary());

    it('is deterministic, also with env keys in another order', () => {
      fc.assert(
        fc.property(
          specPair,
          fc.boolean(),
          fc.infiniteStream(fc.nat()),
          ([source, target], empty, random) => {
            const shuffle = (spec: ServiceSpec): ServiceSpec => {
              if (!spec.env) return spec;
              const keys = Object.keys(spec.env)
                .map(key => [random.next().value, key] as const)
                .sort((a, b) => a[0] - b[0])
                .map(([, key]) => key);
              return {
                ...spec,
                env: Object.fromEntries(keys.map(k => [k, spec.env![k]])),
              };
            };
            const planInput = (
              s: ServiceSpec,
              t?: ServiceSpec,
            ): PlanPromotionInput => ({
              service: 'component:default/payments',
              source: { workspace: staging, version: 2, spec: s },
              target: { workspace: prod, version: t ? 1 : undefined, spec: t },
              rules: defaultPromotionRules,
            });
            const first = planPromotion(
              planInput(source, empty ? undefined : target),
            );
            const again = planPromotion(
              planInput(source, empty ? undefined : target),
            );
            const shuffled = planPromotion(
              planInput(shuffle(source), empty ? undefined : shuffle(target)),
            );
            expect(again).toEqual(first);
            expect(shuffled).toEqual(first);
            expect(shuffled.planHash).toBe(first.planHash);
            expect(JSON.stringify(shuffled.changes)).toBe(
              JSON.stringify(first.changes),
            );
          },
        ),
        { numRuns: 100 },
      );
    });

    it('plans nothing to change when re-planned after a promotion', () => {
      fc.assert(
        fc.property(
          specPair,
          envArbitrary(3),
          fc.boolean(),
          ([source, target], inputValues, empty) => {
            const planInput = (
              t?: ServiceSpec,
              inputs?: PlanPromotionInput['inputs'],
            ) => ({
              service: 'component:default/payments',
              source: { workspace: staging, version: 2, spec: source },
              target: { workspace: prod, version: t ? 1 : undefined, spec: t },
              rules: defaultPromotionRules,
              inputs,
            });
            const first = planPromotion(planInput(empty ? undefined : target));
            const needed = first.changes.filter(
              c => c.action === 'needs-input',
            );
            const values = Object.values(inputValues);
            const env = Object.fromEntries(
              needed
                .filter(c => c.path.startsWith('env.'))
                .map((c, i) => [
                  c.path.slice('env.'.length),
                  values.length
                    ? values[i % values.length]
                    : (c.source as EnvValue),
                ]),
            );
            const hosts = Object.fromEntries(
              needed
                .filter(c => !c.path.startsWith('env.'))
                .map((c, i) => [c.path, `given${i}.example.com`]),
            );
            const promoted = planPromotion(
              planInput(empty ? undefined : target, {
                env: Object.fromEntries(
                  Object.entries(env).filter(
                    ([key]) => !key.includes('[') && !key.includes('.'),
                  ),
                ),
                values: hosts,
              }),
            );
            expect(promoted.blockers).toEqual([]);
            const replan = planPromotion(planInput(promoted.spec));
            expect(replan.blockers).toEqual([]);
            for (const change of replan.changes) {
              expect([change.path, change.action]).toEqual([
                change.path,
                expect.stringMatching(/^(unchanged|retain)$/),
              ]);
            }
            expect(replan.spec).toEqual(promoted.spec);
          },
        ),
        { numRuns: 150 },
      );
    });

    it('gives a valid spec whenever it does not block on the result, for any rules', () => {
      const strategy = fc.constantFrom<'source' | 'target'>('source', 'target');
      const rulesArbitrary = fc.record({
        fields: fc.record(
          Object.fromEntries(
            PROMOTABLE_FIELDS.map(field => [field, strategy]),
          ) as Record<PromotableField, typeof strategy>,
        ),
        env: fc.record({
          newKeys: fc.constantFrom<'needs-input' | 'copy-source'>(
            'needs-input',
            'copy-source',
          ),
          removedKeys: fc.constantFrom<'remove' | 'retain'>('remove', 'retain'),
          existingValues: strategy,
        }),
        labels: fc.constantFrom<any>(
          'merge-source-wins',
          'merge-target-wins',
          'source',
          'target',
        ),
        annotations: fc.constantFrom<any>(
          'merge-source-wins',
          'merge-target-wins',
          'source',
          'target',
        ),
      });
      fc.assert(
        fc.property(specPair, rulesArbitrary, ([source, target], rules) => {
          const plan = planPromotion({
            service: 'component:default/payments',
            source: { workspace: staging, version: 2, spec: source },
            target: { workspace: prod, version: 1, spec: target },
            rules,
          });
          // A value still to be given (a host) leaves the spec incomplete until inputs come.
          const resultIsValid = !plan.blockers.some(
            b => b.code === 'invalid-result' || b.code === 'field-needs-input',
          );
          const roundTripped = resultIsValid
            ? validateSpec(JSON.parse(JSON.stringify(plan.spec)))
            : plan.spec;
          expect(roundTripped).toEqual(plan.spec);
          const kept = plan.changes.filter(
            c => c.action === 'unchanged' || c.action === 'retain',
          );
          expect(kept.map(c => c.to)).toEqual(kept.map(c => c.from));
        }),
        { numRuns: 150 },
      );
    });
  });

  // How fast is bench/plan.bench.ts's (plan-2000-env); a timed assertion here
  // would only measure how busy the machine running the tests is.
  it('plans 2,000 env vars, each once', () => {
    const env = (prefix: string, count: number) =>
      Object.fromEntries(
        Array.from({ length: count }, (_, i) => [
          `${prefix}_${i}`,
          `value-${i}`,
        ]),
      );
    const source: ServiceSpec = {
      ...stagingSpec,
      env: { ...env('SHARED', 1500), ...env('NEW', 500) },
    };
    const target: ServiceSpec = {
      ...prodSpec,
      env: { ...env('SHARED', 1500), ...env('OLD', 500) },
    };
    const planInput = input({
      source: { workspace: staging, version: 1, spec: source },
      target: { workspace: prod, version: 1, spec: target },
    });
    const plan = planPromotion(planInput);
    expect(plan.changes).toHaveLength(2500 + 12);
  });
});

describe('the planner in phases', () => {
  it('classifies, finds issues with the findings passed in, hashes the decision and applies inputs, each once', () => {
    const findings = {
      blockers: [
        {
          code: 'missing-reference',
          path: 'env.DB_PASSWORD',
          message: 'Secret payments-db does not exist',
        },
      ],
      warnings: [{ code: 'target-drift', message: 'prod drifted' }],
    };
    const draft = classifyPromotion(input());
    expect(draft.changes.find(c => c.path === 'image')).toMatchObject({
      action: 'overwrite',
    });
    expect(draft.changes.find(c => c.path === 'env.NEW_FLAG')).toMatchObject({
      action: 'needs-input',
    });
    expect(draft.spec.env).not.toHaveProperty('NEW_FLAG');

    const issues = promotionIssues(draft, findings);
    expect(issues.blockers.map(b => b.code)).toEqual([
      'env-needs-input',
      'env-needs-input',
      'missing-reference',
    ]);
    expect(issues.warnings.map(w => w.code)).toContain('target-drift');

    const plan = completePromotionPlan(draft, findings);
    expect(plan.planHash).toBe(promotionDecisionHash(draft, issues));
    expect(plan).toEqual(
      planPromotion({
        ...input(),
        extraBlockers: findings.blockers,
        extraWarnings: findings.warnings,
      }),
    );

    const before = JSON.stringify(plan);
    const inputs = {
      env: {
        NEW_FLAG: 'on',
        NEW_SECRET: { secretKeyRef: { name: 'stripe-prod', key: 'token' } },
      },
    };
    const given = applyPromotionInputs(plan, inputs, { target: prod });
    expect(JSON.stringify(plan)).toBe(before);
    expect(given.planHash).toBe(plan.planHash);
    expect(given.blockers.map(b => b.code)).toEqual(['missing-reference']);
    expect(given.spec.env).toMatchObject(inputs.env);
    expect(given).toEqual(
      planPromotion({
        ...input(),
        inputs,
        extraBlockers: findings.blockers,
        extraWarnings: findings.warnings,
      }),
    );
  });

  it('hashes a different decision differently and the same decision alike', () => {
    const draft = classifyPromotion(input());
    const issues = promotionIssues(draft);
    expect(promotionDecisionHash(classifyPromotion(input()), issues)).toBe(
      promotionDecisionHash(draft, issues),
    );
    const otherTarget = classifyPromotion(
      input({ target: { workspace: prod, version: 4, spec: prodSpec } }),
    );
    expect(
      promotionDecisionHash(otherTarget, promotionIssues(otherTarget)),
    ).not.toBe(promotionDecisionHash(draft, issues));
  });
});

describe('validatePromotionInputs', () => {
  it('returns valid inputs, and none for undefined', () => {
    const inputs = {
      env: {
        A: 'x',
        B: { secretKeyRef: { name: 'db.prod', key: 'password' } },
        C: {
          configMapKeyRef: { name: 'flags', key: 'a_b-c.d', optional: true },
        },
      },
    };
    expect(validatePromotionInputs(inputs)).toEqual(inputs);
    expect(validatePromotionInputs(undefined)).toEqual({});
    expect(validatePromotionInputs({})).toEqual({});
  });

  it.each([
    [
      'a Secret name of "."',
      { env: { DB: { secretKeyRef: { name: '.', key: 'password' } } } },
      /^inputs\.env\.DB\.secretKeyRef\.name: must be a DNS-1123 subdomain/,
    ],
    [
      'a ConfigMap name with a slash',
      { env: { F: { configMapKeyRef: { name: 'a/b', key: 'k' } } } },
      /^inputs\.env\.F\.configMapKeyRef\.name: must be a DNS-1123 subdomain/,
    ],
    [
      'a key with a space',
      { env: { DB: { secretKeyRef: { name: 'db', key: 'pass word' } } } },
      /^inputs\.env\.DB\.secretKeyRef\.key: must consist of/,
    ],
    [
      'a key over 253 characters',
      { env: { DB: { secretKeyRef: { name: 'db', key: 'k'.repeat(254) } } } },
      /^inputs\.env\.DB\.secretKeyRef\.key: must be at most 253 characters/,
    ],
    [
      'an env name that is not one',
      { env: { 'not a name': 'x' } },
      /^inputs\.env\."not a name": must be a C identifier/,
    ],
    [
      'a NUL in a literal',
      { env: { A: 'x\u0000' } },
      /^inputs\.env\.A: must not contain the NUL/,
    ],
    [
      'an empty value',
      { env: { NEW_KEY: '' } },
      /^inputs\.env\.NEW_KEY: must not be blank/,
    ],
    [
      'a value of only spaces',
      { env: { ANOTHER_KEY: '   ' } },
      /^inputs\.env\.ANOTHER_KEY: must not be blank; give the value ANOTHER_KEY should have in the target/,
    ],
    [
      'a value of only a tab and a newline',
      { env: { A: '\t\n' } },
      /^inputs\.env\.A: must not be blank/,
    ],
    ['an unknown field', { other: {} }, /^inputs\.other: unknown field/],
    [
      'values that are a list',
      { values: ['payments.example.com'] },
      /^inputs\.values: must be an object/,
    ],
    [
      'a blank value',
      { values: { 'ports[0].expose.host': ' ' } },
      /^inputs\.values\.ports\[0\]\.expose\.host: must not be blank/,
    ],
    [
      'a value that is not a string',
      { values: { 'ports[0].expose.host': 3 } },
      /^inputs\.values\.ports\[0\]\.expose\.host: must be a string/,
    ],
    [
      'a key that is not a field path',
      { values: { 'ports[0]..host': 'x' } },
      /^inputs\.values\."ports\[0\]\.\.host": must be a field path/,
    ],
    ['env that is a list', { env: [] }, /^inputs\.env: must be an object/],
  ])('refuses %s with an InputError naming the field', (_, inputs, message) => {
    expect(() => validatePromotionInputs(inputs)).toThrow(InputError);
    expect(() => validatePromotionInputs(inputs)).toThrow(message);
  });
});

describe('promoting an exposed port', () => {
  const exposed = (host: string, path = '/'): ServiceSpec => ({
    image: 'ghcr.io/acme/payments:1.5.0',
    ports: [
      { name: 'http', port: 8080, expose: { host, path, tls: true } },
      { name: 'metrics', port: 9090 },
    ],
    mounts: [{ path: '/etc/payments', configMap: 'payments-config' }],
    serviceAccountName: 'payments-dev',
    resources: { limits: { 'nvidia.com/gpu': '1' } },
  });
  const promote = (
    source: ServiceSpec,
    target?: ServiceSpec,
    inputs?: PlanPromotionInput['inputs'],
  ) =>
    planPromotion({
      service: 'component:default/payments',
      source: { workspace: staging, version: 4, spec: source },
      target: {
        workspace: prod,
        version: target ? 2 : undefined,
        spec: target,
      },
      rules: defaultPromotionRules,
      inputs,
    });

  it('asks for the host on the first promotion and takes it from inputs.values', () => {
    const plan = promote(exposed('payments.staging.example.com'));
    expect(changeAt(plan.changes, 'ports[0].expose.host')).toMatchObject({
      action: 'needs-input',
      source: 'payments.staging.example.com',
    });
    expect(plan.blockers).toEqual([
      expect.objectContaining({
        code: 'field-needs-input',
        path: 'ports[0].expose.host',
      }),
    ]);
    expect(plan.spec.ports![0].expose).toEqual({ path: '/', tls: true });

    const given = promote(exposed('payments.staging.example.com'), undefined, {
      values: { 'ports[0].expose.host': 'payments.example.com' },
    });
    expect(given.blockers).toEqual([]);
    expect(given.planHash).toBe(plan.planHash);
    expect(given.spec.ports![0].expose).toEqual({
      host: 'payments.example.com',
      path: '/',
      tls: true,
    });
    expect(validateSpec(given.spec)).toEqual(given.spec);
  });

  it('keeps the target host on a later promotion, with the mount paths from the source', () => {
    const target = exposed('payments.example.com', '/old');
    const source: ServiceSpec = {
      ...exposed('payments.staging.example.com', '/api'),
      mounts: [{ path: '/etc/payments/v2', configMap: 'payments-config' }],
    };
    const plan = promote(source, { ...target, serviceAccountName: 'payments' });
    expect(plan.blockers).toEqual([]);
    expect(plan.spec.ports![0].expose).toEqual({
      host: 'payments.example.com',
      path: '/api',
      tls: true,
    });
    expect(changeAt(plan.changes, 'ports[0].expose.host')).toMatchObject({
      action: 'retain',
      to: 'payments.example.com',
      source: 'payments.staging.example.com',
      reason: 'kept in target: the host belongs to prod',
    });
    expect(changeAt(plan.changes, 'ports')).toMatchObject({
      action: 'overwrite',
    });
    expect(plan.spec.mounts).toEqual(source.mounts);
    expect(changeAt(plan.changes, 'serviceAccountName')).toMatchObject({
      action: 'retain',
      to: 'payments',
      reason: expect.stringMatching(
        /service account belongs to the environment/,
      ),
    });
    expect(plan.checklist).toEqual(
      expect.arrayContaining([
        'ports[0].expose.host stays payments.example.com in prod (as in v2), while staging has payments.staging.example.com: check it is still right',
        'serviceAccountName stays payments in prod (as in v2), while staging has payments-dev: check it is still right',
      ]),
    );
    expect(plan.checklist.join('\n')).not.toMatch(/^resources/m);
  });

  it('refuses a value for a path that needs none, and an invalid host naming the field', () => {
    const target = exposed('payments.example.com');
    const plan = promote(exposed('payments.staging.example.com'), target, {
      values: { 'ports[1].expose.host': 'metrics.example.com' },
    });
    expect(plan.blockers).toEqual([
      expect.objectContaining({
        code: 'unexpected-input',
        path: 'ports[1].expose.host',
      }),
    ]);
    const bad = promote(exposed('payments.staging.example.com'), undefined, {
      values: { 'ports[0].expose.host': 'Not A Host' },
    });
    expect(bad.blockers).toEqual([
      expect.objectContaining({
        code: 'invalid-result',
        path: 'ports[0].expose.host',
      }),
    ]);
  });
});
