import { sameValue, ownValue, unionOfKeys } from '../diff/diffSpecs';
import { canonicalJson, hashSpec, sha256Hex } from '../spec/canonical';
import { envReference } from '../spec/envReference';
import { envNameError } from '../spec/kubernetesNames';
import { envValueErrors, formatSpecErrors, parseSpec } from '../spec/schema';
import { secretLiteralWarning, specWarnings } from '../spec/specWarnings';
import { InputError } from '@backstage/errors';
import type {
  EnvValue,
  FieldStrategy,
  MapStrategy,
  PlanAction,
  PlanChange,
  PlanIssue,
  PromotableField,
  PromotionInputs,
  PromotionPlan,
  PromotionRules,
  ServiceSpec,
  Workspace,
} from '../types';
import { defaultPromotionRules } from './rules';

/** What {@link planPromotion} plans from: the source's and target's current versions, the rules and any inputs. @public */
export interface PlanPromotionInput {
  /** Entity ref of the service. */
  service: string;
  source: { workspace: Workspace; version: number; spec: ServiceSpec };
  /** `version` and `spec` are absent when the target has no version yet. */
  target: { workspace: Workspace; version?: number; spec?: ServiceSpec };
  rules: PromotionRules;
  /** Fields to take from the source although the rules keep the target's (a person asked for them). */
  take?: PromotableField[];
  inputs?: PromotionInputs;
  /** Warnings the caller found, e.g. drift in the target; they are part of the plan hash. */
  extraWarnings?: PlanIssue[];
  /** Blockers the caller found; they are part of the plan hash. */
  extraBlockers?: PlanIssue[];
  /** Blockers the caller found in `inputs`, e.g. a missing Secret; like the inputs, not part of the plan hash. */
  inputBlockers?: PlanIssue[];
}

const FIELDS_BEFORE_ENV: PromotableField[] = [
  'image',
  'command',
  'args',
  'ports',
];
const FIELDS_AFTER_ENV: PromotableField[] = [
  'resources',
  'replicas',
  'autoscaling',
  'readinessProbe',
  'livenessProbe',
  'startupProbe',
];

const ARTIFACT = () => 'the artifact being promoted';
const PROBES = () => 'probes travel with the code';
// Named after the real target: promoting into staging, staging sizes itself.
const SIZING = (target: Workspace) => `${target.name} sizes itself`;

const WHY: Record<PromotableField, (target: Workspace) => string> = {
  image: ARTIFACT,
  command: ARTIFACT,
  args: ARTIFACT,
  ports: ARTIFACT,
  readinessProbe: PROBES,
  livenessProbe: PROBES,
  startupProbe: PROBES,
  replicas: SIZING,
  autoscaling: SIZING,
  resources: SIZING,
};

interface MapPolicy {
  both: FieldStrategy;
  onlySource: 'copy' | 'needs-input' | 'skip';
  onlyTarget: 'keep' | 'remove';
}

const MAP_POLICIES: Record<MapStrategy, MapPolicy> = {
  'merge-source-wins': {
    both: 'source',
    onlySource: 'copy',
    onlyTarget: 'keep',
  },
  'merge-target-wins': {
    both: 'target',
    onlySource: 'copy',
    onlyTarget: 'keep',
  },
  source: { both: 'source', onlySource: 'copy', onlyTarget: 'remove' },
  target: { both: 'target', onlySource: 'skip', onlyTarget: 'keep' },
};

const FIRST_PROMOTION_POLICY: MapPolicy = MAP_POLICIES.source;

const ELSEWHERE_MARKERS: Array<[string, string]> = [
  ['localhost', 'points at localhost'],
  ['127.0.0.1', 'points at localhost'],
  ['postgres://', 'is a database URL (postgres://)'],
  ['postgresql://', 'is a database URL (postgresql://)'],
  ['mysql://', 'is a database URL (mysql://)'],
  ['mongodb://', 'is a database URL (mongodb://)'],
  ['mongodb+srv://', 'is a database URL (mongodb+srv://)'],
  ['redis://', 'is a Redis URL (redis://)'],
  ['rediss://', 'is a Redis URL (rediss://)'],
  ['amqp://', 'is a message broker URL (amqp://)'],
  ['jdbc:', 'is a JDBC URL'],
  ['.svc', 'names an in-cluster service (.svc)'],
];

