import { sameValue, ownValue, unionOfKeys } from '../diff/diffSpecs';
import { canonicalJson, hashSpec, sha256Hex } from '../spec/canonical';
import { envReference } from '../spec/envReference';
import { forEachField, SPEC_FIELDS, type FieldPromotion } from '../spec/fields';
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

/** What a promotion is decided from: the source's and target's current versions and the rules. @public */
export interface PromotionDecisionInput {
  /** Entity ref of the service. */
  service: string;
  source: { workspace: Workspace; version: number; spec: ServiceSpec };
  /** `version` and `spec` are absent when the target has no version yet. */
  target: { workspace: Workspace; version?: number; spec?: ServiceSpec };
  rules: PromotionRules;
  /** Fields to take from the source although the rules keep the target's (a person asked for them). */
  take?: PromotableField[];
}

/** What {@link planPromotion} plans from: the decision's input, what the caller found, and any inputs. @public */
export interface PlanPromotionInput extends PromotionDecisionInput {
  inputs?: PromotionInputs;
  /** Warnings the caller found, e.g. drift in the target; they are part of the plan hash. */
  extraWarnings?: PlanIssue[];
  /** Blockers the caller found (the preflight's findings); they are part of the plan hash. */
  extraBlockers?: PlanIssue[];
  /** Blockers the caller found in `inputs`, e.g. a missing Secret; like the inputs, not part of the plan hash. */
  inputBlockers?: PlanIssue[];
}

/** The first phase of a plan: the target's next spec (without inputs) and every field classified. @public */
export interface PromotionDraft {
  input: PromotionDecisionInput;
  firstPromotion: boolean;
  /** The resulting spec; what needs input is absent. */
  spec: ServiceSpec;
  changes: PlanChange[];
}

/** What the caller found before planning: the preflight's blockers and other warnings (drift). @public */
export interface PromotionFindings {
  blockers?: PlanIssue[];
  warnings?: PlanIssue[];
}

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

const ENV_NEEDS_INPUT = 'env-needs-input';
const FIELD_NEEDS_INPUT = 'field-needs-input';

/**
 * Phase 1 of a plan: the target's next spec and every field classified,
 * field by field from the registry's rules (DESIGN §1, §11). Pure.
 * @public
 */
export function classifyPromotion(
  input: PromotionDecisionInput,
): PromotionDraft {
  const { source, target, rules } = input;
  const firstPromotion = target.spec === undefined;
  const targetSpec: Partial<ServiceSpec> = target.spec ?? {};
  const changes: PlanChange[] = [];
  const spec: Record<string, unknown> = {};

  const planField = <K extends PromotableField>(
    field: K,
    promotion: FieldPromotion<K>,
  ) => {
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
    let to = strategy === 'source' ? sourceValue : targetValue;
    const partChanges: PlanChange[] = [];
    if (strategy === 'source' && to !== undefined && promotion.ownedParts) {
      const targetParts = new Map(
        (targetValue === undefined
          ? []
          : promotion.ownedParts(targetValue as NonNullable<typeof to>)
        ).map(part => [part.key, part]),
      );
      const holder: Record<string, unknown> = {
        [field]: JSON.parse(JSON.stringify(to)),
      };
      for (const part of promotion.ownedParts(to)) {
        const kept = targetParts.get(part.key);
        setAtPath(holder, part.path, kept?.value);
        partChanges.push(
          kept
            ? change(
                part.path,
                sameValue(kept.value, part.value) ? 'unchanged' : 'retain',
                kept.value,
                kept.value,
                part.value,
                { retain: `kept in target: ${part.reason(target.workspace)}` },
              )
            : {
                path: part.path,
                action: 'needs-input',
                source: part.value,
                reason: `${part.reason(target.workspace)}: give its value for ${
                  target.workspace.name
                }`,
              },
        );
      }
      to = holder[field] as typeof to;
    }
    if (to !== undefined) {
      spec[field] = to;
    }
    // With owned parts kept, the field still comes from the source.
    const action = classify(
      targetValue,
      to,
      partChanges.length ? to : sourceValue,
    );
    const why = (rule: FieldStrategy) =>
      rule === defaultPromotionRules.fields[field]
        ? promotion.reason(target.workspace)
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
      ...partChanges,
    );
  };

  const planMap = (prefix: 'env' | 'labels' | 'annotations') => {
    let policy: MapPolicy = FIRST_PROMOTION_POLICY;
    if (!firstPromotion) {
      policy =
        prefix === 'env'
          ? {
              both: rules.env.existingValues,
              onlySource:
                rules.env.newKeys === 'needs-input' ? 'needs-input' : 'copy',
              onlyTarget:
                rules.env.removedKeys === 'remove' ? 'remove' : 'keep',
            }
          : MAP_POLICIES[rules[prefix]];
    }
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
          changes.push({
            path,
            action: 'needs-input',
            source: sourceValue,
            reason: `new in source: give its value for ${target.workspace.name}`,
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
      }
      const action = classify(targetValue, to, sourceValue);
      changes.push(change(path, action, targetValue, to, sourceValue, reasons));
      if (to !== undefined) {
        result[key] = to;
        size++;
      }
    }
    const shapeFrom = firstPromotion ? sourceMap : targetMap;
    if (size > 0 || shapeFrom !== undefined) {
      spec[prefix] = result;
    }
  };

  forEachField((name, entry) => {
    if ('rule' in entry.promotion) {
      planField(
        name as PromotableField,
        entry.promotion as FieldPromotion<PromotableField>,
      );
    } else {
      planMap(name as 'env' | 'labels' | 'annotations');
    }
  });

  return {
    input,
    firstPromotion,
    spec: spec as unknown as ServiceSpec,
    changes,
  };
}

