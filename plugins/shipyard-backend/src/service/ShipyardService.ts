import { AuditorService, BackstageCredentials } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { ConflictError, InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult, ResourcePermission } from '@backstage/plugin-permission-common';
import { PermissionsService } from '@backstage/backend-plugin-api';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { JsonObject } from '@backstage/types';
import {
  entityRefToPath,
  checkSpecForWorkspace,
  DeployPreflight,
  FreezeOverride,
  diffSpecs,
  KubernetesObject,
  Lease,
  LiveState,
  PlanIssue,
  PromotableField,
  PromotionInputs,
  PromotionPlan,
  PromotionPath,
  readPromotionPath,
  readShipyardAnnotations,
  SHIPYARD_AUTO_PROMOTE_ANNOTATION,
  SHIPYARD_PROMOTION_ANNOTATION,
  renderManifests,
  RollbackPlan,
  ServiceSpec,
  ServiceWorkspaceState,
  shipyardLeaseReleasePermission,
  shipyardPromotionExecutePermission,
  shipyardProtectedWorkspacePermission,
  shipyardVersionDeployPermission,
  shipyardVersionReadPermission,
  shipyardVersionRollbackPermission,
  shipyardVersionRejectPermission,
  shipyardFreezeOverridePermission,
  AutoPromotionHold,
  specWarnings,
  SpecChange,
  validatePromotionInputs,
  Version,
  VersionAddress,
  VersionPage,
  Workspace,
} from '@shipyard/backstage-plugin-common';
import { Request } from 'express';
import { ClusterGateway } from '../cluster/ClusterGateway';
import { WorkspaceRegistry } from '../config/WorkspaceRegistry';
import { VersionStore } from '../database/VersionStore';
import { PromotionOperations, ServiceContext } from '../operations/PromotionOperations';
import { VersionOperations } from '../operations/VersionOperations';
import { assertPromotionStep, freezeMessage, PromotionPolicy } from '../promotion/PromotionPolicy';
import { PromotionPolicyStore } from '../promotion/PromotionPolicyStore';
import { actorOf, runAudited } from './auditing';

/**
 * Who calls, and how: every entry point (the router, registry actions,
 * scaffolder actions through the router) passes the caller's credentials;
 * the HTTP request, when there is one, lets the auditor record its details.
 * @public
 */
export interface ShipyardCallContext {
  credentials: BackstageCredentials;
  request?: Request;
}

/** Where a deploy comes from, recorded as the version's origin. @public */
export type DeployOrigin = 'deploy' | 'edit' | 'scaffolder' | 'cli' | 'assistant';

/** A deploy request. @public */
export interface DeployRequest {
  /** The spec as received; validated against the workspace's policy. */
  spec: unknown;
  message?: string;
  expectedCurrentVersion?: number;
  origin?: DeployOrigin;
  /** Take over objects of the service's name that Shipyard did not create (audited). */
  adopt?: boolean;
  /**
   * Deploy although Secret or ConfigMap keys the spec references are missing
   * in the workspace's namespace (they will be created later); otherwise that
   * is a ConflictError naming each, as a promotion's preflight blocks it.
   */
  allowMissingReferences?: boolean;
  /** Resolve once the rollout finished instead of once the objects are applied. */
  wait?: boolean;
  /** Deploy during a freeze of the workspace: needs `shipyard.freeze.override`; the reason is audited. */
  freezeOverride?: FreezeOverride;
}

/** A rollback request. @public */
export interface RollbackRequest {
  reason?: string;
  expectedCurrentVersion?: number;
  wait?: boolean;
  /** Reject the version rolled back away from (the current one) in the same step. */
  reject?: { reason: string };
}

/** A promotion plan request. @public */
export interface PlanPromotionRequest {
  source: string;
  target: string;
  sourceVersion?: number;
  /** Fields the rules keep in the target to take from the source after all; part of the plan and its hash. */
  take?: PromotableField[];
  /** Inputs to check with the plan: their blockers (a missing Secret) come back in it; the hash stays the same. */
  inputs?: PromotionInputs;
}

/** A promotion request: the plan's hash, and the inputs it needs. @public */
export interface PromoteRequest extends PlanPromotionRequest {
  planHash: string;
  inputs?: PromotionInputs;
  reason?: string;
  wait?: boolean;
  /** Promote during a freeze of the target: needs `shipyard.freeze.override`; the reason is audited. */
  freezeOverride?: FreezeOverride;
}

