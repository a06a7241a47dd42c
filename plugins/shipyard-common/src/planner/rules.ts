import { InputError } from '@backstage/errors';
import { SPEC_FIELD_NAMES, SPEC_FIELDS } from '../spec/fields';
import type {
  FieldStrategy,
  MapStrategy,
  PromotableField,
  PromotionRules,
  PromotionRulesOverride,
} from '../types';

/** The fields a field rule can name, in the registry's order. @public */
export const PROMOTABLE_FIELDS: readonly PromotableField[] =
  SPEC_FIELD_NAMES.filter(
    (name): name is PromotableField => 'rule' in SPEC_FIELDS[name].promotion,
  );

/** The default promotion rules: DESIGN §1's table and §11's rules, from the field registry. @public */
export const defaultPromotionRules: PromotionRules = deepFreeze({
  fields: Object.fromEntries(
    PROMOTABLE_FIELDS.map(name => [name, SPEC_FIELDS[name].promotion.rule]),
  ) as Record<PromotableField, FieldStrategy>,
  env: {
    newKeys: 'needs-input',
    removedKeys: 'remove',
    existingValues: 'target',
  },
  labels: 'merge-source-wins',
  annotations: 'merge-source-wins',
});

const FIELD_STRATEGIES: readonly FieldStrategy[] = ['source', 'target'];
const MAP_STRATEGIES: readonly MapStrategy[] = [
  'merge-source-wins',
  'merge-target-wins',
  'source',
  'target',
];
const ENV_STRATEGIES: Record<keyof PromotionRules['env'], readonly string[]> = {
  newKeys: ['needs-input', 'copy-source'],
  removedKeys: ['remove', 'retain'],
  existingValues: ['target', 'source'],
};

/** Merges rule layers over the defaults, later layers winning (installation config, then the entity's annotation). @public */
export function resolvePromotionRules(
  ...layers: Array<PromotionRulesOverride | undefined>
): PromotionRules {
  const rules: PromotionRules = {
    fields: { ...defaultPromotionRules.fields },
    env: { ...defaultPromotionRules.env },
    labels: defaultPromotionRules.labels,
    annotations: defaultPromotionRules.annotations,
  };
  for (const layer of layers) {
    if (layer === undefined) {
      continue;
    }
    const override = validatePromotionRulesOverride(layer);
    Object.assign(rules.fields, override.fields);
    Object.assign(rules.env, override.env);
    rules.labels = override.labels ?? rules.labels;
    rules.annotations = override.annotations ?? rules.annotations;
  }
  return rules;
}

/** Checks an untrusted rules override (config or annotation JSON), throwing an InputError that names the bad key. @public */
export function validatePromotionRulesOverride(
  value: unknown,
): PromotionRulesOverride {
  const override = record(value, '');
  for (const key of Object.keys(override)) {
    if (!['fields', 'env', 'labels', 'annotations'].includes(key)) {
      throw invalid(
        key,
        'is not a known rule; use fields, env, labels or annotations',
      );
    }
  }
  if (override.fields !== undefined) {
    const fields = record(override.fields, 'fields');
    for (const [field, strategy] of Object.entries(fields)) {
      if (!PROMOTABLE_FIELDS.includes(field as PromotableField)) {
        throw invalid(
          `fields.${field}`,
          `is not a promotable field; use one of ${PROMOTABLE_FIELDS.join(
            ', ',
          )}`,
        );
      }
      oneOf(`fields.${field}`, strategy, FIELD_STRATEGIES);
    }
  }
  if (override.env !== undefined) {
    const env = record(override.env, 'env');
    for (const [key, strategy] of Object.entries(env)) {
      const allowed = Object.hasOwn(ENV_STRATEGIES, key)
        ? ENV_STRATEGIES[key as keyof PromotionRules['env']]
        : undefined;
      if (!allowed) {
        throw invalid(
          `env.${key}`,
          'is not a known env rule; use newKeys, removedKeys or existingValues',
        );
      }
      oneOf(`env.${key}`, strategy, allowed);
    }
  }
  if (override.labels !== undefined) {
    oneOf('labels', override.labels, MAP_STRATEGIES);
  }
  if (override.annotations !== undefined) {
    oneOf('annotations', override.annotations, MAP_STRATEGIES);
  }
  return override as PromotionRulesOverride;
}

function record(value: unknown, key: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(key, 'must be an object');
  }
  return value as Record<string, unknown>;
}

function oneOf(key: string, value: unknown, allowed: readonly string[]) {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalid(
      key,
      `must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`,
    );
  }
}

function invalid(key: string, message: string): InputError {
  return new InputError(
    key
      ? `Invalid promotion rules: ${key} ${message}`
      : `Invalid promotion rules: ${message}`,
  );
}

function deepFreeze<T extends object>(value: T): T {
  for (const nested of Object.values(value)) {
    if (typeof nested === 'object' && nested !== null) {
      deepFreeze(nested);
    }
  }
  return Object.freeze(value);
}