/** Plans a promotion field by field (DESIGN §1): the target's next spec, each field classified, blockers, warnings, checklist and plan hash. @public */
export function planPromotion(input: PlanPromotionInput): PromotionPlan {
  const { service, source, target, rules } = input;
  const firstPromotion = target.spec === undefined;
  const targetSpec: Partial<ServiceSpec> = target.spec ?? {};
  const changes: PlanChange[] = [];
  const blockers: PlanIssue[] = [];
  const warnings: PlanIssue[] = [];
  const checklist: string[] = [];
  const spec: Record<string, unknown> = {};
  const needsInput = new Set<string>();

  if (source.workspace.name === target.workspace.name) {
    blockers.push({
      code: 'same-workspace',
      message: `Source and target are the same workspace (${source.workspace.name})`,
    });
  } else if (target.workspace.tier <= source.workspace.tier) {
    warnings.push({
      code: 'not-a-promotion',
      message: `${target.workspace.name} (${target.workspace.environment}) is not a higher environment than ${source.workspace.name} (${source.workspace.environment})`,
    });
  }
  if (target.workspace.protected) {
    warnings.push({
      code: 'protected-target',
      message: `${target.workspace.name} is a protected workspace`,
    });
  }
  if (firstPromotion) {
    warnings.push({
      code: 'first-promotion',
      message: `${target.workspace.name} has no version yet: the source spec is copied; review the checklist`,
    });
  }

  const planField = (field: PromotableField) => {
    const sourceValue = source.spec[field];
    const targetValue = targetSpec[field];
    if (sourceValue === undefined && targetValue === undefined) {
      return;
    }
    const taken =
      !firstPromotion &&
      rules.fields[field] === 'target' &&
      !!input.take?.includes(field);
    const strategy = firstPromotion || taken ? 'source' : rules.fields[field];
    const to = strategy === 'source' ? sourceValue : targetValue;
    if (to !== undefined) {
      spec[field] = to;
    }
    const action = classify(targetValue, to, sourceValue);
    const why = (rule: FieldStrategy) =>
      rule === defaultPromotionRules.fields[field]
        ? WHY[field](target.workspace)
        : `promotion rule ${field}: ${rule}`;
    const byRule = taken
      ? `taken on request, although ${why(rules.fields[field])}`
      : why(strategy);
    changes.push(
      change(field, action, targetValue, to, sourceValue, {
        overwrite: firstPromotion
          ? `copied from source: first promotion into ${target.workspace.name}`
          : `will change, from source: ${byRule}`,
        retain:
          targetValue === undefined
            ? `set only in ${source.workspace.name}, not taken: ${byRule}`
            : `kept in target: ${byRule}`,
        remove: 'not set in source',
      }),
    );
  };

  const checkCopiedEnv = (key: string, value: EnvValue) => {
    const concern = pointsElsewhere(value, source.workspace);
    if (concern) {
      warnings.push({
        code: 'env-points-elsewhere',
        path: `env.${key}`,
        message: `env.${key} ${concern}: check it is right for ${target.workspace.name}`,
      });
      checklist.push(
        `env.${key} ${concern}: point it at ${target.workspace.environment}'s own service`,
      );
    } else if (typeof value !== 'string') {
      checklist.push(referenceChecklistItem(key, value, target.workspace));
    } else if (firstPromotion) {
      checklist.push(
        `env.${key} was copied from ${source.workspace.name}: check its value for ${target.workspace.name}`,
      );
    }
  };

  const planMap = (
    prefix: 'env' | 'labels' | 'annotations',
    policy: MapPolicy,
  ) => {
    const sourceMap = source.spec[prefix] as
      | Record<string, EnvValue>
      | undefined;
    const targetMap = targetSpec[prefix] as
      | Record<string, EnvValue>
      | undefined;
    const result: Record<string, EnvValue> = {};
    let size = 0;
    for (const key of unionOfKeys(sourceMap, targetMap)) {
      const path = `${prefix}.${key}`;
      const sourceValue = ownValue(sourceMap, key);
      const targetValue = ownValue(targetMap, key);
      let to: EnvValue | undefined;
      let reasons: Partial<Record<PlanAction, string>>;
      if (sourceValue !== undefined && targetValue !== undefined) {
        to = policy.both === 'source' ? sourceValue : targetValue;
        reasons = {
          overwrite: 'will change, from source',
          retain:
            prefix === 'env'
              ? 'kept in target: the target points at its own services'
              : 'kept in target',
        };
      } else if (sourceValue !== undefined) {
        if (policy.onlySource === 'needs-input') {
          needsInput.add(key);
          changes.push({
            path,
            action: 'needs-input',
            source: sourceValue,
            reason: `new in source: give its value for ${target.workspace.name}`,
          });
          blockers.push({
            code: 'env-needs-input',
            path,
            message: `${path} is new in ${source.workspace.name}: give its value for ${target.workspace.name}`,
          });
          continue;
        }
        to = policy.onlySource === 'copy' ? sourceValue : undefined;
        reasons = {
          overwrite: firstPromotion
            ? `copied from source: first promotion into ${target.workspace.name}`
            : 'new in source, copied',
          retain: `new in source, not copied: promotion rule ${prefix}`,
        };
      } else {
        to = policy.onlyTarget === 'keep' ? targetValue : undefined;
        reasons = {
          retain: 'not in source, kept in target',
          remove: 'gone from source',
        };
        if (prefix === 'env' && to === undefined) {
          warnings.push({
            code: 'env-removed',
            path,
            message: `${path} is gone from ${source.workspace.name} and will be removed from ${target.workspace.name}`,
          });
        }
      }
      const action = classify(targetValue, to, sourceValue);
      changes.push(change(path, action, targetValue, to, sourceValue, reasons));
      if (to !== undefined) {
        result[key] = to;
        size++;
        if (prefix === 'env' && action === 'overwrite') {
          checkCopiedEnv(key, to);
        }
      }
    }
    const shapeFrom = firstPromotion ? sourceMap : targetMap;
    if (size > 0 || shapeFrom !== undefined) {
      spec[prefix] = result;
    }
  };

  for (const field of FIELDS_BEFORE_ENV) {
    planField(field);
  }
  planMap(
    'env',
    firstPromotion
      ? FIRST_PROMOTION_POLICY
      : {
          both: rules.env.existingValues,
          onlySource:
            rules.env.newKeys === 'needs-input' ? 'needs-input' : 'copy',
          onlyTarget: rules.env.removedKeys === 'remove' ? 'remove' : 'keep',
        },
  );
  for (const field of FIELDS_AFTER_ENV) {
    planField(field);
  }
  planMap(
    'labels',
    firstPromotion ? FIRST_PROMOTION_POLICY : MAP_POLICIES[rules.labels],
  );
  planMap(
    'annotations',
    firstPromotion ? FIRST_PROMOTION_POLICY : MAP_POLICIES[rules.annotations],
  );

  if (firstPromotion) {
    checklist.push(
      ...scalingChecklist(source.spec, source.workspace, target.workspace),
    );
  }

  const baseSpec = spec as unknown as ServiceSpec;
  const validation = parseSpec(baseSpec, {
    labelPolicy: target.workspace.labelPolicy,
  });
  if (!validation.success) {
    blockers.push(invalidResult(validation.errors));
  }
  warnings.push(...specWarnings(baseSpec));
  blockers.push(...(input.extraBlockers ?? []));
  warnings.push(...(input.extraWarnings ?? []));

  const planHash = sha256Hex(
    canonicalJson({
      service,
      source: {
        workspace: workspaceIdentity(source.workspace),
        version: source.version,
        specHash: hashSpec(source.spec),
      },
      target: {
        workspace: workspaceIdentity(target.workspace),
        version: target.version ?? null,
        specHash: target.spec ? hashSpec(target.spec) : null,
      },
      rules,
      spec: baseSpec,
      changes: changes.map(c => [c.path, c.action]),
      blockers: blockers
        .filter(b => b.code !== 'env-needs-input')
        .map(b => [b.code, b.path ?? null]),
      warnings: warnings.map(w => [w.code, w.path ?? null]),
    }),
  );

  const resultSpec = applyInputs(
    baseSpec,
    input.inputs,
    needsInput,
    changes,
    blockers,
    warnings,
    target.workspace,
    checklist,
  );

  blockers.push(...(input.inputBlockers ?? []));

  return {
    service,
    source: { workspace: source.workspace.name, version: source.version },
    target: {
      workspace: target.workspace.name,
      ...(target.version !== undefined ? { version: target.version } : {}),
    },
    firstPromotion,
    spec: resultSpec,
    changes,
    blockers,
    warnings,
    checklist,
    planHash,
  };
}