/** A service as the catalog describes it, with its workspaces from its annotations. */
interface ResolvedService extends ServiceContext {
  workspaces?: string[];
  /** From `shipyard/promotion` and `shipyard/auto-promote`, or the environments' tiers. */
  promotionPath: PromotionPath;
}

/**
 * Shipyard's operations as every entry point calls them, with the caller's
 * credentials: resolve the entity (keyed on the catalog's spelling of its
 * ref), check the workspace against its annotations, authorize (with the
 * protected-workspace permission where it applies), run the operation and
 * record the audit event. The router, the actions registry and anything
 * else stay thin.
 * @public
 */
export class ShipyardService {
  constructor(
    private readonly deps: {
      permissions: PermissionsService;
      auditor: AuditorService;
      catalog: CatalogService;
      store: VersionStore;
      workspaces: WorkspaceRegistry;
      versions: VersionOperations;
      promotions: PromotionOperations;
      policy: PromotionPolicy;
      policyStore: PromotionPolicyStore;
      gateway?: ClusterGateway;
    },
  ) {}

  /** The configured workspaces. */
  listWorkspaces(): Workspace[] {
    return this.deps.workspaces.list();
  }

  /** Per workspace of the service: current and latest version, count, drift, lease. */
  async getServiceWorkspaces(
    entityRef: string,
    { credentials }: ShipyardCallContext,
  ): Promise<{ service: string; items: ServiceWorkspaceState[]; promotionPath: PromotionPath }> {
    const { store, workspaces, policy, policyStore } = this.deps;
    const service = await this.readable(entityRef, credentials);
    const names = service.workspaces ?? workspaces.list().map(w => w.name);
    const [stateList, holds, attempts] = await Promise.all([
      store.getWorkspaceStates(service.entityRef),
      policyStore.getHolds(service.entityRef),
      policyStore.latestAutoPromotions(service.entityRef),
    ]);
    const states = new Map(stateList.filter(s => names.includes(s.workspace)).map(s => [s.workspace, s]));
    // Each workspace's current and latest version (usually the same one),
    // read in one round trip for all workspaces, so the cost of this page
    // does not grow with the number of workspaces.
    const heads = [...states.values()].flatMap(s =>
      [s.currentNumber, s.latestNumber]
        .filter((n, i, all): n is number => Boolean(n) && all.indexOf(n) === i)
        .map(number => ({ workspace: s.workspace, number })),
    );
    const shown = await policy.withRejections(service.entityRef, await store.getVersions(service.entityRef, heads));
    const versionOf = (workspace: string, number?: number) =>
      number ? shown.find(v => v.workspace === workspace && v.number === number) : undefined;
    const items: ServiceWorkspaceState[] = await Promise.all(
      names.map(async name => {
        const workspace = workspaces.get(name);
        const state = states.get(name);
        const item: ServiceWorkspaceState = { workspace, versionCount: 0 };
        const hold = holds.get(name);
        const freeze = await policy.freezeOf(workspace);
        const autoPromotion = attempts.get(name);
        if (hold) item.hold = hold;
        if (freeze) item.freeze = freeze;
        if (autoPromotion) item.autoPromotion = autoPromotion;
        if (!state) return item;
        const current = versionOf(name, state.currentNumber);
        const latest = versionOf(name, state.latestNumber);
        if (current) item.currentVersion = current;
        if (latest) item.latestVersion = latest;
        item.versionCount = state.versionCount;
        if (state.drift) item.drift = state.drift;
        if (state.lease) item.lease = state.lease;
        return item;
      }),
    );
    return { service: service.entityRef, items, promotionPath: service.promotionPath };
  }

  /** History, newest first, paged. */
  async listVersions(
    entityRef: string,
    workspaceName: string,
    page: { limit: number; cursor?: string },
    { credentials }: ShipyardCallContext,
  ): Promise<VersionPage> {
    const service = await this.readable(entityRef, credentials);
    const workspace = this.workspaceOf(service, workspaceName);
    const result = await this.deps.store.listVersions(service.entityRef, workspace.name, page);
    return { ...result, items: await this.deps.policy.withRejections(service.entityRef, result.items) };
  }

