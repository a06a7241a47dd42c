import { ConflictError, InputError, ServiceUnavailableError } from '@backstage/errors';
import {
  diffSpecs,
  applyPromotionInputs,
  classifyPromotion,
  completePromotionPlan,
  PlanIssue,
  PromotableField,
  PromotionInputs,
  PromotionPlan,
  PromotionRulesOverride,
  resolvePromotionRules,
  RollbackPlan,
  ServiceSpec,
  specReferences,
  KubernetesObject,
  MANAGED_KINDS,
  renderManifests,
  Version,
  Workspace,
} from '@shipyard/backstage-plugin-common';
import { ClusterGateway, ObjectKeyReference, ReadinessNeeds } from '../cluster/ClusterGateway';
import { VersionStore } from '../database/VersionStore';
import { PromotionPolicy, rejectionMessage } from '../promotion/PromotionPolicy';
import { OperationTarget, VersionOperations } from './VersionOperations';

/** A service as the catalog describes it, resolved by the router. */
export interface ServiceContext {
  entityRef: string;
  name: string;
  rules?: PromotionRulesOverride;
}

/** The inputs of a plan, with the versions it was computed from. */
export interface ComputedPlan {
  plan: PromotionPlan;
  sourceVersion: Version;
  targetVersion?: Version;
}

/** The kinds `spec` renders in `workspace`, and the Ingress class it would use. */
function readinessNeeds(workspace: Workspace, spec: ServiceSpec): ReadinessNeeds {
  let rendered: KubernetesObject[];
  try {
    rendered = renderManifests({ entityRef: 'component:default/readiness', name: 'readiness', workspace, version: 1, spec });
  } catch {
    // A spec that cannot render is refused for that reason before anything is applied.
    return { kinds: [] };
  }
  const kinds = MANAGED_KINDS.filter(kind => rendered.some(o => o.kind === kind.kind));
  const ingress = rendered.find(o => o.kind === 'Ingress');
  return { kinds, ingressClassName: (ingress?.spec as { ingressClassName?: string } | undefined)?.ingressClassName };
}

/**
 * Promotion and rollback planning and execution. The planner itself is the
 * pure `planPromotion` of -common; this adds what only the backend knows:
 * the stored versions, drift, and what exists in the target namespace.
 */
export class PromotionOperations {
  constructor(
    private readonly deps: {
      store: VersionStore;
      versions: VersionOperations;
      policy: PromotionPolicy;
      installationRules?: PromotionRulesOverride;
      gateway?: ClusterGateway;
    },
  ) {}

  private async driftWarnings(service: string, workspace: Workspace): Promise<PlanIssue[]> {
    const state = await this.deps.store.getWorkspaceState(service, workspace.name);
    if (!state?.drift?.drifted) return [];
    const fields = state.drift.fields.map(f => f.path).join(', ');
    return [
      {
        code: 'target-drift',
        message: `The live objects in ${workspace.name} differ from v${state.currentNumber} (${fields}); those changes will be overwritten`,
      },
    ];
  }

  /**
   * Blockers for what keeps `workspace` from taking `spec`: the Secrets,
   * ConfigMaps (and their keys) and PersistentVolumeClaims it reads that the
   * namespace lacks, and, for a whole spec, the namespace itself, the rights
   * of Shipyard's credential on every kind it renders and the Ingress class.
   * A deploy checks the same.
   */
  async preflight(workspace: Workspace, spec: Partial<ServiceSpec>): Promise<PlanIssue[]> {
    const refs: ObjectKeyReference[] = specReferences(spec);
    const gateway = this.deps.gateway;
    if (!gateway || !workspace.cluster) return [];
    const target = { cluster: workspace.cluster, namespace: workspace.namespace };
    try {
      const [missing, problems] = await Promise.all([
        refs.length ? gateway.findMissingReferences(target, refs) : [],
        spec.image !== undefined && gateway.checkReadiness
          ? gateway.checkReadiness(target, readinessNeeds(workspace, spec as ServiceSpec))
          : [],
      ]);
      const readiness: PlanIssue[] = problems.map(p => ({ code: p.code, message: `${workspace.name}: ${p.message}` }));
      return [...readiness, ...missing.map(m => ({
        code: 'missing-reference',
        path: m.path,
        message:
          m.key === undefined
            ? `${m.path}: ${m.kind} ${m.name} in namespace ${workspace.namespace}: ${m.problem}`
            : `${m.kind} ${m.name} key '${m.key}' in namespace ${workspace.namespace}: ${m.problem}`,
      }))];
    } catch (error) {
      // Not a blocker: one baked into the plan hash would make the plan read
      // as stale once the cluster answers again. The caller retries instead.
      throw new ServiceUnavailableError(
        `Could not check Secret and ConfigMap references in ${workspace.name}; retry the plan: ${error instanceof Error ? error.message : error}`,
      );
    }
  }

