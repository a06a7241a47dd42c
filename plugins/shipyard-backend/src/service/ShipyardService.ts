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
  diffSpecs,
  KubernetesObject,
  Lease,
  LiveState,
  PlanIssue,
  PromotableField,
  PromotionInputs,
  PromotionPlan,
  readShipyardAnnotations,
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
}

/** A rollback request. @public */
export interface RollbackRequest {
  reason?: string;
  expectedCurrentVersion?: number;
  wait?: boolean;
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
}

/** A service as the catalog describes it, with its workspaces from its annotations. */
interface ResolvedService extends ServiceContext {
  workspaces?: string[];
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
  ): Promise<{ service: string; items: ServiceWorkspaceState[] }> {
    const { store, workspaces } = this.deps;
    const service = await this.readable(entityRef, credentials);
    const names = service.workspaces ?? workspaces.list().map(w => w.name);
    const states = new Map((await store.getWorkspaceStates(service.entityRef)).map(s => [s.workspace, s]));
    const items: ServiceWorkspaceState[] = await Promise.all(
      names.map(async name => {
        const workspace = workspaces.get(name);
        const state = states.get(name);
        const item: ServiceWorkspaceState = { workspace, versionCount: 0 };
        if (!state) return item;
        // Usually the latest version is the current one: read it once then.
        const current = state.currentNumber
          ? await store.getVersion(service.entityRef, name, state.currentNumber)
          : undefined;
        const latest =
          state.latestNumber && state.latestNumber !== state.currentNumber
            ? await store.getVersion(service.entityRef, name, state.latestNumber)
            : current;
        if (current) item.currentVersion = current;
        if (latest) item.latestVersion = latest;
        item.versionCount = state.versionCount;
        if (state.drift) item.drift = state.drift;
        if (state.lease) item.lease = state.lease;
        return item;
      }),
    );
    return { service: service.entityRef, items };
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
    return this.deps.store.listVersions(service.entityRef, workspace.name, page);
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
    return { ...version, manifests };
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
    const blockers = await this.deps.promotions.preflight(workspace, spec.env);
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
    const to = await this.existingVersion(service, workspace, toVersion);
    return this.audited(
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
    options: { approvedRequest?: { id: string; requestedBy: string } } = {},
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
          wait: request.wait,
        }),
      result => versionMeta(result.version),
    );
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
      missing = await this.deps.promotions.preflight(workspace, spec.env);
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
    const annotations = readShipyardAnnotations(entity);
    return {
      // The catalog matches refs case-insensitively; keying everything on
      // the ref as the catalog spells it gives one history per service
      // however a caller spells it.
      entityRef: stringifyEntityRef(entity),
      name: annotations.serviceName,
      rules: annotations.rules,
      workspaces: annotations.workspaces,
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

function versionMeta(v: Version): JsonObject {
  return {
    version: v.number,
    status: v.status,
    specHash: v.specHash,
    origin: v.origin as unknown as JsonObject,
  };
}
