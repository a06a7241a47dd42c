import { LoggerService } from '@backstage/backend-plugin-api';
import { renderManifests } from '@shipyard/backstage-plugin-common';
import { ClusterGateway, RolloutObservation } from '../cluster/ClusterGateway';
import { WorkspaceRegistry } from '../config/WorkspaceRegistry';
import { VersionStore } from '../database/VersionStore';
import { OperationTarget, VersionOperations } from './VersionOperations';

/**
 * Keeps rollout and drift state fresh for every service. It runs from the
 * scheduler, so once across all backend replicas, and finishes what a dead
 * replica left: versions still `applying` or `progressing` whose lease
 * expired are reconciled with what the cluster really runs.
 */
export class RefreshTask {
  constructor(
    private readonly deps: {
      store: VersionStore;
      gateway: ClusterGateway;
      workspaces: WorkspaceRegistry;
      versions: VersionOperations;
      logger: LoggerService;
      /** The Kubernetes name of a service's objects, from the catalog. */
      resolveName: (entityRef: string) => Promise<string | undefined>;
    },
  ) {}

  async run(): Promise<{ finished: number; drifted: number; checked: number }> {
    const { store, gateway, workspaces, logger } = this.deps;
    const configured = new Map(workspaces.list().map(w => [w.name, w]));
    // One catalog lookup per service per run, however many workspaces it has.
    const names = new Map<string, Promise<string | undefined>>();
    const resolveName = (entityRef: string) => {
      if (!names.has(entityRef)) names.set(entityRef, this.deps.resolveName(entityRef));
      return names.get(entityRef)!;
    };
    let finished = 0;
    let drifted = 0;
    let checked = 0;

    for (const active of await store.listActiveVersions()) {
      const workspace = configured.get(active.workspace);
      if (!workspace?.cluster) continue;
      const state = await store.getWorkspaceState(active.service, active.workspace);
      if (state?.lease) continue;
      const name = await resolveName(active.service);
      if (!name) continue;
      const target = { entityRef: active.service, name, workspace };
      try {
        const rollout = await gateway.getRollout({ cluster: workspace.cluster, namespace: workspace.namespace, name });
        const outcome =
          active.status === 'progressing'
            ? await this.finishRollout(target, active.number, rollout)
            : await this.deps.versions.reconcileInterrupted(target, active.number, rollout);
        if (outcome === 'finished') finished++;
      } catch (error) {
        logger.warn(`Refreshing ${active.service} v${active.number} in ${active.workspace}: ${error}`);
      }
    }

    for (const deployed of await store.listDeployedWorkspaces()) {
      const workspace = configured.get(deployed.workspace);
      if (!workspace?.cluster) continue;
      const name = await resolveName(deployed.service);
      const current = await store.getVersion(deployed.service, deployed.workspace, deployed.currentNumber);
      if (!name || !current) continue;
      try {
        const expected = renderManifests({
          entityRef: deployed.service,
          name,
          workspace,
          version: current.number,
          spec: current.spec,
        });
        const live = await gateway.getLive({ cluster: workspace.cluster, namespace: workspace.namespace, name }, expected);
        await store.setDrift(deployed.service, deployed.workspace, current.number, live.drift);
        checked++;
        if (live.drift.drifted) drifted++;
      } catch (error) {
        logger.warn(`Checking drift of ${deployed.service} in ${deployed.workspace}: ${error}`);
      }
    }
    return { finished, drifted, checked };
  }

  /** A rollout whose follower is gone (its replica died): record how it ended. */
  private async finishRollout(
    target: OperationTarget,
    number: number,
    rollout: RolloutObservation,
  ): Promise<'finished' | 'unchanged'> {
    const { store } = this.deps;
    const ws = target.workspace.name;
    if (rollout.version !== undefined && rollout.version !== number) {
      // The Deployment carries another version: this rollout can never be observed.
      await store.updateVersionStatus(target.entityRef, ws, number, {
        status: 'failed',
        statusMessage: `The cluster runs v${rollout.version}, not v${number}; its rollout can no longer be followed`,
        finishedAt: new Date(),
      });
      return 'finished';
    }
    if (rollout.state === 'progressing') return 'unchanged';
    await store.updateVersionStatus(target.entityRef, ws, number, {
      status: rollout.state,
      rollout: rollout.progress,
      statusMessage: rollout.message ?? null,
      finishedAt: new Date(),
    });
    if (rollout.state === 'failed' && target.workspace.autoRollback) {
      const version = await store.getVersion(target.entityRef, ws, number);
      if (version) await this.deps.versions.rollBackAutomatically(target, version);
    }
    return 'finished';
  }
}
