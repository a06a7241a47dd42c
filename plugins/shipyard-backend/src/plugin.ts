import {
  coreServices,
  createBackendModule,
  createBackendPlugin,
  createExtensionPoint,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { ClusterGateway } from './cluster/ClusterGateway';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  readShipyardAnnotations,
  shipyardPermissions,
} from '@shipyard/backstage-plugin-common';
import { KubernetesClusterGateway } from './cluster/KubernetesClusterGateway';
import { RefreshTask } from './operations/RefreshTask';
import { ClusterWatchers } from './operations/ClusterWatchers';
import { SingletonLease } from './operations/SingletonLease';
import { WorkloadReconciler } from './operations/WorkloadReconciler';
import { canWatch } from './cluster/NamespaceWatcher';
import { sleep } from './operations/sleep';
import { WorkspaceRegistry } from './config/WorkspaceRegistry';
import { DatabaseVersionStore } from './database/DatabaseVersionStore';
import { LeaseManager } from './operations/LeaseManager';
import { PromotionOperations } from './operations/PromotionOperations';
import { VersionOperations } from './operations/VersionOperations';
import { VersionEvents } from './operations/VersionEvents';
import { createRouter } from './service/router';
import { ShipyardService } from './service/ShipyardService';
import { createShipyardActions } from './actions/createShipyardActions';
import { DatabasePromotionPolicyStore } from './promotion/DatabasePromotionPolicyStore';
import { PromotionPolicy } from './promotion/PromotionPolicy';
import { AutoPromoter } from './promotion/AutoPromoter';
import { notificationService } from '@backstage/plugin-notifications-node';
import { NotificationsShipyardNotifier } from './notifications/ShipyardNotifier';
import {
  PromotionRequests,
  readPromotionRequestExecution,
} from './promotion/PromotionRequests';
import { DatabasePromotionRequestStore } from './database/DatabasePromotionRequestStore';
import { publishVersionSignals } from './signals/versionSignals';

/**
 * Lets a backend module replace how Shipyard talks to clusters.
 * @public
 */
export interface ShipyardClusterExtensionPoint {
  setClusterGateway(gateway: ClusterGateway): void;
}

/** @public */
export const shipyardClusterExtensionPoint =
  createExtensionPoint<ShipyardClusterExtensionPoint>({
    id: 'shipyard.cluster',
  });

/**
 * A backend module that makes Shipyard talk to clusters through `gateway`
 * instead of the Kubernetes plugin's proxy.
 * @public
 */
export function createShipyardClusterGatewayModule(
  gateway: ClusterGateway,
  moduleId = 'cluster-gateway',
) {
  return createBackendModule({
    pluginId: 'shipyard',
    moduleId,
    register(env) {
      env.registerInit({
        deps: { cluster: shipyardClusterExtensionPoint },
        async init({ cluster }) {
          cluster.setClusterGateway(gateway);
        },
      });
    },
  });
}

/**
 * Shipyard's backend plugin: versions in the Backstage database, applied to
 * the Kubernetes plugin's clusters, served at /api/shipyard.
 * @public
 */
