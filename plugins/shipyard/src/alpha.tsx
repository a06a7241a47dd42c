import {
  ApiBlueprint,
  createFrontendPlugin,
  createRouteRef,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import AssignmentTurnedIn from '@material-ui/icons/AssignmentTurnedIn';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { ShipyardApiClient, shipyardApiRef } from './api';
import { isShipyardAvailable } from './isShipyardAvailable';
import { APPROVALS_PATH } from './routes';

/** The Shipyard API on the app's discovery and fetch APIs. @alpha */
export const shipyardApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: shipyardApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new ShipyardApiClient({ discoveryApi, fetchApi }),
    }),
});

/** The Versions tab of services' entity pages. @alpha */
export const shipyardVersionsEntityContent = EntityContentBlueprint.make({
  name: 'versions',
  params: {
    path: 'versions',
    title: 'Versions',
    filter: isShipyardAvailable,
    loader: () =>
      import('./components/EntityVersionsContent').then(m => (
        <m.EntityVersionsContent />
      )),
  },
});

/** The Promote tab of services' entity pages. @alpha */
export const shipyardPromoteEntityContent = EntityContentBlueprint.make({
  name: 'promote',
  params: {
    path: 'promote',
    title: 'Promote',
    filter: isShipyardAvailable,
    loader: () =>
      import('./components/EntityPromoteContent').then(m => (
        <m.EntityPromoteContent />
      )),
  },
});

/** The overview card: current version per workspace. @alpha */
export const shipyardOverviewEntityCard = EntityCardBlueprint.make({
  name: 'overview',
  params: {
    filter: isShipyardAvailable,
    loader: () =>
      import('./components/EntityShipyardOverviewCard').then(m => (
        <m.EntityShipyardOverviewCard />
      )),
  },
});

/** Where the approvals page is; a page with a route ref gets an item in the app's navigation. */
const approvalsPageRouteRef = createRouteRef();

/** The release managers' page of promotion requests waiting for approval, with a nav item. @alpha */
export const shipyardApprovalsPage = PageBlueprint.make({
  name: 'approvals',
  params: {
    path: APPROVALS_PATH,
    routeRef: approvalsPageRouteRef,
    title: 'Approvals',
    icon: <AssignmentTurnedIn />,
    noHeader: true,
    loader: () =>
      import('./components/PromotionApprovalsPage').then(m => (
        <m.PromotionApprovalsPage />
      )),
  },
});

/**
 * Shipyard for the new frontend system: the API, the Versions and Promote
 * entity tabs and the overview card.
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'shipyard',
  title: 'Shipyard',
  info: { packageJson: () => import('../package.json') },
  extensions: [
    shipyardApi,
    shipyardVersionsEntityContent,
    shipyardPromoteEntityContent,
    shipyardOverviewEntityCard,
    shipyardApprovalsPage,
  ],
});