  /** One version with its spec and rendered manifests. */
  async getVersion(
    entityRef: string,
    workspaceName: string,
    number: number,
    { credentials }: ShipyardCallContext,
  ): Promise<Version & { manifests: KubernetesObject[] }> {
    const service = await this.readable(entityRef, credentials);
    const workspace = this.workspaceOf(service, workspaceName);
    const version = await this.existingVersion(service, workspace, number);
    const manifests = renderManifests({
      entityRef: service.entityRef,
      name: service.name,
      workspace,
      version: number,
      spec: version.spec,
    });
    const [shown] = await this.deps.policy.withRejections(service.entityRef, [version]);
    return { ...shown, manifests };
  }

  /** What a rollback to `number` would change, and what to look out for. */
  async getRollbackPlan(
    entityRef: string,
    workspaceName: string,
    number: number,
    { credentials }: ShipyardCallContext,
  ): Promise<RollbackPlan> {
    const service = await this.readable(entityRef, credentials);
    const workspace = this.workspaceOf(service, workspaceName);
    const to = await this.existingVersion(service, workspace, number);
    return this.deps.promotions.planRollback(service, workspace, to);
  }

  /** The structured diff of any two versions, across workspaces too. */
  async diff(
    entityRef: string,
    from: VersionAddress,
    to: VersionAddress,
    { credentials }: ShipyardCallContext,
  ): Promise<{ from: VersionAddress; to: VersionAddress; changes: SpecChange[] }> {
    const service = await this.readable(entityRef, credentials);
    const [a, b] = await Promise.all(
      [from, to].map(async (address, i) => {
        const field = i === 0 ? 'from' : 'to';
        const workspace = this.workspaceOf(service, address.workspace, field);
        const version = await this.deps.store.getVersion(service.entityRef, workspace.name, address.version);
        if (!version) {
          throw new NotFoundError(`${field}: ${service.entityRef} has no v${address.version} in ${workspace.name}`);
        }
        return version;
      }),
    );
    return { from, to, changes: diffSpecs(a.spec, b.spec) };
  }

  /** The promotion plan from `source` to `target`; read-only. */
  async planPromotion(
    entityRef: string,
    request: PlanPromotionRequest,
    { credentials }: ShipyardCallContext,
  ): Promise<PromotionPlan> {
    const service = await this.readable(entityRef, credentials);
    const { source, target } = this.promotionWorkspaces(service, request);
    const inputs = request.inputs === undefined ? undefined : validatePromotionInputs(request.inputs);
    const { plan } = await this.deps.promotions.plan(service, source, target, {
      sourceVersion: request.sourceVersion,
      take: request.take,
      inputs,
    });
    return plan;
  }

  /** Live objects, rollout progress and drift; reads only. */
  async getLive(
    entityRef: string,
    workspaceName: string,
    { credentials }: ShipyardCallContext,
  ): Promise<LiveState & { message?: string }> {
    const { store, gateway } = this.deps;
    const service = await this.readable(entityRef, credentials);
    const workspace = this.workspaceOf(service, workspaceName);
    const current = await store.getCurrentVersion(service.entityRef, workspace.name);
    const live: LiveState = { workspace: workspace.name, currentVersion: current?.number, objects: [] };
    if (!gateway || !workspace.cluster) {
      return { ...live, message: `Workspace '${workspace.name}' has no cluster configured` };
    }
    const expected = current
      ? renderManifests({
          entityRef: service.entityRef,
          name: service.name,
          workspace,
          version: current.number,
          spec: current.spec,
        })
      : [];
    const observed = await gateway.getLive(
      { cluster: workspace.cluster, namespace: workspace.namespace, name: service.name },
      expected,
    );
    return { ...live, ...observed };
  }

  /** What a deploy of `spec` would meet, without storing anything: missing references, warnings. */
  async preflightDeploy(
    entityRef: string,
    workspaceName: string,
    request: { spec: unknown },
    { credentials }: ShipyardCallContext,
  ): Promise<DeployPreflight> {
    const service = await this.readable(entityRef, credentials);
    const workspace = this.workspaceOf(service, workspaceName);
    const spec = checkSpecForWorkspace(request.spec, workspace);
    const blockers = await this.deps.promotions.preflight(workspace, spec);
    return { blockers, warnings: specWarnings(spec) };
  }

