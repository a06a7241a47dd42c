import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { ShipyardApiClient, shipyardApiRef } from './api';
import { approvalsRouteRef, promoteRouteRef, versionsRouteRef } from './routes';

/** Shipyard for the legacy frontend system: versions, rollback and promotion on entity pages. @public */
export const shipyardPlugin = createPlugin({
  id: 'shipyard',
  apis: [
    createApiFactory({
      api: shipyardApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new ShipyardApiClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: {
    versions: versionsRouteRef,
    promote: promoteRouteRef,
    approvals: approvalsRouteRef,
  },
});

/** The Versions tab, for `<EntityLayout.Route path="/versions" title="Versions">`. @public */
export const EntityShipyardVersionsContent = shipyardPlugin.provide(
  createRoutableExtension({
    name: 'EntityShipyardVersionsContent',
    component: () =>
      import('./components/EntityVersionsContent').then(
        m => m.EntityVersionsContent,
      ),
    mountPoint: versionsRouteRef,
  }),
);

/** The Promote tab, for `<EntityLayout.Route path="/promote" title="Promote">`. @public */
export const EntityShipyardPromoteContent = shipyardPlugin.provide(
  createRoutableExtension({
    name: 'EntityShipyardPromoteContent',
    component: () =>
      import('./components/EntityPromoteContent').then(
        m => m.EntityPromoteContent,
      ),
    mountPoint: promoteRouteRef,
  }),
);

/** The overview card: current version per workspace, for the entity overview grid. @public */
export const EntityShipyardOverviewCard = shipyardPlugin.provide(
  createComponentExtension({
    name: 'EntityShipyardOverviewCard',
    component: {
      lazy: () =>
        import('./components/EntityShipyardOverviewCard').then(
          m => m.EntityShipyardOverviewCard,
        ),
    },
  }),
);

/**
 * The release managers' page: promotion requests waiting for approval across
 * services, for `<Route path="/shipyard/approvals" element={<ShipyardApprovalsPage />} />`.
 * @public
 */
export const ShipyardApprovalsPage = shipyardPlugin.provide(
  createRoutableExtension({
    name: 'ShipyardApprovalsPage',
    component: () =>
      import('./components/PromotionApprovalsPage').then(
        m => m.PromotionApprovalsPage,
      ),
    mountPoint: approvalsRouteRef,
  }),
);
