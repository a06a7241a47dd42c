import { LoggerService } from '@backstage/backend-plugin-api';
import { KubernetesObject, MANAGED_KINDS } from '@shipyard/backstage-plugin-common';
import { ChangeSignal } from './ChangeSignal';
import { ClusterGateway, RolloutObservation, WatchExpiredError, WorkloadTarget } from './ClusterGateway';
import { observeRollout } from './rolloutStatus';

/** A watch that broke is opened again after this long. */
const RETRY_MS = 1000;
const DEPLOYMENT = MANAGED_KINDS[0];

/**
 * One Deployment followed by a watch of its own (a field selector on its
 * name), for a follower on a replica that does not run the watcher of the
 * Deployment's namespace (only one replica does, see ClusterWatchers): the
 * rollout's end reaches the follower as soon as the cluster reports it,
 * with one long request instead of a poll every second. The watch starts
 * from the Deployment's current state and runs until {@link stop}.
 */
export class DeploymentWatch {
  private deployment?: KubernetesObject;
  private answered = false;
  private readonly controller = new AbortController();
  private readonly changes = new ChangeSignal();

  constructor(
    private readonly deps: {
      gateway: Required<Pick<ClusterGateway, 'watchManaged'>>;
      workload: WorkloadTarget;
      logger: LoggerService;
    },
  ) {}

  start(): this {
    void this.follow();
    return this;
  }

  stop(): void {
    this.controller.abort();
    this.changes.notify();
  }

  /** The rollout of version `number` as the watch last saw it; undefined until it has seen that version's Deployment. */
  observe(number: number): RolloutObservation | undefined {
    const deployment = this.deployment;
    if (!deployment || deployment.metadata.labels?.['shipyard/version'] !== String(number)) return undefined;
    return observeRollout(deployment as any, this.deps.workload);
  }

  /** Whether the cluster has answered the watch yet (with the Deployment's state, or its absence). */
  hasAnswered(): boolean {
    return this.answered;
  }

  /** Resolves at the Deployment's next change, or after `ms`. */
  next(ms: number): Promise<void> {
    return this.changes.next(ms);
  }

  private async follow() {
    const { gateway, workload, logger } = this.deps;
    const signal = this.controller.signal;
    // Empty: the cluster starts the watch with the current state (an ADDED event).
    let resourceVersion = '';
    while (!signal.aborted) {
      try {
        for await (const event of gateway.watchManaged(workload, DEPLOYMENT, resourceVersion, signal)) {
          this.answered = true;
          if (event.type === 'BOOKMARK') {
            resourceVersion = event.resourceVersion;
            continue;
          }
          resourceVersion = String(event.object.metadata.resourceVersion ?? resourceVersion);
          this.deployment = event.type === 'DELETED' ? undefined : event.object;
          this.changes.notify();
        }
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof WatchExpiredError) {
          resourceVersion = '';
          continue;
        }
        // The follower asks the cluster itself meanwhile (VersionOperations).
        logger.debug(`Watching Deployment ${workload.namespace}/${workload.name} in ${workload.cluster}: ${error}`);
        await new Promise(resolve => setTimeout(resolve, RETRY_MS));
      }
    }
  }
}