  /** Deploys a spec as the next version; `warnings` when the spec has any. */
  async deploy(
    entityRef: string,
    workspaceName: string,
    request: DeployRequest,
    context: ShipyardCallContext,
  ): Promise<Version & { warnings?: PlanIssue[] }> {
    const service = await this.resolve(entityRef, context.credentials);
    const workspace = this.workspaceOf(service, workspaceName);
    const spec = checkSpecForWorkspace(request.spec, workspace);
    await this.authorize(shipyardVersionDeployPermission, service.entityRef, context.credentials, workspace);
    await this.passFreeze(service, workspace, request.freezeOverride, context, 'deploy');
    if (!request.allowMissingReferences) await this.assertReferencesExist(workspace, spec);
    const originType = request.origin ?? 'deploy';
    const version = await this.audited(
      context,
      'version-deploy',
      {
        service: service.entityRef,
        workspace: workspace.name,
        origin: originType,
        message: request.message ?? null,
        adopt: request.adopt === true,
        allowMissingReferences: request.allowMissingReferences === true,
      },
      () =>
        this.deps.versions.createAndApply(
          { entityRef: service.entityRef, name: service.name, workspace },
          {
            spec,
            origin: { type: originType },
            createdBy: actorOf(context.credentials),
            message: request.message,
            expectedCurrentVersion: request.expectedCurrentVersion,
            adopt: request.adopt === true,
          },
          { wait: request.wait },
        ),
      versionMeta,
    );
    await this.liftHoldAfter(service, workspace, context, `v${version.number} deployed by hand`);
    // Deployed all the same: e.g. a literal value in an env var named like a secret.
    const warnings = specWarnings(spec);
    return warnings.length ? { ...version, warnings } : version;
  }

  /** A new version with the spec of version `toVersion`. */
  async rollback(
    entityRef: string,
    workspaceName: string,
    toVersion: number,
    request: RollbackRequest,
    context: ShipyardCallContext,
  ): Promise<Version> {
    const service = await this.resolve(entityRef, context.credentials);
    const workspace = this.workspaceOf(service, workspaceName);
    await this.authorize(shipyardVersionRollbackPermission, service.entityRef, context.credentials, workspace);
    const rejectReason = request.reject === undefined ? undefined : requiredReason(request.reject?.reason, 'reject.reason');
    if (rejectReason !== undefined) {
      await this.authorize(shipyardVersionRejectPermission, service.entityRef, context.credentials);
    }
    const to = await this.existingVersion(service, workspace, toVersion);
    await this.deps.policy.assertNotRejected(service.entityRef, to, 'version');
    const from = await this.deps.store.getCurrentVersion(service.entityRef, workspace.name);
    const version = await this.audited(
      context,
      'version-rollback',
      { service: service.entityRef, workspace: workspace.name, rollbackTo: to.number, reason: request.reason ?? null },
      () =>
        this.deps.versions.createAndApply(
          { entityRef: service.entityRef, name: service.name, workspace },
          {
            spec: to.spec,
            origin: { type: 'rollback', version: to.number },
            createdBy: actorOf(context.credentials),
            message: request.reason,
            expectedCurrentVersion: request.expectedCurrentVersion,
          },
          { wait: request.wait },
        ),
      versionMeta,
    );
    // The version rolled back away from, rejected in the same step when asked
    // (unless it already is: the rollback itself has happened either way).
    if (rejectReason !== undefined && from && from.number !== to.number) {
      const [current] = await this.deps.policy.withRejections(service.entityRef, [from]);
      if (!current.rejection) await this.rejectVersion(service, workspace, from, rejectReason, context);
    }
    await this.audited(
      context,
      'auto-promotion-hold-placed',
      { service: service.entityRef, workspace: workspace.name, version: version.number },
      () =>
        this.deps.policyStore.placeHold(service.entityRef, workspace.name, {
          by: actorOf(context.credentials),
          reason: request.reason?.trim() ? `rollback to v${to.number}: ${request.reason.trim()}` : `rollback to v${to.number}`,
          version: version.number,
        }),
      hold => ({ hold: hold as unknown as JsonObject }),
    );
    return version;
  }