/**
 * Phase 2 of a plan: its blockers, warnings and checklist, from the
 * classified changes and what the caller found (the preflight's blockers,
 * drift). Pure.
 * @public
 */
export function promotionIssues(
  draft: PromotionDraft,
  findings: PromotionFindings = {},
): Pick<PromotionPlan, 'blockers' | 'warnings' | 'checklist'> {
  const { source, target } = draft.input;
  const blockers: PlanIssue[] = [];
  const warnings: PlanIssue[] = [];
  const checklist: string[] = [];
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
  if (draft.firstPromotion) {
    warnings.push({
      code: 'first-promotion',
      message: `${target.workspace.name} has no version yet: the source spec is copied; review the checklist`,
    });
  }
  for (const c of draft.changes) {
    if (retainedWorthAReview(c)) {
      checklist.push(
        `${c.path} stays ${brief(c.from)} in ${target.workspace.name}${
          target.version !== undefined ? ` (as in v${target.version})` : ''
        }, while ${source.workspace.name} has ${brief(
          c.source,
        )}: check it is still right`,
      );
    }
    if (c.action === 'needs-input' && !c.path.startsWith('env.')) {
      blockers.push({
        code: FIELD_NEEDS_INPUT,
        path: c.path,
        message: `${c.path} needs a value for ${target.workspace.name} (${c.reason}); give it in inputs.values`,
      });
    }
    if (!c.path.startsWith('env.')) {
      continue;
    }
    const key = c.path.slice('env.'.length);
    if (c.action === 'needs-input') {
      blockers.push({
        code: ENV_NEEDS_INPUT,
        path: c.path,
        message: `${c.path} is new in ${source.workspace.name}: give its value for ${target.workspace.name}`,
      });
    } else if (c.action === 'remove') {
      warnings.push({
        code: 'env-removed',
        path: c.path,
        message: `${c.path} is gone from ${source.workspace.name} and will be removed from ${target.workspace.name}`,
      });
    } else if (c.action === 'overwrite') {
      const value = c.to as EnvValue;
      const concern = pointsElsewhere(value, source.workspace);
      if (concern) {
        warnings.push({
          code: 'env-points-elsewhere',
          path: c.path,
          message: `${c.path} ${concern}: check it is right for ${target.workspace.name}`,
        });
        checklist.push(
          `${c.path} ${concern}: point it at ${target.workspace.environment}'s own service`,
        );
      } else if (typeof value !== 'string') {
        checklist.push(referenceChecklistItem(key, value, target.workspace));
      } else if (draft.firstPromotion) {
        checklist.push(
          `${c.path} was copied from ${source.workspace.name}: check its value for ${target.workspace.name}`,
        );
      }
    }
  }
  if (draft.firstPromotion) {
    forEachField((name, entry) => {
      const value = draft.spec[name];
      const promotion = entry.promotion as FieldPromotion<typeof name>;
      if (value !== undefined && promotion.review) {
        checklist.push(
          promotion.review(value as never, source.workspace, target.workspace),
        );
      }
    });
  }
  const invalid = resultErrors(draft.spec, draft.changes, target.workspace);
  if (invalid.length) {
    blockers.push(invalidResult(invalid));
  }
  warnings.push(...specWarnings(draft.spec));
  blockers.push(...(findings.blockers ?? []));
  warnings.push(...(findings.warnings ?? []));
  return { blockers, warnings, checklist };
}

/**
 * Phase 3 of a plan: the hash over the decision (source and target
 * versions, spec hashes, rules, changes and issues, but not inputs), which
 * the execute call must echo. Pure.
 * @public
 */
