import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, ServiceUnavailableError } from '@backstage/errors';
import {
  checkSpecForWorkspace,
  KubernetesObject,
  renderManifests,
  ServiceSpec,
  Version,
  VersionOrigin,
  Workspace,
} from '@shipyard/backstage-plugin-common';
import {
  ClusterGateway,
  ClusterOperationError,
  RolloutObservation,
  WorkloadTarget,
} from '../cluster/ClusterGateway';
import { DeploymentWatch } from '../cluster/DeploymentWatch';
import { detectDrift } from '../cluster/detectDrift';
import { LeaseLostError, VersionStore } from '../database/VersionStore';
import { databaseUnavailableReason } from '../service/databaseErrors';
import { HeldLease, LeaseManager } from './LeaseManager';
import { sleep } from './sleep';

/** The service and workspace an operation acts on. */
export interface OperationTarget {
  /** Entity ref of the service. */
  entityRef: string;
  /** The Kubernetes name of its objects. */
  name: string;
  workspace: Workspace;
}

/** A new version to create and apply. */
export interface VersionRequest {
  spec: ServiceSpec;
  origin: VersionOrigin;
  createdBy: string;
  message?: string;
  expectedCurrentVersion?: number;
  /** A promotion's checklist, stored with the version. */
  checklist?: string[];
  /**
   * Take over objects of the service's name that Shipyard did not create;
   * never objects of another entity. The caller audits it.
   */
  adopt?: boolean;
}

/**
 * What a watch of the cluster knows about a workload's rollout, so that
 * whoever follows the rollout reads it there instead of asking the cluster.
 */
export interface RolloutFeed {
  /**
   * The rollout of version `number` as the watch last saw it; undefined when
   * the watch cannot say (not running here, not yet listed, or the
   * Deployment it saw is not this version yet).
   */
  observe(workload: WorkloadTarget, number: number): RolloutObservation | undefined;
  /** Resolves at the next change of the workload's objects the watch sees, or after `ms`. */
  next(workload: WorkloadTarget, ms: number): Promise<void>;
  /**
   * The workload's live objects of every managed kind as the watch holds
   * them (undefined for a kind that does not exist), or undefined when the
   * watch cannot say (not running here, not yet listed).
   */
  liveObjects(workload: WorkloadTarget): Map<string, KubernetesObject | undefined> | undefined;
  /** Whether the watch of the workload's namespace runs in this process (one replica runs them). */
  watches(workload: WorkloadTarget): boolean;
}

const ROLLOUT_GIVE_UP_MS = 15 * 60_000;
const FIRST_ROLLOUT_POLL_MS = 50;
const OWN_WATCH_OPENS_MS = 1000;

/**
 * Creates versions and applies them: record, lease, dry run and apply,
 * follow the rollout, and roll back automatically where configured.
 */