  /** Marks a version bad: it, and every version with its spec, is no longer promoted or rolled back to. */
  async reject(
    entityRef: string,
    workspaceName: string,
    number: number,
    request: { reason?: string },
    context: ShipyardCallContext,
  ): Promise<Version> {
    const service = await this.resolve(entityRef, context.credentials);
    const workspace = this.workspaceOf(service, workspaceName);
    const reason = requiredReason(request.reason, 'reason');
    await this.authorize(shipyardVersionRejectPermission, service.entityRef, context.credentials);
    const version = await this.existingVersion(service, workspace, number);
    await this.rejectVersion(service, workspace, version, reason, context);
    const [shown] = await this.deps.policy.withRejections(service.entityRef, [version]);
    return shown;
  }

  /** Lifts a version's rejection; NotFoundError when it has none of its own. */
  async unreject(entityRef: string, workspaceName: string, number: number, context: ShipyardCallContext): Promise<Version> {
    const service = await this.resolve(entityRef, context.credentials);
    const workspace = this.workspaceOf(service, workspaceName);
    await this.authorize(shipyardVersionRejectPermission, service.entityRef, context.credentials);
    const version = await this.existingVersion(service, workspace, number);
    const [before] = await this.deps.policy.withRejections(service.entityRef, [version]);
    await this.audited(
      context,
      'version-unreject',
      { service: service.entityRef, workspace: workspace.name, version: number, specHash: version.specHash },
      async () => {
        const lifted = await this.deps.policyStore.unreject({ service: service.entityRef, workspace: workspace.name, version: number });
        if (!lifted) {
          throw new NotFoundError(
            before.rejection
              ? `rejection: ${workspace.name} v${number} is rejected as ${before.rejection.workspace} v${before.rejection.version} (same spec); lift it there`
              : `rejection: ${workspace.name} v${number} is not rejected`,
          );
        }
        return lifted;
      },
      rejection => ({ lifted: rejection as unknown as JsonObject }),
    );
    const [shown] = await this.deps.policy.withRejections(service.entityRef, [version]);
    return shown;
  }

  /**
   * Ticks an item of the checklist of the promotion that created a version
   * off, or opens it again; whoever may promote into the workspace may.
   */
  async updateChecklistItem(
    entityRef: string,
    workspaceName: string,
    number: number,
    itemId: number,
    request: { done?: unknown },
    context: ShipyardCallContext,
  ): Promise<Version> {
    const service = await this.resolve(entityRef, context.credentials);
    const workspace = this.workspaceOf(service, workspaceName);
    if (typeof request.done !== 'boolean') {
      throw new InputError('done: expected true (ticked off) or false (open again)');
    }
    await this.authorize(shipyardPromotionExecutePermission, service.entityRef, context.credentials, workspace);
    const version = await this.existingVersion(service, workspace, number);
    const by = actorOf(context.credentials);
    await this.audited(
      context,
      'checklist-item-update',
      { service: service.entityRef, workspace: workspace.name, version: number, item: itemId, done: request.done },
      async () => {
        const item = await this.deps.store.setChecklistItemDone(
          service.entityRef,
          workspace.name,
          number,
          itemId,
          request.done ? { by, at: new Date() } : undefined,
        );
        if (!item) {
          throw new NotFoundError(
            `item: ${workspace.name} v${number} has ${version.checklist?.length ? `checklist items 1 to ${version.checklist.length}` : 'no checklist'}, not ${itemId}`,
          );
        }
        return item;
      },
      item => ({ text: item.text }),
    );
    const updated = await this.existingVersion(service, workspace, number);
    const [shown] = await this.deps.policy.withRejections(service.entityRef, [updated]);
    return shown;
  }

  /** The hold a rollback placed on automatic promotion into the workspace; NotFoundError when none. */
  async getHold(entityRef: string, workspaceName: string, { credentials }: ShipyardCallContext): Promise<AutoPromotionHold> {
    const service = await this.readable(entityRef, credentials);
    const workspace = this.workspaceOf(service, workspaceName);
    const hold = (await this.deps.policyStore.getHolds(service.entityRef)).get(workspace.name);
    if (!hold) throw new NotFoundError(`hold: ${service.entityRef} has no hold on automatic promotion into ${workspace.name}`);
    return hold;
  }

  /** Lifts the hold, so automatic promotion into the workspace resumes; NotFoundError when none. */
  async liftHold(entityRef: string, workspaceName: string, context: ShipyardCallContext): Promise<AutoPromotionHold> {
    const service = await this.resolve(entityRef, context.credentials);
    const workspace = this.workspaceOf(service, workspaceName);
    await this.authorize(shipyardPromotionExecutePermission, service.entityRef, context.credentials, workspace);
    const lifted = await this.liftHoldAfter(service, workspace, context, 'lifted by hand');
    if (!lifted) throw new NotFoundError(`hold: ${service.entityRef} has no hold on automatic promotion into ${workspace.name}`);
    return lifted;
  }