function applyInputs(
  baseSpec: ServiceSpec,
  inputs: PromotionInputs | undefined,
  needsInput: Set<string>,
  changes: PlanChange[],
  blockers: PlanIssue[],
  warnings: PlanIssue[],
  targetWorkspace: Workspace,
  checklist: string[],
): ServiceSpec {
  const given = inputs?.env ?? {};
  const keys = Object.keys(given).sort();
  if (keys.length === 0) {
    return baseSpec;
  }
  const env: Record<string, EnvValue> = { ...baseSpec.env };
  const resolved = new Set<string>();
  for (const key of keys) {
    const value = given[key];
    if (!needsInput.has(key)) {
      blockers.push({
        code: 'unexpected-input',
        path: `env.${key}`,
        message: `env.${key} does not need input`,
      });
      continue;
    }
    env[key] = value;
    resolved.add(key);
    const warning = secretLiteralWarning(key, value);
    if (warning) {
      warnings.push(warning);
    }
  }
  if (resolved.size === 0) {
    return baseSpec;
  }
  for (const c of changes) {
    if (
      c.action === 'needs-input' &&
      resolved.has(c.path.slice('env.'.length))
    ) {
      c.to = env[c.path.slice('env.'.length)];
    }
  }
  for (let i = blockers.length - 1; i >= 0; i--) {
    const blocker = blockers[i];
    if (
      blocker.code === 'env-needs-input' &&
      resolved.has(blocker.path!.slice('env.'.length))
    ) {
      blockers.splice(i, 1);
    }
  }
  const sortedEnv: Record<string, EnvValue> = {};
  for (const key of Object.keys(env).sort()) {
    sortedEnv[key] = env[key];
  }
  const spec = { ...baseSpec, env: sortedEnv };
  const validation = parseSpec(spec);
  if (!validation.success) {
    if (!blockers.some(b => b.code === 'invalid-result')) {
      blockers.push(invalidResult(validation.errors));
    }
    return spec;
  }
  for (const key of resolved) {
    const value = env[key];
    if (typeof value !== 'string') {
      checklist.push(referenceChecklistItem(key, value, targetWorkspace));
    }
  }
  return spec;
}

