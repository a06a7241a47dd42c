/**
 * Shipyard's frontend: the Versions and Promote tabs and an overview card on
 * catalog entity pages. The new frontend system's plugin is in `/alpha`.
 *
 * @packageDocumentation
 */

export {
  shipyardPlugin,
  EntityShipyardVersionsContent,
  EntityShipyardPromoteContent,
  EntityShipyardOverviewCard,
  ShipyardApprovalsPage,
} from './plugin';
export {
  shipyardApiRef,
  ShipyardApiClient,
  type ShipyardFrontendApi,
} from './api';
export { isShipyardAvailable } from './isShipyardAvailable';
export { versionsRouteRef, promoteRouteRef, approvalsRouteRef } from './routes';