  private async rejectVersion(
    service: ResolvedService,
    workspace: Workspace,
    version: Version,
    reason: string,
    context: ShipyardCallContext,
  ) {
    await this.audited(
      context,
      'version-reject',
      { service: service.entityRef, workspace: workspace.name, version: version.number, specHash: version.specHash, reason },
      () =>
        this.deps.policyStore.reject(
          { service: service.entityRef, workspace: workspace.name, version: version.number, specHash: version.specHash },
          { by: actorOf(context.credentials), reason },
        ),
      rejection => ({ rejection: rejection as unknown as JsonObject }),
    );
  }

  /**
   * A deploy or promotion into a frozen workspace: a ConflictError naming
   * the window and its end, unless the caller may override freezes and says
   * why (audited). Returns whether a freeze was overridden.
   */
  private async passFreeze(
    service: ResolvedService,
    workspace: Workspace,
    override: FreezeOverride | undefined,
    context: ShipyardCallContext,
    operation: string,
  ): Promise<boolean> {
    const freeze = await this.deps.policy.freezeOf(workspace);
    if (!freeze) return false;
    if (override === undefined) {
      throw new ConflictError(
        `${freezeMessage(workspace, freeze)}; a ${operation} needs freezeOverride: { reason } and shipyard.freeze.override`,
      );
    }
    const reason = requiredReason(override?.reason, 'freezeOverride.reason');
    await this.audited(
      context,
      'freeze-override',
      { service: service.entityRef, workspace: workspace.name, operation, freeze: freeze as unknown as JsonObject, reason },
      () => this.authorize(shipyardFreezeOverridePermission, service.entityRef, context.credentials, workspace),
      () => ({}),
    );
    return true;
  }

  /** A manual change into a workspace lifts the hold on automatic promotion into it (audited). */
  private async liftHoldAfter(service: ResolvedService, workspace: Workspace, context: ShipyardCallContext, why: string) {
    const holds = await this.deps.policyStore.getHolds(service.entityRef);
    if (!holds.has(workspace.name)) return undefined;
    return this.audited(
      context,
      'auto-promotion-hold-lifted',
      { service: service.entityRef, workspace: workspace.name, why },
      () => this.deps.policyStore.liftHold(service.entityRef, workspace.name),
      hold => ({ lifted: (hold ?? null) as unknown as JsonObject }),
    );
  }

  /**
   * Executes the plan whose hash the caller saw: a new version in the target.
   * A target with `approval.required` takes only an approved request's
   * promotion (`options.approvedRequest`, from PromotionRequests), whose
   * requester was authorized when asking.
   */
  async promote(
    entityRef: string,
    request: PromoteRequest,
    context: ShipyardCallContext,
    options: {
      approvedRequest?: { id: string; requestedBy: string; origin?: 'promotion' | 'auto-promotion' };
    } = {},
  ): Promise<Version> {
    const service = await this.resolve(entityRef, context.credentials);
    const { source, target } = this.promotionWorkspaces(service, request);
    const { approvedRequest } = options;
    if (!approvedRequest) {
      await this.authorize(shipyardPromotionExecutePermission, service.entityRef, context.credentials, target);
      const required = target.approval?.required ?? 0;
      if (required > 0) {
        throw new NotAllowedError(
          `target: promotions into '${target.name}' need ${required} approval${required === 1 ? '' : 's'}; request one with POST /api/shipyard/services/${entityRefToPath(service.entityRef)}/promotions/requests { source, target, planHash, inputs?, reason? } and it runs once approved`,
        );
      }
    }
    // A freeze without an override is left to the plan's blocker, which says the same.
    const overrideFreeze =
      request.freezeOverride !== undefined &&
      (await this.passFreeze(service, target, request.freezeOverride, context, 'promotion'));
    // Names of Secrets and ConfigMaps are checked before the preflight asks the cluster about them.
    const inputs = request.inputs === undefined ? undefined : validatePromotionInputs(request.inputs);
    const { version } = await this.audited(
      context,
      'promotion-execute',
      {
        service: service.entityRef,
        source: source.name,
        target: target.name,
        planHash: request.planHash,
        take: request.take ?? [],
        protectedTarget: target.protected,
        // Only the names of given inputs: their values may be secrets.
        inputKeys: Object.keys(inputs?.env ?? {}),
        reason: request.reason ?? null,
        promotionRequest: approvedRequest?.id ?? null,
      },
      () =>
        this.deps.promotions.execute(service, source, target, {
          planHash: request.planHash,
          sourceVersion: request.sourceVersion,
          take: request.take,
          inputs,
          reason: request.reason,
          createdBy: approvedRequest?.requestedBy ?? actorOf(context.credentials),
          origin: approvedRequest?.origin,
          wait: request.wait,
          overrideFreeze,
        }),
      result => versionMeta(result.version),
    );
    if (approvedRequest?.origin !== 'auto-promotion') {
      await this.liftHoldAfter(service, target, context, `v${version.number} promoted by hand from ${source.name}`);
    }
    return version;
  }

