import { InputError } from '@backstage/errors';
import {
  defaultPromotionRules,
  resolvePromotionRules,
  validatePromotionRulesOverride,
} from './rules';

describe('defaultPromotionRules', () => {
  it('is the table of DESIGN §1 with the rules of §11', () => {
    expect(defaultPromotionRules).toEqual({
      fields: {
        image: 'source',
        command: 'source',
        args: 'source',
        ports: 'source',
        readinessProbe: 'source',
        livenessProbe: 'source',
        startupProbe: 'source',
        replicas: 'target',
        autoscaling: 'target',
        resources: 'target',
        mounts: 'source',
        envFrom: 'source',
        sidecars: 'source',
        initContainers: 'source',
        strategy: 'source',
        terminationGracePeriodSeconds: 'source',
        preStop: 'source',
        serviceAccountName: 'target',
        imagePullSecrets: 'target',
        nodeSelector: 'target',
        tolerations: 'target',
        disruptionBudget: 'target',
      },
      env: {
        newKeys: 'needs-input',
        removedKeys: 'remove',
        existingValues: 'target',
      },
      labels: 'merge-source-wins',
      annotations: 'merge-source-wins',
    });
  });

  it('cannot be changed by accident', () => {
    expect(Object.isFrozen(defaultPromotionRules.fields)).toBe(true);
    expect(Object.isFrozen(defaultPromotionRules.env)).toBe(true);
  });
});

describe('resolvePromotionRules', () => {
  it('returns the defaults without layers', () => {
    expect(resolvePromotionRules()).toEqual(defaultPromotionRules);
    expect(resolvePromotionRules(undefined, undefined)).toEqual(
      defaultPromotionRules,
    );
  });

  it('returns a copy that callers may change', () => {
    const rules = resolvePromotionRules();
    rules.fields.image = 'target';
    expect(defaultPromotionRules.fields.image).toBe('source');
  });

  it('merges layers deeply, later layers winning', () => {
    const rules = resolvePromotionRules(
      {
        fields: { replicas: 'source', image: 'target' },
        env: { newKeys: 'copy-source' },
      },
      { fields: { image: 'source' }, labels: 'target' },
    );
    expect(rules.fields.replicas).toBe('source');
    expect(rules.fields.image).toBe('source');
    expect(rules.fields.resources).toBe('target');
    expect(rules.env).toEqual({
      newKeys: 'copy-source',
      removedKeys: 'remove',
      existingValues: 'target',
    });
    expect(rules.labels).toBe('target');
    expect(rules.annotations).toBe('merge-source-wins');
  });

  it.each([
    [
      { fields: { image: 'sauce' } },
      /fields.image must be one of source, target/,
    ],
    [{ fields: { imag: 'source' } }, /fields.imag is not a promotable field/],
    [{ fields: { env: 'source' } }, /fields.env is not a promotable field/],
    [
      { env: { newKeys: 'ask' } },
      /env.newKeys must be one of needs-input, copy-source/,
    ],
    [
      { env: { removedKeys: true } },
      /env.removedKeys must be one of remove, retain/,
    ],
    [{ env: { values: 'target' } }, /env.values is not a known env rule/],
    [{ labels: 'merge' }, /labels must be one of merge-source-wins/],
    [{ annotations: null }, /annotations must be one of/],
    [{ field: {} }, /field is not a known rule/],
    [{ fields: [] }, /fields must be an object/],
    ['source', /must be an object/],
  ])('refuses %j with an InputError naming the key', (layer, message) => {
    expect(() => resolvePromotionRules(layer as any)).toThrow(InputError);
    expect(() => resolvePromotionRules(layer as any)).toThrow(message);
  });
});

describe('validatePromotionRulesOverride', () => {
  it('returns a valid override as it is', () => {
    const override = { fields: { image: 'target' }, annotations: 'source' };
    expect(validatePromotionRulesOverride(override)).toBe(override);
  });
});
