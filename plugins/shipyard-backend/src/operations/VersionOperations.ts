import { LoggerService } from '@backstage/backend-plugin-api';
import {
  renderManifests,
  ServiceSpec,
  Version,
  VersionOrigin,
  Workspace,
} from '@shipyard/backstage-plugin-common';
import { ClusterGateway, RolloutObservation, WorkloadTarget } from '../cluster/ClusterGateway';
import { VersionStore } from '../database/VersionStore';
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
}

const ROLLOUT_GIVE_UP_MS = 15 * 60_000;
const FIRST_ROLLOUT_POLL_MS = 50;

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
    },
  ) {}

  /**
   * Stores the next version and applies it. Resolves once the objects are
   * applied (status `progressing`), or, with `wait`, once the rollout ended.
   * A cluster that refuses leaves the version `failed` and the current
   * version where it was.
   */
  async createAndApply(
    target: OperationTarget,
    request: VersionRequest,
    options: { wait?: boolean } = {},
  ): Promise<Version> {
    const { store } = this.deps;
    const { workspace } = target;
    const base = {
      service: target.entityRef,
      workspace: workspace.name,
      spec: request.spec,
      origin: request.origin,
      createdBy: request.createdBy,
      message: request.message,
    };

    if (!workspace.cluster || !this.deps.gateway) {
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

    const lease = await this.deps.leases.acquire(
      target.entityRef,
      workspace.name,
      `${request.origin.type} by ${request.createdBy}`,
    );
    let version: Version;
    try {
      version = await store.createVersion(
        { ...base, status: 'applying' },
        {
          expectedCurrentVersion: request.expectedCurrentVersion,
          retention: workspace.retention,
        },
      );
    } catch (error) {
      await lease.release();
      throw error;
    }

    const workload: WorkloadTarget = {
      cluster: workspace.cluster,
      namespace: workspace.namespace,
      name: target.name,
    };
    try {
      const manifests = renderManifests({
        entityRef: target.entityRef,
        name: target.name,
        workspace,
        version: version.number,
        spec: version.spec,
      });
      await this.deps.gateway.apply(workload, manifests);
    } catch (error) {
      const message = `Apply failed: ${error instanceof Error ? error.message : String(error)}`;
      await store.updateVersionStatus(target.entityRef, workspace.name, version.number, {
        status: 'failed',
        statusMessage: message,
        finishedAt: new Date(),
      });
      await lease.release();
      this.deps.logger.warn(
        `${target.entityRef} v${version.number} in ${workspace.name}: ${message}`,
      );
      return (await store.getVersion(target.entityRef, workspace.name, version.number))!;
    }

    await store.updateVersionStatus(target.entityRef, workspace.name, version.number, {
      status: 'progressing',
      statusMessage: 'Applied; waiting for the rollout',
      appliedAt: new Date(),
      makeCurrent: true,
    });

    const following = this.followRollout(target, workload, version.number, lease);
    this.track(following);
    if (options.wait) {
      return following;
    }
    return (await store.getVersion(target.entityRef, workspace.name, version.number))!;
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
    try {
      while (lease.isHeld()) {
        try {
          last = await gateway.getRollout(workload);
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
          });
        }
        await sleep(pollMs);
        pollMs = Math.min(Math.ceil(pollMs * 1.5), maxPollMs);
      }
      if (!last || last.state === 'progressing') {
        // The lease was lost; the scheduled refresh finishes the record.
        return (await store.getVersion(target.entityRef, ws, number))!;
      }
      await store.updateVersionStatus(target.entityRef, ws, number, {
        status: last.state,
        rollout: last.progress,
        statusMessage: last.message ?? (last.state === 'succeeded' ? 'Rollout complete' : 'Rollout failed'),
        finishedAt: new Date(),
      });
    } finally {
      await lease.release();
    }

    const finished = (await store.getVersion(target.entityRef, ws, number))!;
    if (finished.status === 'failed' && target.workspace.autoRollback) {
      await this.rollBackAutomatically(target, finished);
    }
    return (await store.getVersion(target.entityRef, ws, number))!;
  }

  /** After a failed rollout, a new version with the last succeeded spec. */
  async rollBackAutomatically(target: OperationTarget, failed: Version): Promise<Version | undefined> {
    const { store, logger } = this.deps;
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
    });
  }
}