function classify(
  from: unknown,
  to: unknown,
  sourceValue: unknown,
): PlanAction {
  if (sameValue(from, to)) {
    return sameValue(to, sourceValue) ? 'unchanged' : 'retain';
  }
  return to === undefined ? 'remove' : 'overwrite';
}

function change(
  path: string,
  action: PlanAction,
  from: unknown,
  to: unknown,
  sourceValue: unknown,
  reasons: Partial<Record<PlanAction, string>>,
): PlanChange {
  const planned: PlanChange = {
    path,
    action,
    reason:
      action === 'unchanged'
        ? 'same in source and target'
        : reasons[action] ?? action,
  };
  if (from !== undefined) {
    planned.from = from;
  }
  if (to !== undefined) {
    planned.to = to;
  }
  if (sourceValue !== undefined && !sameValue(sourceValue, to)) {
    planned.source = sourceValue;
  }
  return planned;
}

function invalidResult(
  errors: Parameters<typeof formatSpecErrors>[0],
): PlanIssue {
  return {
    code: 'invalid-result',
    path: errors[0]?.path || undefined,
    message: `The promoted spec would be invalid: ${formatSpecErrors(errors)}`,
  };
}

function workspaceIdentity(workspace: Workspace) {
  return {
    name: workspace.name,
    environment: workspace.environment,
    tier: workspace.tier,
    cluster: workspace.cluster ?? null,
    namespace: workspace.namespace,
    protected: workspace.protected,
  };
}