export function promotionDecisionHash(
  draft: PromotionDraft,
  issues: Pick<PromotionPlan, 'blockers' | 'warnings'>,
): string {
  const { service, source, target, rules } = draft.input;
  return sha256Hex(
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
      spec: draft.spec,
      changes: draft.changes.map(c => [c.path, c.action]),
      blockers: issues.blockers
        .filter(b => b.code !== ENV_NEEDS_INPUT && b.code !== FIELD_NEEDS_INPUT)
        .map(b => [b.code, b.path ?? null]),
      warnings: issues.warnings.map(w => [w.code, w.path ?? null]),
    }),
  );
}

/**
 * What is wrong with a planned spec, apart from values still to be given:
 * those are checked as the source's value (the needs-input blocker already
 * says they are missing), so that one missing host does not hide the rest
 * of the ports from the checks across fields.
 */
function resultErrors(
  spec: ServiceSpec,
  changes: PlanChange[],
  target: Workspace,
  given: Set<string> = new Set(),
) {
  const open = changes.filter(
    c =>
      c.action === 'needs-input' &&
      !c.path.startsWith('env.') &&
      !given.has(c.path),
  );
  let checked = spec;
  if (open.length) {
    const holder = JSON.parse(JSON.stringify(spec));
    for (const c of open) {
      setAtPath(holder, c.path, c.source);
    }
    checked = holder;
  }
  const validation = parseSpec(checked, { labelPolicy: target.labelPolicy });
  return validation.success ? [] : validation.errors;
}

/** A kept target value the source disagrees with, of a field whose entry lists it (or a part the environment owns). */
function retainedWorthAReview(c: PlanChange): boolean {
  if (c.action !== 'retain' || c.from === undefined || c.source === undefined) {
    return false;
  }
  const field = /^[A-Za-z]+/.exec(c.path)?.[0] as keyof ServiceSpec;
  if (c.path !== field) {
    // A part the environment owns, such as a port's host.
    return (
      !c.path.startsWith('env.') &&
      !c.path.startsWith('labels.') &&
      !c.path.startsWith('annotations.')
    );
  }
  const promotion = SPEC_FIELDS[field]?.promotion as FieldPromotion | undefined;
  return !!promotion?.listRetained;
}

