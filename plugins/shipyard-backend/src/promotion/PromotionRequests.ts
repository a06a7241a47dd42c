import { AuditorService, BackstageCredentials, LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ConflictError, InputError, NotAllowedError, NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import {
  entityRefToPath,
  PromotionPlan,
  PromotionRequest,
  PromotionRequestCreate,
  PromotionRequestDecision,
  PromotionRequestStatus,
  shipyardPromotionApprovePermission,
  shipyardPromotionExecutePermission,
  Version,
} from '@shipyard/backstage-plugin-common';
import { PromotionRequestStore, StoredPromotionRequest } from '../database/PromotionRequestStore';
import { ShipyardNotifier } from '../notifications/ShipyardNotifier';
import { VersionEvents } from '../operations/VersionEvents';
import { AUTO_PROMOTION_ACTOR } from './AutoPromoter';
import { actorOf, runAudited } from '../service/auditing';
import { ShipyardCallContext, ShipyardService } from '../service/ShipyardService';

/**
 * When an approved request runs: as soon as the last needed approval comes
 * (`on-approval`, the default), or when its requester executes it
 * (`by-requester`). Config: `shipyard.approval.execute`.
 * @public
 */
export type PromotionRequestExecution = 'on-approval' | 'by-requester';

/** `shipyard.approval.execute`, checked at start-up. @public */
export function readPromotionRequestExecution(config: Config): PromotionRequestExecution {
  const value = config.getOptionalString('shipyard.approval.execute') ?? 'on-approval';
  if (value !== 'on-approval' && value !== 'by-requester') {
    throw new InputError(`shipyard.approval.execute: '${value}' is not one of on-approval, by-requester`);
  }
  return value;
}

/** A claim on an execution older than this is taken to belong to a dead backend. */
const EXECUTION_CLAIM_EXPIRY_MS = 10 * 60 * 1000;
const OPEN: PromotionRequestStatus[] = ['pending', 'approved'];
/** Requests read at a time when a cross-service list is filtered by what the caller may read. */
const LIST_BATCH = 100;
const DEFAULT_LIST_LIMIT = 100;
/** Refusals that pass: a busy workspace (LeaseManager), a freeze window that began meanwhile. */
const RETRYABLE = / is busy: |\bfreeze\b|\bfrozen\b/i;
/**
 * Blockers that pass with time (the source's soak time, a freeze window of
 * the target): a request may wait for approvals meanwhile, and an approved
 * one waits for them before it runs.
 */
const PASSING_BLOCKERS = new Set(['soak', 'freeze']);
const MOVES_CURRENT = new Set(['progressing', 'recorded', 'succeeded']);

/** The request as the API shows it: input names only, never their values. */
function publicView(request: StoredPromotionRequest): PromotionRequest {
  const { inputs: _inputs, ...view } = request;
  return view;
}

/** The blockers of a plan (with the request's inputs) that `select` picks, as one message; undefined when none. */
function blockerSummary(plan: PromotionPlan, select: (code: string) => boolean): string | undefined {
  const blockers = plan.blockers.filter(b => select(b.code));
  if (!blockers.length) return undefined;
  return blockers
    .map(b => (b.path && !b.message.startsWith(b.path) ? `${b.path}: ${b.message}` : b.message))
    .join('; ');
}

/**
 * Promotions into workspaces with `approval: { required: N }`: a request
 * bound to the plan hash the requester saw, approvals by N other users
 * holding `shipyard.promotion.approve`, and the promotion run as the
 * requester once approved. Before an approval counts and before the
 * promotion runs the plan is made again; a different hash makes the request
 * `stale`. Every act is audited (`promotion-request`,
 * `promotion-request-approve`, `-decline`, `-stale`, `-execute`).
 * @public
 */
export class PromotionRequests {
  constructor(
    private readonly deps: {
      store: PromotionRequestStore;
      service: ShipyardService;
      auditor: AuditorService;
      logger: LoggerService;
      execution?: PromotionRequestExecution;
      notifier?: ShipyardNotifier;
    },
  ) {}

  private get execution(): PromotionRequestExecution {
    return this.deps.execution ?? 'on-approval';
  }

  /**
   * POST `/services/{ref}/promotions/requests`: checks that the caller may
   * promote, that the target needs approvals, that `planHash` is the current
   * plan's and that the inputs resolve its blockers, then stores a pending
   * request and notifies the service's owners.
   *
   * Auto-promotion calls this with its own service credentials and
   * `{ origin: 'auto-promotion' }`: an open request for the same plan is then
   * returned instead of a second one, so replicas racing on one success open
   * one request, and it runs on approval whatever `shipyard.approval.execute`
   * says (there is no requester to run it).
   */
  async request(
    entityRef: string,
    body: PromotionRequestCreate,
    context: ShipyardCallContext,
    options: { origin?: 'promotion' | 'auto-promotion' } = {},
  ): Promise<PromotionRequest> {
    const { service: ref, target, plan } = await this.deps.service.checkPromotion(entityRef, body, context);
    const required = target.approval?.required ?? 0;
    if (required < 1) {
      throw new InputError(
        `target: '${target.name}' needs no approval; promote directly with POST /api/shipyard/services/${entityRefToPath(ref)}/promotions`,
      );
    }
    if (plan.planHash !== body.planHash) {
      throw new ConflictError(
        `planHash: the plan is stale; ${body.source} or ${body.target} changed since it was computed (now ${body.source} v${plan.source.version} -> ${body.target} ${plan.target.version ? `v${plan.target.version}` : 'empty'}); re-plan and review it again`,
      );
    }
    const standing = plan.blockers.filter(b => !PASSING_BLOCKERS.has(b.code));
    const blocked = blockerSummary(plan, code => !PASSING_BLOCKERS.has(code));
    if (blocked && standing.every(b => b.code.endsWith('needs-input'))) {
      throw new InputError(`inputs: the plan has unresolved blockers: ${blocked}; give the inputs with the request`);
    }
    if (blocked) {
      throw new ConflictError(`The plan has blockers an approval cannot lift: ${blocked}`);
    }
    const origin = options.origin ?? 'promotion';
    // Its versions name auto-promotion as their author, whoever approved them.
    const requestedBy = origin === 'auto-promotion' ? AUTO_PROMOTION_ACTOR : actorOf(context.credentials);
    if (origin === 'auto-promotion') {
      const open = await this.deps.store.list({ service: ref, status: OPEN, limit: DEFAULT_LIST_LIMIT });
      const same = open.find(r => r.target === target.name && r.planHash === plan.planHash && r.origin === origin);
      if (same) return publicView(same);
    }
    const created = await runAudited(
      this.deps.auditor,
      context,
      'promotion-request',
      {
        service: ref,
        source: body.source,
        target: target.name,
        planHash: plan.planHash,
        sourceVersion: plan.source.version,
        targetVersion: plan.target.version ?? null,
        origin,
        required,
        // Only the names of given inputs: their values may be secrets.
        inputKeys: Object.keys(body.inputs?.env ?? {}),
        reason: body.reason ?? null,
      },
      () =>
        this.deps.store.create({
          service: ref,
          source: body.source,
          target: target.name,
          sourceVersion: plan.source.version,
          sourceVersionPinned: body.sourceVersion !== undefined,
          targetVersion: plan.target.version,
          planHash: plan.planHash,
          take: body.take,
          inputs: body.inputs,
          reason: body.reason,
          origin,
          required,
          requestedBy,
        }),
      r => ({ requestId: r.id, status: r.status }),
    );
    await this.deps.notifier?.approvalWaiting(publicView(created));
    return publicView(created);
  }

  /** One request; the caller must be able to read its service. */
  async get(id: string, context: ShipyardCallContext): Promise<PromotionRequest> {
    const request = await this.existing(id);
    const readable = await this.deps.service.readableServices([request.service], context);
    if (!readable.has(request.service)) {
      // Not a 403: whether a request exists for a service one cannot read is not to be told.
      throw new NotFoundError(`request: no promotion request ${id}`);
    }
    return publicView(request);
  }

  /**
   * Requests newest first, across services (`entityRef` undefined: only those
   * of services the caller may read) or of one service.
   */
  async list(
    filter: { entityRef?: string; status?: PromotionRequestStatus[]; limit?: number },
    context: ShipyardCallContext,
  ): Promise<{ items: PromotionRequest[] }> {
    const limit = filter.limit ?? DEFAULT_LIST_LIMIT;
    if (filter.entityRef) {
      const service = await this.deps.service.authorizeService(filter.entityRef, context);
      const items = await this.deps.store.list({ service, status: filter.status, limit });
      return { items: items.map(publicView) };
    }
    // Across services the caller may read some and not others: filtered
    // batch by batch until `limit` readable ones are found, so the requests
    // of services the caller cannot see never crowd out those it can.
    const batchSize = Math.max(limit, LIST_BATCH);
    const items: PromotionRequest[] = [];
    const seen = new Set<string>();
    for (let offset = 0; items.length < limit; offset += batchSize) {
      const batch = await this.deps.store.list({ status: filter.status, limit: batchSize, offset });
      const readable = await this.deps.service.readableServices(
        batch.map(r => r.service),
        context,
      );
      // A request made meanwhile shifts the later batches by one: skip what was taken already.
      for (const r of batch) {
        if (readable.has(r.service) && !seen.has(r.id)) {
          seen.add(r.id);
          items.push(publicView(r));
        }
      }
      if (batch.length < batchSize) break;
    }
    return { items: items.slice(0, limit) };
  }

  /**
   * POST `/promotion-requests/{id}/approve`: by a user other than the
   * requester holding `shipyard.promotion.approve` on the service, for the
   * plan as it is now. The last needed approval makes the request `approved`
   * and, with `on-approval`, runs the promotion as the requester.
   */
  async approve(id: string, decision: PromotionRequestDecision, context: ShipyardCallContext): Promise<PromotionRequest> {
    const request = await this.existing(id);
    const approver = actorOf(context.credentials);
    if (approver === request.requestedBy) {
      throw new NotAllowedError(`request: ${approver} requested this promotion and cannot approve it; someone else must`);
    }
    await this.deps.service.authorizeService(request.service, context, shipyardPromotionApprovePermission);
    this.assertStatus(request, ['pending'], 'approve');
    if (request.approvals.some(a => a.by === approver)) {
      throw new ConflictError(`request: ${approver} already approved this request; it needs another user's approval`);
    }
    await this.assertPlanUnchanged(request, context);
    const at = new Date().toISOString();
    await runAudited(
      this.deps.auditor,
      context,
      'promotion-request-approve',
      { requestId: id, service: request.service, target: request.target, planHash: request.planHash, reason: decision.reason ?? null },
      async () => {
        if (!(await this.deps.store.addApproval(id, { by: approver, at, reason: decision.reason, planHash: request.planHash }))) {
          throw new ConflictError(`request: ${approver} already approved this request; it needs another user's approval`);
        }
      },
      () => ({ approver }),
    );
    const current = await this.existing(id);
    const count = current.approvals.filter(a => a.planHash === current.planHash && a.by !== current.requestedBy).length;
    if (count < current.required) return publicView(current);
    // Of two last approvals arriving at once, one moves the request on.
    const won = await this.deps.store.transition(id, { from: ['pending'], to: 'approved', approvedAt: at });
    if (won && (this.execution === 'on-approval' || current.origin === 'auto-promotion')) {
      // A soak time or freeze still running leaves it approved, for its requester to execute later.
      return this.run({ ...current, status: 'approved' }, context, { waitQuietly: true });
    }
    return publicView(await this.existing(id));
  }

  /**
   * Marks pending requests stale as soon as a new version in their source or
   * target changes their plan, so the lists show only what can still be
   * approved. Approved ones are checked when they run: one that is running
   * creates a version in its own target.
   */
  watchForStalePlans(events: VersionEvents, credentials: () => Promise<BackstageCredentials>): () => void {
    return events.subscribe(async event => {
      // The current version moves once a version's objects are applied (or it is recorded).
      if (!MOVES_CURRENT.has(event.status)) return;
      const pending = await this.deps.store.list({ service: event.entityRef, status: ['pending'], limit: DEFAULT_LIST_LIMIT });
      const affected = pending.filter(r => r.source === event.workspace || r.target === event.workspace);
      if (!affected.length) return;
      const context = { credentials: await credentials() };
      for (const request of affected) {
        try {
          await this.assertPlanUnchanged(request, context, ['pending']);
        } catch (error) {
          if (!(error instanceof ConflictError)) {
            this.deps.logger.warn(`Could not check promotion request ${request.id} for a changed plan: ${error}`);
          }
        }
      }
    });
  }

  /**
   * POST `/promotion-requests/{id}/decline`: an approver says no, or the
   * requester withdraws the request. Closes a pending or approved one.
   */
  async decline(id: string, decision: PromotionRequestDecision, context: ShipyardCallContext): Promise<PromotionRequest> {
    const request = await this.existing(id);
    const actor = actorOf(context.credentials);
    if (actor === request.requestedBy) {
      await this.deps.service.authorizeService(request.service, context);
    } else {
      await this.deps.service.authorizeService(request.service, context, shipyardPromotionApprovePermission);
    }
    this.assertStatus(request, OPEN, 'decline');
    await runAudited(
      this.deps.auditor,
      context,
      'promotion-request-decline',
      { requestId: id, service: request.service, target: request.target, reason: decision.reason ?? null, withdrawn: actor === request.requestedBy },
      async () => {
        const moved = await this.deps.store.transition(id, {
          from: OPEN,
          to: 'declined',
          outcome: { by: actor, at: new Date().toISOString(), reason: decision.reason },
        });
        if (!moved) {
          throw new ConflictError(`request: ${id} changed meanwhile (now ${(await this.existing(id)).status}); reload it`);
        }
        return moved;
      },
      () => ({ status: 'declined' }),
    );
    return publicView(await this.existing(id));
  }

  /**
   * POST `/promotion-requests/{id}/execute`: the requester runs an approved
   * request (`by-requester`, or again after an execution that could not
   * start: a busy workspace, a soak time or freeze window not yet over),
   * holding `shipyard.promotion.execute` now. An auto-promotion's request
   * has no user behind it: anyone holding that permission executes it.
   */
  async execute(id: string, context: ShipyardCallContext): Promise<PromotionRequest> {
    const request = await this.existing(id);
    const actor = actorOf(context.credentials);
    if (actor !== request.requestedBy && request.origin !== 'auto-promotion') {
      throw new NotAllowedError(`request: only its requester ${request.requestedBy} executes an approved request`);
    }
    // Executing by hand needs the permission to promote, now, as a direct promotion would.
    await this.deps.service.authorizeService(request.service, context, shipyardPromotionExecutePermission);
    this.assertStatus(request, ['approved'], 'execute');
    return this.run(request, context);
  }

  /** Runs an approved request's promotion once, as its requester, and records the outcome. */
  private async run(
    request: StoredPromotionRequest,
    context: ShipyardCallContext,
    options: { waitQuietly?: boolean } = {},
  ): Promise<PromotionRequest> {
    const { store, service } = this.deps;
    if (!(await store.claimExecution(request.id, EXECUTION_CLAIM_EXPIRY_MS))) {
      const now = await this.existing(request.id);
      if (now.status !== 'approved') return publicView(now);
      throw new ConflictError(`request: ${request.id} is being executed; reload it in a moment`);
    }
    const actor = actorOf(context.credentials);
    // A backend that died after creating the version and before recording it left the request approved.
    const earlier = await this.versionCreatedBy(request, context);
    if (earlier) {
      await store.transition(request.id, {
        from: ['approved'],
        to: 'executed',
        outcome: { by: actor, at: new Date().toISOString(), version: earlier.number, reason: 'found executed after an interrupted run' },
      });
      return publicView(await this.existing(request.id));
    }
    let waiting: string | undefined;
    try {
      const plan = await this.assertPlanUnchanged(request, context);
      waiting = blockerSummary(plan, code => PASSING_BLOCKERS.has(code));
    } catch (error) {
      await store.releaseExecution(request.id);
      throw error;
    }
    if (waiting) {
      await store.releaseExecution(request.id);
      if (options.waitQuietly) return publicView(await this.existing(request.id));
      throw new ConflictError(
        `request: approved, but it cannot run yet: ${waiting}; execute it again (POST /api/shipyard/promotion-requests/${request.id}/execute) once that has passed`,
      );
    }
    let version: Version;
    try {
      version = await runAudited(
        this.deps.auditor,
        context,
        'promotion-request-execute',
        { requestId: request.id, service: request.service, target: request.target, planHash: request.planHash, requestedBy: request.requestedBy },
        () =>
          service.promote(
            request.service,
            {
              source: request.source,
              target: request.target,
              planHash: request.planHash,
              sourceVersion: request.sourceVersionPinned ? request.sourceVersion : undefined,
              take: request.take,
              inputs: request.inputs,
              reason: request.reason,
            },
            context,
            { approvedRequest: { id: request.id, requestedBy: request.requestedBy, origin: request.origin } },
          ),
        v => ({ version: v.number, status: v.status }),
      );
    } catch (error) {
      const message = String((error as Error)?.message ?? error);
      if (error instanceof ServiceUnavailableError || RETRYABLE.test(message)) {
        // Could not start for now (a cluster that did not answer, another
        // operation running, a freeze window): the approval still holds and
        // the requester executes it again later.
        await store.releaseExecution(request.id);
        throw error;
      }
      const stale = error instanceof ConflictError && message.startsWith('planHash:');
      await store.transition(request.id, {
        from: ['approved'],
        to: stale ? 'stale' : 'failed',
        outcome: { by: actor, at: new Date().toISOString(), reason: message },
      });
      throw error;
    }
    await store.transition(request.id, {
      from: ['approved'],
      to: version.status === 'failed' ? 'failed' : 'executed',
      outcome: {
        by: actor,
        at: new Date().toISOString(),
        version: version.number,
        ...(version.status === 'failed' ? { reason: version.statusMessage ?? `v${version.number} failed` } : {}),
      },
    });
    return publicView(await this.existing(request.id));
  }

  /**
   * Plans again as the request would run; a different hash makes the
   * request `stale` (audited) and refuses the act with a 409.
   */
  private async assertPlanUnchanged(
    request: StoredPromotionRequest,
    context: ShipyardCallContext,
    from: PromotionRequestStatus[] = OPEN,
  ): Promise<PromotionPlan> {
    const plan = await this.deps.service.planPromotion(
      request.service,
      {
        source: request.source,
        target: request.target,
        sourceVersion: request.sourceVersionPinned ? request.sourceVersion : undefined,
        take: request.take,
        inputs: request.inputs,
      },
      context,
    );
    if (plan.planHash === request.planHash) return plan;
    const reason = `the plan changed since the request: it was ${request.source} v${request.sourceVersion} -> ${request.target} ${request.targetVersion ? `v${request.targetVersion}` : 'empty'}, now ${request.source} v${plan.source.version} -> ${request.target} ${plan.target.version ? `v${plan.target.version}` : 'empty'}`;
    await runAudited(
      this.deps.auditor,
      context,
      'promotion-request-stale',
      { requestId: request.id, service: request.service, target: request.target, planHash: request.planHash, newPlanHash: plan.planHash },
      () =>
        this.deps.store.transition(request.id, {
          from,
          to: 'stale',
          outcome: { by: actorOf(context.credentials), at: new Date().toISOString(), reason },
        }),
      moved => ({ moved }),
    );
    throw new ConflictError(
      `request: stale; ${reason}. Its approvals no longer apply: open a new request with the new plan (POST /api/shipyard/services/${entityRefToPath(request.service)}/promotions/requests)`,
    );
  }

  /** The version an earlier run of `request` created in its target, if one did. */
  private async versionCreatedBy(request: StoredPromotionRequest, context: ShipyardCallContext): Promise<Version | undefined> {
    if (!request.approvedAt) return undefined;
    const approvedAt = request.approvedAt;
    const page = await this.deps.service.listVersions(request.service, request.target, { limit: 20 }, context);
    return page.items.find(
      v =>
        (v.origin.type === 'promotion' || v.origin.type === 'auto-promotion') &&
        v.origin.workspace === request.source &&
        v.origin.version === request.sourceVersion &&
        v.createdBy === request.requestedBy &&
        v.createdAt >= approvedAt,
    );
  }

  private assertStatus(request: StoredPromotionRequest, allowed: PromotionRequestStatus[], act: string) {
    if (allowed.includes(request.status)) return;
    const why = request.outcome?.reason ? ` (${request.outcome.reason})` : '';
    throw new ConflictError(`request: cannot ${act} a request that is ${request.status}${why}`);
  }

  private async existing(id: string): Promise<StoredPromotionRequest> {
    const request = await this.deps.store.get(id);
    if (!request) throw new NotFoundError(`request: no promotion request ${id}`);
    return request;
  }
}
