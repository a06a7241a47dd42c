import {
  AuditorService,
  AuthService,
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { JsonObject } from '@backstage/types';
import {
  PlanIssue,
  PromotionRequest,
  PromotionRequestCreate,
  readPromotionPath,
  readShipyardAnnotations,
  SHIPYARD_AUTO_PROMOTE_ANNOTATION,
  SHIPYARD_PROMOTION_ANNOTATION,
  Version,
  Workspace,
} from '@shipyard/backstage-plugin-common';
import { randomUUID } from 'node:crypto';
import { WorkspaceRegistry } from '../config/WorkspaceRegistry';
import { VersionStore } from '../database/VersionStore';
import { PromotionOperations, ServiceContext } from '../operations/PromotionOperations';
import { VersionEvents } from '../operations/VersionEvents';
import { ShipyardNotifier } from '../notifications/ShipyardNotifier';
import { PromotionPolicyStore, AutoPromotionKey, AutoPromotionUpdate, autoPromotionKeyString } from './PromotionPolicyStore';

/** Who created an automatically promoted version. */
export const AUTO_PROMOTION_ACTOR = 'shipyard:auto-promotion';

const FINAL = new Set(['succeeded', 'failed']);
// Not worth a notification: the request's own notification says it, or nothing was expected.
const QUIET_CODES = new Set(['approval-required', 'superseded', 'not-configured']);
// Blocker codes that say why in one word, in the order they are reported.
const SKIP_CODES = ['rejected', 'freeze', 'soak', 'source-not-succeeded'];

/** Options of {@link AutoPromoter}. */
export interface AutoPromoterOptions {
  store: VersionStore;
  policyStore: PromotionPolicyStore;
  promotions: PromotionOperations;
  workspaces: WorkspaceRegistry;
  catalog: CatalogService;
  auth: AuthService;
  auditor: AuditorService;
  logger: LoggerService;
  /** Opens a promotion request where the target needs approval (PromotionRequests.request). */
  requestApproval?: (
    entityRef: string,
    body: PromotionRequestCreate,
    context: { credentials: BackstageCredentials },
    options: { origin: 'auto-promotion' },
  ) => Promise<PromotionRequest>;
  /** Tells the service's owners what auto-promotion did or why it did not. */
  notifier?: Pick<ShipyardNotifier, 'autoPromoted' | 'autoPromotionBlocked'>;
  /** How long an attempt's claim lasts before another replica may take over a dead holder's. Default 120 s. */
  claimTtlMs?: number;
  /** How far back the catch-up scan looks for succeeded versions nobody promoted. Default 24 h. */
  catchUpMs?: number;
}

/**
 * Promotes a version on its own when it succeeds in a workspace that the
 * service's `shipyard/auto-promote` names as the source of a step, unless a
 * hold, a freeze, a rejection, a blocker or a needed approval stands in the
 * way; then it records why. Every attempt is a row keyed on (service, source
 * workspace, source version, target workspace), claimed atomically, so it
 * runs once across replicas; the version bus makes it prompt and the
 * periodic {@link AutoPromoter.scan} catches up what a crash or restart left.
 */
export class AutoPromoter {
  private readonly holder = randomUUID();
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly options: AutoPromoterOptions) {}

  /** Acts on every version that succeeds, and records the outcome of the versions it created. */
  subscribeTo(events: VersionEvents): () => void {
    return events.subscribe(event => {
      if (event.created || !FINAL.has(event.status)) return;
      this.track(this.afterFinal(event.entityRef, event.workspace, event.number, event.status));
    });
  }

  /** Waits for the attempts in flight, e.g. before the backend stops. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  /**
   * The safety net: attempts whose holder died are taken over, outcomes not
   * yet recorded are, and succeeded current versions of the last day that
   * have no attempt yet (the backend stopped between the success and the
   * promotion) are promoted now.
   */
  async scan(): Promise<{ resumed: number; caughtUp: number }> {
    const { policyStore, store } = this.options;
    let resumed = 0;
    for (const attempt of await policyStore.listUnfinishedAutoPromotions()) {
      if (attempt.result === 'running' || attempt.result === 'skipped') {
        resumed++;
        await this.attempt(attempt);
      } else if (attempt.targetVersion !== undefined) {
        const created = await store.getVersion(attempt.service, attempt.targetWorkspace, attempt.targetVersion);
        if (created && FINAL.has(created.status)) await this.recordOutcome(attempt, created);
      }
    }
    // Succeeded current versions without any attempt, in one query, and
    // their services' annotations in one catalog call.
    const candidates = await policyStore.listAutoPromotionCandidates(this.options.catchUpMs ?? 86_400_000);
    const services = [...new Set(candidates.map(c => c.service))];
    const entities = new Map<string, Entity>();
    if (services.length) {
      const { items } = await this.options.catalog.getEntitiesByRefs(
        { entityRefs: services },
        { credentials: await this.options.auth.getOwnServiceCredentials() },
      );
      items.forEach((entity, i) => entity && entities.set(services[i], entity));
    }
    let caughtUp = 0;
    for (const candidate of candidates) {
      const entity = entities.get(candidate.service);
      if (!entity?.metadata.annotations?.[SHIPYARD_AUTO_PROMOTE_ANNOTATION]) continue;
      const step = await this.stepFrom(candidate.service, candidate.workspace, entity);
      if (!step) continue;
      caughtUp++;
      await this.attempt({
        service: candidate.service,
        sourceWorkspace: candidate.workspace,
        sourceVersion: candidate.number,
        targetWorkspace: step.target.name,
      });
    }
    return { resumed, caughtUp };
  }

  private track(work: Promise<unknown>) {
    const tracked = work.catch(error => this.options.logger.warn(`Auto-promotion failed: ${error}`));
    this.running.add(tracked);
    tracked.finally(() => this.running.delete(tracked));
  }

  private async afterFinal(entityRef: string, workspace: string, number: number, status: string) {
    const version = await this.options.store.getVersion(entityRef, workspace, number);
    if (!version) return;
    if (version.origin.type === 'auto-promotion' && version.origin.workspace && version.origin.version) {
      const key = { service: entityRef, sourceWorkspace: version.origin.workspace, sourceVersion: version.origin.version, targetWorkspace: workspace };
      await this.recordOutcome(key, version);
    }
    if (status !== 'succeeded') return;
    const step = await this.stepFrom(entityRef, workspace);
    if (!step) return;
    await this.attempt({ service: entityRef, sourceWorkspace: workspace, sourceVersion: number, targetWorkspace: step.target.name });
  }

  /** The auto-promoted step out of `workspace` by the service's annotations, if there is one. */
  private async stepFrom(entityRef: string, workspace: string, known?: Entity) {
    const { catalog, auth, workspaces } = this.options;
    const entity = known ?? (await catalog.getEntityByRef(entityRef, { credentials: await auth.getOwnServiceCredentials() }));
    const annotations = entity?.metadata.annotations;
    if (!entity || !annotations?.[SHIPYARD_AUTO_PROMOTE_ANNOTATION]) return undefined;
    let read;
    try {
      const { [SHIPYARD_PROMOTION_ANNOTATION]: _p, [SHIPYARD_AUTO_PROMOTE_ANNOTATION]: _a, ...others } = annotations;
      read = readShipyardAnnotations({ metadata: { ...entity.metadata, annotations: others } });
    } catch {
      // A service whose annotations are broken is not promoted behind anyone's back.
      return undefined;
    }
    const configured = workspaces.list();
    const own = read.workspaces ? configured.filter(w => read.workspaces!.includes(w.name)) : configured;
    const step = readPromotionPath(annotations, own).steps.find(s => s.auto && s.from === workspace);
    if (!step) return undefined;
    const service: ServiceContext = { entityRef: stringifyEntityRef(entity), name: read.serviceName, rules: read.rules };
    return { service, source: workspaces.get(step.from), target: workspaces.get(step.to) };
  }

  /** One claimed attempt: decide, promote or say why not, and record it. */
  private async attempt(key: AutoPromotionKey): Promise<void> {
    const { policyStore, logger } = this.options;
    const holder = `${this.holder}:${randomUUID()}`;
    const before = await policyStore.getAutoPromotion(key);
    if (!(await policyStore.claimAutoPromotion(key, holder, this.options.claimTtlMs ?? 120_000))) return;
    let update: AutoPromotionUpdate;
    try {
      update = await this.decideAndRun(key);
    } catch (error) {
      update = { result: 'failed', code: 'error', reason: String((error as Error)?.message ?? error) };
    }
    await policyStore.finishAutoPromotion(key, update);
    // A skip the scan tries again (a soak time, a freeze) is told once, not at every scan.
    if (before?.result === update.result && before.code === update.code) return;
    logger.info(
      `Auto-promotion ${autoPromotionKeyString(key)}: ${update.result}${update.targetVersion ? ` v${update.targetVersion}` : ''}${update.reason ? ` (${update.reason})` : ''}`,
    );
    await this.audit(update.result === 'promoted' ? 'auto-promotion-run' : 'auto-promotion-skipped', key, update);
    await this.notify(key, update);
  }

  private async notify(key: AutoPromotionKey, update: AutoPromotionUpdate) {
    const { notifier, logger } = this.options;
    const event = { entityRef: key.service, source: key.sourceWorkspace, target: key.targetWorkspace, sourceVersion: key.sourceVersion };
    try {
      if (update.result === 'promoted' && update.targetVersion !== undefined) {
        await notifier?.autoPromoted({ ...event, number: update.targetVersion });
      } else if (update.result !== 'promoted' && !QUIET_CODES.has(update.code ?? '')) {
        await notifier?.autoPromotionBlocked({ ...event, reason: update.reason ?? update.result });
      }
    } catch (error) {
      logger.warn(`Could not notify about the auto-promotion ${autoPromotionKeyString(key)}: ${error}`);
    }
  }

  private async decideAndRun(key: AutoPromotionKey): Promise<AutoPromotionUpdate> {
    const { store, policyStore, promotions } = this.options;
    const step = await this.stepFrom(key.service, key.sourceWorkspace);
    if (!step || step.target.name !== key.targetWorkspace) {
      return skip('not-configured', `shipyard/auto-promote no longer names ${key.sourceWorkspace} -> ${key.targetWorkspace}`);
    }
    const { service, source, target } = step;
    // A crashed attempt may have created the version already: never a second one.
    const earlier = await this.createdBy(key);
    if (earlier) return { result: 'promoted', targetVersion: earlier.number, ...(FINAL.has(earlier.status) ? { outcome: earlier.status } : {}) };

    const version = await store.getVersion(key.service, key.sourceWorkspace, key.sourceVersion);
    const current = await store.getCurrentVersion(key.service, key.sourceWorkspace);
    if (!version || current?.number !== key.sourceVersion) {
      return skip('superseded', `${key.sourceWorkspace} v${key.sourceVersion} is no longer current${current ? ` (v${current.number} is)` : ''}`);
    }
    if (version.origin.type === 'rollback') {
      return skip('rollback', `${key.sourceWorkspace} v${key.sourceVersion} is a rollback to v${version.origin.version}; rollbacks are not promoted automatically`);
    }
    const hold = (await policyStore.getHolds(key.service)).get(target.name);
    if (hold) {
      return skip('hold', `${target.name} is on hold since ${hold.at}: ${hold.reason} (by ${hold.by}); lift it with DELETE …/workspaces/${target.name}/hold or promote by hand`);
    }
    const { plan } = await promotions.plan(service, source, target, { sourceVersion: key.sourceVersion });
    const required = target.approval?.required ?? 0;
    const waiting = plan.blockers.filter(b => b.code === 'soak' || b.code === 'freeze');
    const blocking = plan.blockers.filter(b => !waiting.includes(b));
    if (blocking.length) {
      return skip(blockerCode(blocking), blocking.map(describe).join('; '));
    }
    if (required > 0) {
      return this.requestApproval(key, service, source, target, plan.planHash, required);
    }
    if (waiting.length) {
      return skip(blockerCode(waiting), waiting.map(describe).join('; '));
    }
    const { version: created } = await promotions.execute(service, source, target, {
      planHash: plan.planHash,
      sourceVersion: key.sourceVersion,
      reason: `automatic promotion of ${source.name} v${key.sourceVersion} (shipyard/auto-promote: ${source.name} -> ${target.name})`,
      createdBy: AUTO_PROMOTION_ACTOR,
      origin: 'auto-promotion',
    });
    return { result: 'promoted', targetVersion: created.number, ...(FINAL.has(created.status) ? { outcome: created.status } : {}) };
  }

  private async requestApproval(
    key: AutoPromotionKey,
    service: ServiceContext,
    source: Workspace,
    target: Workspace,
    planHash: string,
    required: number,
  ): Promise<AutoPromotionUpdate> {
    const needs = `${target.name} needs ${required} approval${required === 1 ? '' : 's'}`;
    if (!this.options.requestApproval) return skip('approval-required', `${needs}; promote it through a promotion request`);
    const request = await this.options.requestApproval(
      service.entityRef,
      {
        source: source.name,
        target: target.name,
        sourceVersion: key.sourceVersion,
        planHash,
        reason: `automatic promotion of ${source.name} v${key.sourceVersion} (shipyard/auto-promote: ${source.name} -> ${target.name})`,
      },
      { credentials: await this.options.auth.getOwnServiceCredentials() },
      { origin: 'auto-promotion' },
    );
    return skip('approval-required', `${needs}: waiting for approval of promotion request ${request.id}`);
  }

  /** The version an earlier attempt of `key` created in the target, if one did. */
  private async createdBy(key: AutoPromotionKey): Promise<Version | undefined> {
    const page = await this.options.store.listVersions(key.service, key.targetWorkspace, { limit: 20 });
    return page.items.find(
      v =>
        v.origin.type === 'auto-promotion' &&
        v.origin.workspace === key.sourceWorkspace &&
        v.origin.version === key.sourceVersion,
    );
  }

  private async recordOutcome(key: AutoPromotionKey, version: Version) {
    const attempt = await this.options.policyStore.getAutoPromotion(key);
    if (attempt?.result === 'skipped' && attempt.code === 'approval-required') {
      // The promotion request it opened was approved and ran.
      await this.options.policyStore.finishAutoPromotion(key, {
        result: 'promoted',
        code: 'approved',
        reason: 'promoted once its promotion request was approved',
        targetVersion: version.number,
        outcome: version.status,
      });
    } else if (!attempt || attempt.result !== 'promoted' || attempt.outcome || attempt.version !== version.number) {
      return;
    } else {
      await this.options.policyStore.setAutoPromotionOutcome(key, version.status);
    }
    await this.audit('auto-promotion-outcome', key, {
      result: 'promoted',
      targetVersion: version.number,
      outcome: version.status,
      reason: version.statusMessage,
    });
  }

  private async audit(eventId: string, key: AutoPromotionKey, update: AutoPromotionUpdate) {
    const meta: JsonObject = {
      actor: AUTO_PROMOTION_ACTOR,
      service: key.service,
      source: key.sourceWorkspace,
      sourceVersion: key.sourceVersion,
      target: key.targetWorkspace,
      result: update.result,
      code: update.code ?? null,
      reason: update.reason ?? null,
      version: update.targetVersion ?? null,
      outcome: update.outcome ?? null,
    };
    const event = await this.options.auditor.createEvent({ eventId, severityLevel: 'medium', meta });
    if (update.result === 'failed' || update.outcome === 'failed') {
      await event.fail({ error: new Error(update.reason ?? `${key.targetWorkspace} v${update.targetVersion} failed`), meta });
    } else {
      await event.success({ meta });
    }
  }
}

function skip(code: string, reason: string): AutoPromotionUpdate {
  return { result: 'skipped', code, reason };
}

function blockerCode(blockers: PlanIssue[]): string {
  return SKIP_CODES.find(code => blockers.some(b => b.code === code)) ?? 'blocked';
}

function describe(b: PlanIssue): string {
  return b.path && !b.message.startsWith(b.path) ? `${b.path}: ${b.message}` : b.message;
}