export class VersionOperations {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: {
      store: VersionStore;
      leases: LeaseManager;
      logger: LoggerService;
      gateway?: ClusterGateway;
      rolloutPollMs?: number;
      /** Where the cluster is watched: followers wait for its changes instead of polling. */
      rolloutFeed?: RolloutFeed;
    },
  ) {}

  /**
   * Stores the next version and applies it. Resolves once the objects are
   * applied (status `progressing`), or, with `wait`, once the rollout ended.
   * A cluster that refuses leaves the version `failed` and the current
   * version where it was; objects of another entity, or ones Shipyard did
   * not create, are a ConflictError and nothing is stored.
   */
  async createAndApply(
    target: OperationTarget,
    request: VersionRequest,
    options: { wait?: boolean } = {},
  ): Promise<Version> {
    const { store, gateway } = this.deps;
    const { workspace } = target;
    // Every way a spec reaches a workspace (deploy, rollback, promotion)
    // meets the workspace's label policy; a refusal stores nothing.
    checkSpecForWorkspace(request.spec, workspace);
    const base = {
      service: target.entityRef,
      workspace: workspace.name,
      spec: request.spec,
      origin: request.origin,
      createdBy: request.createdBy,
      message: request.message,
      checklist: request.checklist,
    };

    if (!workspace.cluster || !gateway) {
      return store.createVersion(
        {
          ...base,
          status: 'recorded',
          statusMessage: `Not applied: ${workspace.notApplied ?? `workspace '${workspace.name}' has no cluster configured`}`,
        },
        {
          expectedCurrentVersion: request.expectedCurrentVersion,
          makeCurrent: true,
          retention: workspace.retention,
        },
      );
    }

    const workload: WorkloadTarget = {
      cluster: workspace.cluster,
      namespace: workspace.namespace,
      name: target.name,
    };
    const ownership = { entityRef: target.entityRef, adopt: request.adopt };
    const lease = await this.deps.leases.acquire(
      target.entityRef,
      workspace.name,
      `${request.origin.type} by ${request.createdBy}`,
      // See LeaseManager: a person's rollback preempts a rollout that is only being followed.
      { preemptFollowing: request.origin.type === 'rollback' && !request.origin.automatic },
    );
    let handedOff = false;
    try {
      try {
        await gateway.assertOwnership(workload, ownership);
      } catch (error) {
        // Another owner is a refusal with nothing stored; an unreachable
        // cluster is recorded as a failed version by the apply below.
        if (error instanceof ConflictError) throw error;
      }
      const version = await store.createVersion(
        { ...base, status: 'applying' },
        {
          expectedCurrentVersion: request.expectedCurrentVersion,
          retention: workspace.retention,
          claim: workload,
          fence: lease.fence,
        },
      );
      const number = version.number;
      try {
        const manifests = renderManifests({
          entityRef: target.entityRef,
          name: target.name,
          workspace,
          version: number,
          spec: version.spec,
        });
        await lease.assertHeld();
        await gateway.apply(workload, manifests, ownership);
      } catch (error) {
        const partial = error instanceof ClusterOperationError && error.applied.length > 0;
        const message = `${partial ? '' : 'Apply failed: '}${error instanceof Error ? error.message : String(error)}`;
        this.deps.logger.warn(`${target.entityRef} v${number} in ${workspace.name}: ${message}`);
        // A partial apply changed the cluster: the version is current (what
        // the cluster runs) and failed, like a failed rollout. Otherwise
        // nothing changed and the current version stays where it was.
        await store.updateVersionStatus(target.entityRef, workspace.name, number, {
          status: 'failed',
          statusMessage: message,
          finishedAt: new Date(),
          ...(partial ? { appliedAt: new Date(), makeCurrent: true, fence: lease.fence } : {}),
        });
        await lease.release();
        const failed = (await store.getVersion(target.entityRef, workspace.name, number))!;
        if (partial) await this.afterFailure(target, failed);
        return (await store.getVersion(target.entityRef, workspace.name, number))!;
      }

      try {
        await store.updateVersionStatus(target.entityRef, workspace.name, number, {
          status: 'progressing',
          statusMessage: 'Applied; waiting for the rollout',
          appliedAt: new Date(),
          makeCurrent: true,
          fence: lease.fence,
        });
      } catch (error) {
        const reason = databaseUnavailableReason(error);
        if (!reason) throw error;
        // The cluster runs the version already: a blind retry would deploy it twice.
        throw new ServiceUnavailableError(
          `database unavailable: ${reason}. v${number} of ${target.entityRef} in ${workspace.name} was applied to the cluster but not recorded as current; the refresh task reconciles it from the cluster, so check its status before deploying again`,
        );
      }
      await lease.markFollowing();
      const following = this.followRollout(target, workload, number, lease);
      handedOff = true;
      this.track(following);
      if (options.wait) {
        return await following;
      }
      return (await store.getVersion(target.entityRef, workspace.name, number))!;
    } finally {
      // Every path that did not hand the lease to the rollout follower frees
      // it here, so a database error mid-operation never leaves it renewing.
      if (!handedOff) await lease.release();
    }
  }

  /** Waits for every background rollout this process follows (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private track(promise: Promise<unknown>) {
    this.inFlight.add(promise);
    promise.finally(() => this.inFlight.delete(promise)).catch(() => {});
  }

  private async followRollout(
    target: OperationTarget,
    workload: WorkloadTarget,
    number: number,
    lease: HeldLease,
  ): Promise<Version> {
    const { store, logger } = this.deps;
    const gateway = this.deps.gateway!;
    const ws = target.workspace.name;
    // Most rollouts finish within a second of the apply: look again soon,
    // then back off to the configured interval for the slow ones.
    const maxPollMs = this.deps.rolloutPollMs ?? 1000;
    let pollMs = Math.min(FIRST_ROLLOUT_POLL_MS, maxPollMs);
    const giveUpAt = Date.now() + ROLLOUT_GIVE_UP_MS;
    let last: RolloutObservation | undefined;
    let lastProgress = '';
    const own = this.watchOfItsOwn(workload);
    try {
      while (lease.isHeld()) {
        try {
          last =
            this.deps.rolloutFeed?.observe(workload, number) ??
            own?.observe(number) ??
            (await gateway.getRollout(workload));
        } catch (error) {
          // A passing outage of the API server: keep watching until the deadline.
          logger.warn(`Watching ${target.entityRef} v${number} in ${ws}: ${error}`);
          last = undefined;
        }
        if (last && last.state !== 'progressing') break;
        if (Date.now() > giveUpAt) {
          last = {
            state: 'failed',
            progress: last?.progress ?? { desiredReplicas: 0, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0 },
            message: `Rollout did not finish within ${ROLLOUT_GIVE_UP_MS / 60000} minutes`,
          };
          break;
        }
        const progress = last ? JSON.stringify(last.progress) : '';
        if (last && progress !== lastProgress) {
          lastProgress = progress;
          await store.updateVersionStatus(target.entityRef, ws, number, {
            status: 'progressing',
            rollout: last.progress,
            statusMessage: last.message ?? 'Rolling out',
            fence: lease.fence,
          });
        }
        // Until its first answer, the watch of its own is given time to open before the cluster is asked again.
        if (own && !this.deps.rolloutFeed!.watches(workload)) await own.next(own.hasAnswered() ? pollMs : Math.max(pollMs, OWN_WATCH_OPENS_MS));
        else if (this.deps.rolloutFeed) await this.deps.rolloutFeed.next(workload, pollMs);
        else await sleep(pollMs);
        pollMs = Math.min(Math.ceil(pollMs * 1.5), maxPollMs);
      }
      if (!last || last.state === 'progressing') {
        // The lease was lost; whoever took it, or the scheduled refresh, finishes the record.
        return (await store.getVersion(target.entityRef, ws, number))!;
      }
      await store.updateVersionStatus(target.entityRef, ws, number, {
        status: last.state,
        rollout: last.progress,
        statusMessage: last.message ?? (last.state === 'succeeded' ? 'Rollout complete' : 'Rollout failed'),
        finishedAt: new Date(),
        fence: lease.fence,
      });
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      logger.info(`Stopped following ${target.entityRef} v${number} in ${ws}: ${error.message}`);
      return (await store.getVersion(target.entityRef, ws, number))!;
    } finally {
      own?.stop();
      await lease.release();
    }

    const finished = (await store.getVersion(target.entityRef, ws, number))!;
    // Drift of what the workspace runs now, checked at once rather than at
    // the next scheduled refresh, so no page says "not checked" for a
    // workspace Shipyard has just touched; whoever waits for the rollout
    // gets the answer with the check recorded.
    await this.checkDrift(target, workload);
    if (finished.status === 'failed') await this.afterFailure(target, finished);
    return (await store.getVersion(target.entityRef, ws, number))!;
  }

  /**
   * Where the cluster is watched but the watcher of this workload's
   * namespace runs on another replica, a watch of the Deployment alone, so
   * this follower too learns of the rollout's end as soon as it happens.
   */
  private watchOfItsOwn(workload: WorkloadTarget): DeploymentWatch | undefined {
    const { rolloutFeed, gateway, logger } = this.deps;
    if (!rolloutFeed || rolloutFeed.watches(workload) || !gateway?.watchManaged) return undefined;
    return new DeploymentWatch({ gateway: gateway as Required<Pick<ClusterGateway, 'watchManaged'>>, workload, logger }).start();
  }

  /** Compares the live objects with the current version and records the drift; a failure only logs. */
  private async checkDrift(target: OperationTarget, workload: WorkloadTarget): Promise<void> {
    const { store, logger } = this.deps;
    const ws = target.workspace.name;
    try {
      const current = await store.getCurrentVersion(target.entityRef, ws);
      if (!current) return;
      const expected = renderManifests({
        entityRef: target.entityRef,
        name: target.name,
        workspace: target.workspace,
        version: current.number,
        spec: current.spec,
      });
      // The watch already holds the objects (it has just delivered the
      // rollout's end): six list calls per deploy fewer. Should one kind's
      // event still be on its way, the watch records the drift again when it arrives.
      const watched = this.deps.rolloutFeed?.liveObjects(workload);
      const drift = watched ? detectDrift(expected, watched) : (await this.deps.gateway!.getLive(workload, expected)).drift;
      await store.setDrift(target.entityRef, ws, current.number, drift);
    } catch (error) {
      logger.warn(`Checking drift of ${target.entityRef} in ${ws} after an operation: ${error}`);
    }
  }

  /**
   * A version left `applying` by a backend that stopped between the apply
   * and recording it: the cluster decides. When the live Deployment carries
   * this version, the apply happened, so the version becomes current and
   * takes the rollout's state; otherwise it never reached the cluster and
   * fails. Runs under the lease, so it never races a new operation.
   */
  async reconcileInterrupted(
    target: OperationTarget,
    number: number,
    rollout: RolloutObservation,
  ): Promise<'finished' | 'unchanged'> {
    const { store } = this.deps;
    const ws = target.workspace.name;
    const lease = await this.deps.leases.tryAcquire(target.entityRef, ws, `recovery of v${number}`);
    if (!lease) return 'unchanged';
    const applied = rollout.version === number;
    try {
      const version = await store.getVersion(target.entityRef, ws, number);
      if (!version || (version.status !== 'applying' && version.status !== 'pending')) return 'unchanged';
      if (applied) {
        await store.updateVersionStatus(target.entityRef, ws, number, {
          status: rollout.state,
          rollout: rollout.progress,
          statusMessage: `Recovered after the backend applying it stopped: ${rollout.message ?? rollout.state}`,
          appliedAt: new Date(),
          makeCurrent: true,
          fence: lease.fence,
          ...(rollout.state === 'progressing' ? {} : { finishedAt: new Date() }),
        });
      } else {
        await store.updateVersionStatus(target.entityRef, ws, number, {
          status: 'failed',
          statusMessage: `Interrupted: the backend applying this version stopped before its objects reached the cluster, which runs ${rollout.version ? `v${rollout.version}` : 'no Deployment of it'}; deploy again`,
          finishedAt: new Date(),
          fence: lease.fence,
        });
      }
    } finally {
      await lease.release();
    }
    this.deps.logger.info(
      `Recovered ${target.entityRef} v${number} in ${ws} from the cluster: ${applied ? `applied, ${rollout.state}` : 'not applied'}`,
    );
    if (applied && rollout.state === 'failed') {
      await this.afterFailure(target, (await store.getVersion(target.entityRef, ws, number))!);
    }
    return 'finished';
  }

  /**
   * A rollout nobody follows any more (its replica died, or the cluster
   * finished it while nobody watched): records how it ended, under the
   * lease. 'busy' when an operation holds the lease: its follower records it.
   */
  async finishUnfollowedRollout(
    target: OperationTarget,
    number: number,
    rollout: RolloutObservation,
  ): Promise<'finished' | 'unchanged' | 'busy'> {
    const { store } = this.deps;
    const ws = target.workspace.name;
    const ended = rollout.version !== undefined && rollout.version !== number ? 'replaced' : rollout.state;
    if (ended === 'progressing') return 'unchanged';
    const lease = await this.deps.leases.tryAcquire(target.entityRef, ws, `recording the end of v${number}`);
    if (!lease) return 'busy';
    let failed: Version | undefined;
    try {
      const version = await store.getVersion(target.entityRef, ws, number);
      if (version?.status !== 'progressing') return 'unchanged';
      if (ended === 'replaced') {
        // The Deployment carries another version: this rollout can never be observed.
        await store.updateVersionStatus(target.entityRef, ws, number, {
          status: 'failed',
          statusMessage: `The cluster runs v${rollout.version}, not v${number}; its rollout can no longer be followed`,
          finishedAt: new Date(),
          fence: lease.fence,
        });
        return 'finished';
      }
      await store.updateVersionStatus(target.entityRef, ws, number, {
        status: ended,
        rollout: rollout.progress,
        statusMessage: rollout.message ?? null,
        finishedAt: new Date(),
        fence: lease.fence,
      });
      if (ended === 'failed') failed = (await store.getVersion(target.entityRef, ws, number))!;
    } finally {
      await lease.release();
    }
    if (failed) await this.afterFailure(target, failed);
    return 'finished';
  }

  /** Where the workspace rolls back automatically, a failed version is rolled back. */
  private async afterFailure(target: OperationTarget, failed: Version) {
    if (target.workspace.autoRollback) {
      await this.rollBackAutomatically(target, failed);
    }
  }

  /** After a failed rollout, a new version with the last succeeded spec. */
  async rollBackAutomatically(target: OperationTarget, failed: Version): Promise<Version | undefined> {
    const { store, logger } = this.deps;
    if (failed.origin.automatic) {
      // A failing restore would otherwise trigger another restore each
      // progress deadline, without end: a person decides what happens next.
      logger.warn(
        `${target.entityRef} v${failed.number} in ${target.workspace.name} was itself an automatic rollback and failed; not rolling back again`,
      );
      return undefined;
    }
    const good = await store.getLastSucceededVersion(
      target.entityRef,
      target.workspace.name,
      failed.number,
    );
    if (!good) {
      logger.warn(
        `${target.entityRef} v${failed.number} failed in ${target.workspace.name}; no earlier succeeded version to roll back to`,
      );
      return undefined;
    }
    logger.info(
      `Rolling ${target.entityRef} in ${target.workspace.name} back to v${good.number} after v${failed.number} failed`,
    );
    return this.createAndApply(target, {
      spec: good.spec,
      origin: {
        type: 'rollback',
        version: good.number,
        automatic: `rollout of v${failed.number} failed: ${failed.statusMessage ?? 'unknown reason'}`,
      },
      createdBy: 'shipyard:auto-rollback',
      message: `Automatic rollback to v${good.number}: rollout of v${failed.number} failed`,
    },
    // It runs in the background of the failed rollout's follower; waiting
    // means whoever waits for that rollout learns how the restore ended.
    { wait: true });
  }
}
