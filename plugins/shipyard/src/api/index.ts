export { shipyardApiRef, type ShipyardFrontendApi } from './ShipyardApiRef';
export { ShipyardApiClient } from './ShipyardApiClient';