export const shipyardPlugin = createBackendPlugin({
  pluginId: 'shipyard',
  register(env) {
    let customGateway: ClusterGateway | undefined;
    env.registerExtensionPoint(shipyardClusterExtensionPoint, {
      setClusterGateway(gateway) {
        if (customGateway) {
          throw new Error(
            'Shipyard: a cluster gateway was already set by another module',
          );
        }
        customGateway = gateway;
      },
    });
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        lifecycle: coreServices.lifecycle,
        scheduler: coreServices.scheduler,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
        catalog: catalogServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
        // Its default factory posts to the notifications backend; without one, sends fail and are logged.
        notifications: notificationService,
        // Its default factory needs no signals backend: apps without one still start.
        signals: signalsServiceRef,
      },
      async init(deps) {
        const { config, logger, database, httpRouter, lifecycle } = deps;
        const workspaces = WorkspaceRegistry.fromConfig(config, {
          onWarning: m => logger.warn(m),
        });
        // Every status change goes through this bus (signals, notifications,
        // auto-promotion and watchers subscribe to it).
        const versionEvents = new VersionEvents(logger);
        const store = versionEvents.wrap(
          await DatabaseVersionStore.create({ database }),
        );
        publishVersionSignals(versionEvents, deps.signals);
        const leases = new LeaseManager(store, logger, {
          ttlMs:
            (config.getOptionalNumber('shipyard.lease.ttlSeconds') ?? 30) *
            1000,
          waitMs:
            (config.getOptionalNumber('shipyard.lease.waitSeconds') ?? 20) *
            1000,
        });
        const gateway =
          customGateway ??
          new KubernetesClusterGateway({
            discovery: deps.discovery,
            auth: deps.auth,
            logger,
            watchSeconds: config.getOptionalNumber(
              'shipyard.watch.timeoutSeconds',
            ),
          });
        // One replica at a time watches each cluster namespace for all
        // services; `shipyard.watch.enabled: false` polls per service instead.
        const watching =
          config.getOptionalBoolean('shipyard.watch.enabled') !== false &&
          canWatch(gateway) &&
          workspaces.list().some(w => w.cluster);
        let watchers: ClusterWatchers | undefined;
        const versions = new VersionOperations({
          store,
          leases,
          logger,
          gateway,
          rolloutPollMs: config.getOptionalNumber(
            'shipyard.rolloutPollMilliseconds',
          ),
          rolloutFeed: watching
            ? {
                observe: (workload, number) =>
                  watchers?.observe(workload, number),
                next: (workload, ms) =>
                  watchers ? watchers.next(workload, ms) : sleep(ms),
                liveObjects: workload => watchers?.liveObjects(workload),
                watches: workload => watchers?.watches(workload) ?? false,
              }
            : undefined,
        });
        if (watching && canWatch(gateway)) {
          const clusterWatchers = new ClusterWatchers({
            gateway,
            workspaces,
            reconciler: new WorkloadReconciler({ store, versions, logger }),
            logger,
          });
          watchers = clusterWatchers;
          const watcherLease = new SingletonLease(await database.getClient(), {
            name: 'cluster-watchers',
            ttlMs:
              (config.getOptionalNumber('shipyard.watch.leaseSeconds') ?? 10) *
              1000,
            logger,
            onAcquired: () => clusterWatchers.start(),
            onLost: () => clusterWatchers.stop(),
          });
          lifecycle.addStartupHook(() => watcherLease.start());
          lifecycle.addShutdownHook(() => watcherLease.stop());
        }
        // Rejections, holds and auto-promotion records (DESIGN §11).
        const policyStore = new DatabasePromotionPolicyStore(
          await database.getClient(),
        );
        const policy = new PromotionPolicy(policyStore);
        const promotions = new PromotionOperations({
          store,
          versions,
          gateway,
          policy,
          installationRules: workspaces.promotionRules,
        });
        deps.permissionsRegistry.addPermissions(shipyardPermissions);

        const refresh = new RefreshTask({
          store,
          gateway,
          workspaces,
          versions,
          logger,
          perService: !watching,
          resolveName: async entityRef => {
            const entity = await deps.catalog.getEntityByRef(entityRef, {
              credentials: await deps.auth.getOwnServiceCredentials(),
            });
            return entity
              ? readShipyardAnnotations(entity).serviceName
              : undefined;
          },
        });
        if (workspaces.list().some(w => w.cluster)) {
          const refreshSeconds =
            config.getOptionalNumber('shipyard.refreshIntervalSeconds') ??
            // Beside the watchers the refresh is only the safety net.
            (watching ? 300 : 30);
          await deps.scheduler.scheduleTask({
            id: 'shipyard-refresh-rollouts-and-drift',
            frequency: { seconds: refreshSeconds },
            timeout: { minutes: 5 },
            // Soon after a start, so versions a dead backend left are reconciled promptly.
            initialDelay: { seconds: Math.min(10, refreshSeconds) },
            fn: async () => {
              const result = await refresh.run();
              if (result.finished || result.drifted) {
                logger.info(
                  `Refreshed rollouts and drift: ${result.finished} rollouts finished, ${result.drifted} of ${result.checked} workspaces drifted`,
                );
              }
            },
          });
        }
        lifecycle.addShutdownHook(() => versions.drain());

        const service = new ShipyardService({
          permissions: deps.permissions,
          auditor: deps.auditor,
          catalog: deps.catalog,
          store,
          workspaces,
          versions,
          promotions,
          policy,
          policyStore,
          gateway,
        });
        const notifier =
          config.getOptionalBoolean('shipyard.notifications.enabled') === false
            ? undefined
            : new NotificationsShipyardNotifier({
                notifications: deps.notifications,
                logger,
              });
        notifier?.subscribeTo(versionEvents, store);
        const promotionRequests = new PromotionRequests({
          store: new DatabasePromotionRequestStore(await database.getClient()),
          service,
          auditor: deps.auditor,
          logger,
          execution: readPromotionRequestExecution(config),
          notifier,
        });
        promotionRequests.watchForStalePlans(versionEvents, () =>
          deps.auth.getOwnServiceCredentials(),
        );
        // Auto-promotion (DESIGN §11): prompt through the version bus, with a
        // periodic scan as the safety net across crashes and restarts.
        if (config.getOptionalBoolean('shipyard.autoPromotion.enabled') !== false) {
          const autoPromoter = new AutoPromoter({
            store,
            policyStore,
            promotions,
            workspaces,
            catalog: deps.catalog,
            auth: deps.auth,
            auditor: deps.auditor,
            logger,
            requestApproval: (entityRef, body, context, options) =>
              promotionRequests.request(entityRef, body, context, options),
            notifier,
            claimTtlMs:
              (config.getOptionalNumber('shipyard.autoPromotion.claimSeconds') ??
                120) * 1000,
          });
          autoPromoter.subscribeTo(versionEvents);
          lifecycle.addShutdownHook(() => autoPromoter.drain());
          const scanSeconds =
            config.getOptionalNumber('shipyard.autoPromotion.scanIntervalSeconds') ??
            30;
          await deps.scheduler.scheduleTask({
            id: 'shipyard-auto-promotion-scan',
            frequency: { seconds: scanSeconds },
            timeout: { minutes: 5 },
            initialDelay: { seconds: Math.min(5, scanSeconds) },
            fn: async () => {
              const result = await autoPromoter.scan();
              if (result.resumed || result.caughtUp) {
                logger.info(
                  `Auto-promotion scan: ${result.resumed} interrupted attempts resumed, ${result.caughtUp} missed promotions caught up`,
                );
              }
            },
          });
        }
        httpRouter.use(
          await createRouter({
            httpAuth: deps.httpAuth,
            service,
            promotionRequests,
          }),
        );
        createShipyardActions({
          actionsRegistry: deps.actionsRegistry,
          service,
        });
        logger.info(
          `Shipyard serves ${workspaces.list().length} workspaces: ${workspaces
            .list()
            .map(
              w =>
                `${w.name} (${w.environment}${
                  w.cluster ? `, ${w.cluster}/${w.namespace}` : ', record only'
                })`,
            )
            .join(', ')}`,
        );
      },
    });
  },
});