function pointsElsewhere(
  value: EnvValue,
  source: Workspace,
): string | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  const lower = value.toLowerCase();
  for (const [marker, concern] of ELSEWHERE_MARKERS) {
    if (lower.includes(marker)) {
      return concern;
    }
  }
  for (const name of new Set([source.environment, source.name])) {
    if (mentions(lower, name.toLowerCase())) {
      return `mentions "${name}"`;
    }
  }
  return undefined;
}

function mentions(text: string, word: string): boolean {
  if (!word) {
    return false;
  }
  let index = text.indexOf(word);
  while (index >= 0) {
    const before = text.charAt(index - 1);
    const after = text.charAt(index + word.length);
    if (!/[a-z0-9]/.test(before) && !/[a-z0-9]/.test(after)) {
      return true;
    }
    index = text.indexOf(word, index + 1);
  }
  return false;
}

function referenceChecklistItem(
  key: string,
  value: Exclude<EnvValue, string>,
  target: Workspace,
): string {
  const reference = envReference(value)!;
  return `env.${key} reads ${reference.kind} ${reference.name} (key ${reference.key}): make sure it exists in namespace ${target.namespace}`;
}

function scalingChecklist(
  spec: ServiceSpec,
  source: Workspace,
  target: Workspace,
): string[] {
  const items: string[] = [];
  if (spec.replicas !== undefined) {
    items.push(
      `Scaling was copied from ${source.name} (replicas: ${spec.replicas}): size it for ${target.name}`,
    );
  }
  if (spec.autoscaling) {
    items.push(
      `Scaling was copied from ${source.name} (autoscaling ${spec.autoscaling.minReplicas}..${spec.autoscaling.maxReplicas}): size it for ${target.name}`,
    );
  }
  if (spec.resources) {
    items.push(
      `Resources were copied from ${source.name}: check requests and limits for ${target.name}`,
    );
  }
  return items;
}

/**
 * Checks promotion inputs before anything uses them, e.g. before the
 * preflight looks Secrets and ConfigMaps up in the target: every key an env
 * var name, every value a string that is not blank or a reference whose
 * name is a DNS-1123 subdomain and whose key a valid Secret or ConfigMap key. Throws an
 * InputError naming each bad field, e.g. `inputs.env.DB_PASSWORD.secretKeyRef.name: …`.
 * @public
 */
export function validatePromotionInputs(inputs: unknown): PromotionInputs {
  if (inputs === undefined) {
    return {};
  }
  const fail = (message: string): never => {
    throw new InputError(message);
  };
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) {
    return fail('inputs: must be an object');
  }
  const { env, ...rest } = inputs as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) {
    fail(`inputs.${unknown[0]}: unknown field`);
  }
  if (env === undefined) {
    return {};
  }
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    return fail('inputs.env: must be an object of env var names to values');
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    const nameError = envNameError(key);
    if (nameError) {
      problems.push(`inputs.env.${JSON.stringify(key)}: ${nameError}`);
      continue;
    }
    // An input answers "what should this be in the target?": blank is no answer.
    if (typeof value === 'string' && value.trim() === '') {
      problems.push(
        `inputs.env.${key}: must not be blank; give the value ${key} should have in the target`,
      );
      continue;
    }
    problems.push(
      ...envValueErrors(value, `inputs.env.${key}`).map(
        e => `${e.path}: ${e.message}`,
      ),
    );
  }
  if (problems.length) {
    fail(problems.join('; '));
  }
  return { env: env as Record<string, EnvValue> };
}