  async plan(
    service: ServiceContext,
    source: Workspace,
    target: Workspace,
    options: { sourceVersion?: number; take?: PromotableField[]; inputs?: PromotionInputs } = {},
  ): Promise<ComputedPlan> {
    const { store } = this.deps;
    const sourceVersion =
      options.sourceVersion !== undefined
        ? await store.getVersion(service.entityRef, source.name, options.sourceVersion)
        : await store.getCurrentVersion(service.entityRef, source.name);
    if (!sourceVersion) {
      throw new InputError(
        options.sourceVersion !== undefined
          ? `sourceVersion: ${service.entityRef} has no v${options.sourceVersion} in ${source.name}`
          : `source: ${service.entityRef} has no current version in ${source.name} to promote`,
      );
    }
    const targetVersion = await store.getCurrentVersion(service.entityRef, target.name);
    const rules = resolvePromotionRules(this.deps.installationRules, service.rules);
    // Each phase of the pure planner runs once: classify, look up what the
    // classified spec references, then issues and hash, then the inputs.
    const draft = classifyPromotion({
      service: service.entityRef,
      source: { workspace: source, version: sourceVersion.number, spec: sourceVersion.spec },
      target: { workspace: target, version: targetVersion?.number, spec: targetVersion?.spec },
      rules,
      take: options.take,
    });
    let plan = completePromotionPlan(draft, {
      blockers: await this.preflight(target, draft.spec),
      warnings: await this.driftWarnings(service.entityRef, target),
    });
    if (options.inputs) {
      // Blockers about the inputs are not part of the hash: the plan the
      // user saw is the same plan, only the given values are wrong.
      plan = applyPromotionInputs(plan, options.inputs, {
        target,
        inputBlockers: await this.preflight(target, { env: options.inputs.env }),
      });
    }
    // Outside the plan hash: a soak time running out or a freeze ending
    // changes these without changing what the promotion would do.
    const policyBlockers = await this.deps.policy.blockers(service.entityRef, sourceVersion, target);
    if (policyBlockers.length) {
      plan = { ...plan, blockers: [...policyBlockers, ...plan.blockers] };
    }
    return { plan, sourceVersion, targetVersion };
  }

  /**
   * Re-plans, refuses a stale hash (409) or unresolved blockers, and deploys
   * the planned spec as a new version of the target.
   */
  async execute(
    service: ServiceContext,
    source: Workspace,
    target: Workspace,
    request: {
      planHash: string;
      sourceVersion?: number;
      take?: PromotableField[];
      inputs?: PromotionInputs;
      reason?: string;
      createdBy: string;
      wait?: boolean;
      /** `auto-promotion` when Shipyard promotes on its own. */
      origin?: 'promotion' | 'auto-promotion';
      /** The caller may and did override a freeze of the target (with a reason, audited). */
      overrideFreeze?: boolean;
    },
  ): Promise<{ version: Version; plan: PromotionPlan }> {
    const { plan, sourceVersion, targetVersion } = await this.plan(service, source, target, {
      sourceVersion: request.sourceVersion,
      take: request.take,
      inputs: request.inputs ?? {},
    });
    if (plan.planHash !== request.planHash) {
      throw new ConflictError(
        `planHash: the plan is stale; ${source.name} or ${target.name} changed since it was computed (now ${source.name} v${sourceVersion.number} -> ${target.name} ${targetVersion ? `v${targetVersion.number}` : 'empty'}); re-plan and review it again`,
      );
    }
    const blockers = request.overrideFreeze ? plan.blockers.filter(b => b.code !== 'freeze') : plan.blockers;
    if (blockers.length > 0) {
      const needsInput = blockers.filter(b => b.code === 'env-needs-input' || b.code === 'field-needs-input');
      const summary = blockers
        .map(b => (b.path && !b.message.startsWith(b.path) ? `${b.path}: ${b.message}` : b.message))
        .join('; ');
      if (needsInput.length === blockers.length) {
        throw new InputError(
          `${needsInput.some(b => b.code === 'field-needs-input') ? 'inputs.values' : 'inputs.env'}: the plan has unresolved blockers: ${summary}`,
        );
      }
      throw new ConflictError(`The plan has unresolved blockers: ${summary}`);
    }
    const operationTarget: OperationTarget = { entityRef: service.entityRef, name: service.name, workspace: target };
    const version = await this.deps.versions.createAndApply(
      operationTarget,
      {
        spec: plan.spec,
        origin: { type: request.origin ?? 'promotion', workspace: source.name, version: sourceVersion.number },
        createdBy: request.createdBy,
        message: request.reason,
        expectedCurrentVersion: targetVersion?.number ?? 0,
        checklist: plan.checklist,
      },
      { wait: request.wait },
    );
    return { version, plan };
  }

  /** What a rollback to `to` would change, and what to look out for. */
  async planRollback(service: ServiceContext, workspace: Workspace, to: Version): Promise<RollbackPlan> {
    const current = await this.deps.store.getCurrentVersion(service.entityRef, workspace.name);
    const warnings = await this.driftWarnings(service.entityRef, workspace);
    if (current?.number === to.number) {
      warnings.push({ code: 'already-current', message: `v${to.number} is already the current version` });
    }
    const [shown] = await this.deps.policy.withRejections(service.entityRef, [to]);
    if (shown.rejection) {
      warnings.push({
        code: 'rejected',
        message: `${rejectionMessage(to, shown.rejection)}; the rollback is refused until the rejection is lifted`,
      });
    }
    if (to.status === 'failed') {
      warnings.push({ code: 'target-failed', message: `v${to.number} failed when it was deployed: ${to.statusMessage ?? 'no reason recorded'}` });
    }
    return {
      service: service.entityRef,
      workspace: workspace.name,
      fromVersion: current?.number,
      toVersion: to.number,
      changes: diffSpecs(current?.spec, to.spec),
      warnings,
    };
  }
}