  /**
   * For a promotion request: the service's ref as the catalog spells it, the
   * target workspace and the current plan with `inputs` checked, once the
   * caller may execute the promotion.
   */
  async checkPromotion(
    entityRef: string,
    request: PlanPromotionRequest,
    context: ShipyardCallContext,
  ): Promise<{ service: string; target: Workspace; plan: PromotionPlan }> {
    const service = await this.resolve(entityRef, context.credentials);
    const { source, target } = this.promotionWorkspaces(service, request);
    await this.authorize(shipyardPromotionExecutePermission, service.entityRef, context.credentials, target);
    const inputs = request.inputs === undefined ? {} : validatePromotionInputs(request.inputs);
    const { plan } = await this.deps.promotions.plan(service, source, target, {
      sourceVersion: request.sourceVersion,
      take: request.take,
      inputs,
    });
    return { service: service.entityRef, target, plan };
  }

  /** The service's ref as the catalog spells it, once `permission` (read by default) is allowed on it. */
  async authorizeService(
    entityRef: string,
    context: ShipyardCallContext,
    permission: ResourcePermission<'catalog-entity'> = shipyardVersionReadPermission,
  ): Promise<string> {
    const service = await this.resolve(entityRef, context.credentials);
    await this.authorize(permission, service.entityRef, context.credentials);
    return service.entityRef;
  }

  /** Of `entityRefs` (as the catalog spells them), those whose versions the caller may read. */
  async readableServices(entityRefs: string[], { credentials }: ShipyardCallContext): Promise<Set<string>> {
    const refs = [...new Set(entityRefs)];
    if (!refs.length) return new Set();
    const decisions = await this.deps.permissions.authorize(
      refs.map(resourceRef => ({ permission: shipyardVersionReadPermission, resourceRef })),
      { credentials },
    );
    return new Set(refs.filter((_, i) => decisions[i].result === AuthorizeResult.ALLOW));
  }

  /** Force-releases the operation lease of a workspace; NotFoundError when none is held. */
  async releaseLease(entityRef: string, workspaceName: string, context: ShipyardCallContext): Promise<Lease> {
    const service = await this.resolve(entityRef, context.credentials);
    const workspace = this.workspaceOf(service, workspaceName);
    await this.authorize(shipyardLeaseReleasePermission, service.entityRef, context.credentials, workspace);
    const released = await this.audited(
      context,
      'lease-force-release',
      { service: service.entityRef, workspace: workspace.name },
      () => this.deps.store.releaseLease(service.entityRef, workspace.name),
      lease => ({ released: lease ? (lease as unknown as JsonObject) : null }),
    );
    if (!released) {
      throw new NotFoundError(`lease: ${service.entityRef} in ${workspace.name} holds no lease`);
    }
    return released;
  }

  /**
   * The promotion preflight for a deploy: every Secret and ConfigMap key the
   * spec's env references must exist in the namespace. When the cluster
   * cannot be asked, the deploy goes on, and the apply records what it finds.
   */
  private async assertReferencesExist(workspace: Workspace, spec: ServiceSpec) {
    let missing: PlanIssue[];
    try {
      missing = await this.deps.promotions.preflight(workspace, spec);
    } catch {
      return;
    }
    if (missing.length) {
      throw new ConflictError(
        `missing references: ${missing.map(m => `${m.path}: ${m.message}`).join('; ')}; create them first, or deploy anyway with allowMissingReferences: true`,
      );
    }
  }

