import { LoggerService } from '@backstage/backend-plugin-api';
import { KubernetesObject, MANAGED_KINDS, renderManifests, Workspace } from '@shipyard/backstage-plugin-common';
import { ClusterGateway } from '../cluster/ClusterGateway';
import { canWatch } from '../cluster/NamespaceWatcher';
import { WorkspaceRegistry } from '../config/WorkspaceRegistry';
import { VersionStore } from '../database/VersionStore';
import { VersionOperations } from './VersionOperations';
import { WorkloadReconciler } from './WorkloadReconciler';

/** What one refresh did. */
export interface RefreshResult {
  finished: number;
  drifted: number;
  checked: number;
}

/**
 * Keeps rollout and drift state fresh for every service. It runs from the
 * scheduler, so once across all backend replicas, and finishes what a dead
 * replica left: versions still `applying` or `progressing` whose lease
 * expired are reconciled with what the cluster really runs.
 *
 * Where the gateway can list a namespace (the Kubernetes plugin's proxy), a
 * refresh costs three labelled lists per cluster namespace, whatever the
 * number of services: beside the watchers it is the safety net for an event
 * they missed. Otherwise it asks the cluster per service.
 */
export class RefreshTask {
  private readonly reconciler: WorkloadReconciler;

  constructor(
    private readonly deps: {
      store: VersionStore;
      gateway: ClusterGateway;
      workspaces: WorkspaceRegistry;
      versions: VersionOperations;
      logger: LoggerService;
      /** The Kubernetes name of a service's objects, from the catalog. */
      resolveName: (entityRef: string) => Promise<string | undefined>;
      /** Ask per service even where the gateway can list namespaces (the polling design, for comparison). */
      perService?: boolean;
    },
  ) {
    this.reconciler = new WorkloadReconciler({ store: deps.store, versions: deps.versions, logger: deps.logger });
  }

  /** One catalog lookup per service per run, however many workspaces it has. */
  private names() {
    const names = new Map<string, Promise<string | undefined>>();
    return (entityRef: string) => {
      if (!names.has(entityRef)) names.set(entityRef, this.deps.resolveName(entityRef));
      return names.get(entityRef)!;
    };
  }

  async run(): Promise<RefreshResult> {
    return canWatch(this.deps.gateway) && !this.deps.perService ? this.runByNamespace() : this.runByService();
  }

  private async runByNamespace(): Promise<RefreshResult> {
    const { store, workspaces, logger } = this.deps;
    const gateway = this.deps.gateway as Required<ClusterGateway>;
    const configured = new Map(workspaces.list().map(w => [w.name, w]));
    const resolveName = this.names();
    const result: RefreshResult = { finished: 0, drifted: 0, checked: 0 };
    // Every (service, workspace) with a current or an active version, by cluster namespace.
    const byNamespace = new Map<string, { services: Array<[string, Workspace]> }>();
    const seen = new Set<string>();
    for (const row of [...(await store.listActiveVersions()), ...(await store.listDeployedWorkspaces())]) {
      const workspace = configured.get(row.workspace);
      if (!workspace?.cluster || seen.has(`${row.service}\n${row.workspace}`)) continue;
      seen.add(`${row.service}\n${row.workspace}`);
      const key = `${workspace.cluster}/${workspace.namespace}`;
      const group = byNamespace.get(key) ?? { services: [] };
      byNamespace.set(key, group);
      group.services.push([row.service, workspace]);
    }
    for (const [key, group] of byNamespace) {
      const [first] = group.services[0];
      const target = { cluster: group.services[0][1].cluster!, namespace: group.services[0][1].namespace };
      let lists: Array<[string, KubernetesObject[]]>;
      try {
        lists = await Promise.all(
          MANAGED_KINDS.map(async kind => [kind.kind, (await gateway.listManaged(target, kind)).items] as [string, KubernetesObject[]]),
        );
      } catch (error) {
        logger.warn(`Refreshing ${key} (${group.services.length} services, e.g. ${first}): ${error}`);
        continue;
      }
      // The objects carry their entity and workspace, so most names need no catalog lookup.
      const nameOf = new Map<string, string>();
      const byKind = new Map(lists.map(([kind, items]) => [kind, new Map(items.map(o => [o.metadata.name, o]))]));
      for (const [, items] of lists) {
        for (const o of items) {
          const owner = o.metadata.annotations?.['shipyard/entity-ref'];
          const ws = o.metadata.labels?.['shipyard/workspace'];
          if (owner && ws) nameOf.set(`${owner}\n${ws}`, o.metadata.name);
        }
      }
      for (const [service, workspace] of group.services) {
        try {
          const name = nameOf.get(`${service}\n${workspace.name}`) ?? (await resolveName(service));
          if (!name) continue;
          const live = new Map(MANAGED_KINDS.map(k => [k.kind, byKind.get(k.kind)?.get(name)]));
          const outcome = await this.reconciler.reconcile({ entityRef: service, name, workspace }, live, { rollout: true, drift: true });
          if (outcome.finished) result.finished++;
          if (outcome.drifted !== undefined) result.checked++;
          if (outcome.drifted) result.drifted++;
        } catch (error) {
          logger.warn(`Refreshing ${service} in ${workspace.name}: ${error}`);
        }
      }
    }
    return result;
  }

  private async runByService(): Promise<RefreshResult> {
    const { store, gateway, workspaces, logger } = this.deps;
    const configured = new Map(workspaces.list().map(w => [w.name, w]));
    const resolveName = this.names();
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
            ? await this.deps.versions.finishUnfollowedRollout(target, active.number, rollout)
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
}