/** A value as a short text for the checklist. */
function brief(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Sets (or, for undefined, deletes) the value at a field path such as `ports[0].expose.host`. */
function setAtPath(
  root: Record<string, unknown>,
  path: string,
  value: unknown,
): void {
  const segments = [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map(
    ([, key, index]) => (index === undefined ? key : Number(index)),
  );
  let node: any = root;
  for (const segment of segments.slice(0, -1)) {
    if (typeof node?.[segment] !== 'object' || node[segment] === null) {
      return;
    }
    node = node[segment];
  }
  const last = segments[segments.length - 1];
  if (value === undefined) {
    delete node[last];
  } else {
    node[last] = value;
  }
}

/** Phases 2 and 3 on a draft: the plan without inputs. @public */
export function completePromotionPlan(
  draft: PromotionDraft,
  findings: PromotionFindings = {},
): PromotionPlan {
  const { service, source, target } = draft.input;
  const issues = promotionIssues(draft, findings);
  return {
    service,
    source: { workspace: source.workspace.name, version: source.version },
    target: {
      workspace: target.workspace.name,
      ...(target.version !== undefined ? { version: target.version } : {}),
    },
    firstPromotion: draft.firstPromotion,
    spec: draft.spec,
    changes: draft.changes,
    ...issues,
    planHash: promotionDecisionHash(draft, issues),
  };
}

/** Plans a promotion field by field (DESIGN §1): the target's next spec, each field classified, blockers, warnings, checklist and plan hash. @public */
export function planPromotion(input: PlanPromotionInput): PromotionPlan {
  const plan = completePromotionPlan(classifyPromotion(input), {
    blockers: input.extraBlockers,
    warnings: input.extraWarnings,
  });
  return input.inputs || input.inputBlockers
    ? applyPromotionInputs(plan, input.inputs ?? {}, {
        target: input.target.workspace,
        inputBlockers: input.inputBlockers,
      })
    : plan;
}

/**
 * Phase 4 of a plan: the given inputs applied, as a new plan (the given one
 * is left as it was). Inputs that answer a needs-input change resolve its
 * blocker; others are blockers themselves; `inputBlockers` are what the
 * caller found wrong with them (a missing Secret). The hash does not change.
 * @public
 */
export function applyPromotionInputs(
  plan: PromotionPlan,
  inputs: PromotionInputs,
  options: { target: Workspace; inputBlockers?: PlanIssue[] },
): PromotionPlan {
  const changes = plan.changes.map(c => ({ ...c }));
  const blockers = [...plan.blockers];
  const warnings = [...plan.warnings];
  const checklist = [...plan.checklist];
  const needsInput = new Set(
    changes
      .filter(c => c.action === 'needs-input' && c.path.startsWith('env.'))
      .map(c => c.path.slice('env.'.length)),
  );
  const given = inputs.env ?? {};
  const env: Record<string, EnvValue> = { ...plan.spec.env };
  const resolved = new Set<string>();
  for (const key of Object.keys(given).sort()) {
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
  let spec = plan.spec;
  const askedValues = new Set(
    changes
      .filter(c => c.action === 'needs-input' && !c.path.startsWith('env.'))
      .map(c => c.path),
  );
  const values = inputs.values ?? {};
  const resolvedValues = new Set<string>();
  for (const path of Object.keys(values).sort()) {
    if (!askedValues.has(path)) {
      blockers.push({
        code: 'unexpected-input',
        path,
        message: `${path} does not need input`,
      });
      continue;
    }
    resolvedValues.add(path);
  }
  if (resolvedValues.size > 0) {
    const holder = JSON.parse(JSON.stringify(spec));
    for (const path of resolvedValues) {
      setAtPath(holder, path, values[path]);
    }
    spec = holder;
    for (const c of changes) {
      if (c.action === 'needs-input' && resolvedValues.has(c.path)) {
        c.to = values[c.path];
      }
    }
    for (let i = blockers.length - 1; i >= 0; i--) {
      const blocker = blockers[i];
      if (
        blocker.code === FIELD_NEEDS_INPUT &&
        resolvedValues.has(blocker.path!)
      ) {
        blockers.splice(i, 1);
      }
    }
  }
  if (resolved.size > 0) {
    for (const c of changes) {
      const key = c.path.slice('env.'.length);
      if (
        c.action === 'needs-input' &&
        c.path.startsWith('env.') &&
        resolved.has(key)
      ) {
        c.to = env[key];
      }
    }
    for (let i = blockers.length - 1; i >= 0; i--) {
      const blocker = blockers[i];
      if (
        blocker.code === ENV_NEEDS_INPUT &&
        resolved.has(blocker.path!.slice('env.'.length))
      ) {
        blockers.splice(i, 1);
      }
    }
    const sortedEnv: Record<string, EnvValue> = {};
    for (const key of Object.keys(env).sort()) {
      sortedEnv[key] = env[key];
    }
    spec = { ...spec, env: sortedEnv };
  }
  if (resolved.size > 0 || resolvedValues.size > 0) {
    const invalid = resultErrors(spec, changes, options.target, resolvedValues);
    if (invalid.length) {
      if (!blockers.some(b => b.code === 'invalid-result')) {
        blockers.push(invalidResult(invalid));
      }
    } else {
      for (const key of resolved) {
        const value = env[key];
        if (typeof value !== 'string') {
          checklist.push(referenceChecklistItem(key, value, options.target));
        }
      }
    }
  }
  blockers.push(...(options.inputBlockers ?? []));
  return { ...plan, spec, changes, blockers, warnings, checklist };
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
  const { env, values, ...rest } = inputs as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) {
    fail(`inputs.${unknown[0]}: unknown field; use env or values`);
  }
  const checkedValues = validateInputValues(values, fail);
  if (env === undefined) {
    return checkedValues ? { values: checkedValues } : {};
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
  return {
    env: env as Record<string, EnvValue>,
    ...(checkedValues ? { values: checkedValues } : {}),
  };
}

/** `inputs.values`: field paths to non-blank strings (the only values asked for today are hosts). */
function validateInputValues(
  values: unknown,
  fail: (message: string) => never,
): Record<string, string> | undefined {
  if (values === undefined) {
    return undefined;
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    return fail(
      'inputs.values: must be an object of field paths (e.g. ports[0].expose.host) to values',
    );
  }
  const problems: string[] = [];
  for (const [path, value] of Object.entries(values)) {
    if (!/^[A-Za-z][A-Za-z0-9]*(\[\d+\]|\.[A-Za-z][A-Za-z0-9]*)*$/.test(path)) {
      problems.push(
        `inputs.values.${JSON.stringify(
          path,
        )}: must be a field path such as ports[0].expose.host`,
      );
    } else if (typeof value !== 'string') {
      problems.push(`inputs.values.${path}: must be a string`);
    } else if (value.trim() === '') {
      problems.push(
        `inputs.values.${path}: must not be blank; give the value it should have in the target`,
      );
    }
  }
  if (problems.length) {
    fail(problems.join('; '));
  }
  return values as Record<string, string>;
}