  private async resolve(entityRef: string, credentials: BackstageCredentials): Promise<ResolvedService> {
    const entity = await this.deps.catalog.getEntityByRef(entityRef, { credentials });
    if (!entity) {
      throw new NotFoundError(`service: no catalog entity ${entityRef}`);
    }
    // A malformed promotion path is reported with the service (GET …/workspaces)
    // and refuses promotions only, instead of failing every route.
    const { [SHIPYARD_PROMOTION_ANNOTATION]: _path, [SHIPYARD_AUTO_PROMOTE_ANNOTATION]: _auto, ...others } =
      entity.metadata.annotations ?? {};
    const annotations = readShipyardAnnotations({ metadata: { ...entity.metadata, annotations: others } });
    const configured = this.deps.workspaces.list();
    const own = annotations.workspaces
      ? configured.filter(w => annotations.workspaces!.includes(w.name))
      : configured;
    return {
      // The catalog matches refs case-insensitively; keying everything on
      // the ref as the catalog spells it gives one history per service
      // however a caller spells it.
      entityRef: stringifyEntityRef(entity),
      name: annotations.serviceName,
      rules: annotations.rules,
      workspaces: annotations.workspaces,
      promotionPath: readPromotionPath(entity.metadata.annotations, own),
    };
  }

  private async readable(entityRef: string, credentials: BackstageCredentials): Promise<ResolvedService> {
    const service = await this.resolve(entityRef, credentials);
    await this.authorize(shipyardVersionReadPermission, service.entityRef, credentials);
    return service;
  }

  private workspaceOf(service: ResolvedService, name: string, field = 'workspace'): Workspace {
    const workspace = this.deps.workspaces.get(name);
    if (service.workspaces && !service.workspaces.includes(name)) {
      throw new InputError(
        `${field}: '${name}' is not one of ${service.entityRef}'s workspaces (shipyard/workspaces: ${service.workspaces.join(', ')})`,
      );
    }
    return workspace;
  }

  private promotionWorkspaces(service: ResolvedService, request: { source: string; target: string }) {
    const source = this.workspaceOf(service, request.source, 'source');
    const target = this.workspaceOf(service, request.target, 'target');
    assertPromotionStep(service.promotionPath, source.name, target.name);
    return { source, target };
  }

  private async existingVersion(service: ResolvedService, workspace: Workspace, number: number): Promise<Version> {
    const version = await this.deps.store.getVersion(service.entityRef, workspace.name, number);
    if (!version) {
      throw new NotFoundError(`version: ${service.entityRef} has no v${number} in ${workspace.name}`);
    }
    return version;
  }

  /** The operation's permission, and for a protected workspace also the protected-workspace one. */
  private async authorize(
    permission: ResourcePermission<'catalog-entity'>,
    entityRef: string,
    credentials: BackstageCredentials,
    workspace?: Workspace,
  ) {
    const wanted = workspace?.protected ? [permission, shipyardProtectedWorkspacePermission] : [permission];
    const decisions = await this.deps.permissions.authorize(
      wanted.map(p => ({ permission: p, resourceRef: entityRef })),
      { credentials },
    );
    const denied = wanted.find((_, i) => decisions[i].result !== AuthorizeResult.ALLOW);
    if (denied) {
      throw new NotAllowedError(
        `${denied.name} is not allowed on ${entityRef}${workspace && denied !== permission ? ` (workspace '${workspace.name}' is protected)` : ''}`,
      );
    }
  }

  /** Runs a mutation inside an audit event; the event never carries a spec, so no value leaks into it. */
  private async audited<T>(
    context: ShipyardCallContext,
    eventId: string,
    meta: JsonObject,
    run: () => Promise<T>,
    resultMeta: (result: T) => JsonObject,
  ): Promise<T> {
    return runAudited(this.deps.auditor, context, eventId, meta, run, resultMeta);
  }
}

/** A reason the caller must give: trimmed, non-empty, or an InputError naming the field. */
function requiredReason(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InputError(`${field}: say why (a non-empty reason)`);
  }
  return value.trim();
}

function versionMeta(v: Version): JsonObject {
  return {
    version: v.number,
    status: v.status,
    specHash: v.specHash,
    origin: v.origin as unknown as JsonObject,
  };
}
