export { shipyardApiRef } from './ShipyardApiRef';
export { ShipyardApiClient } from './ShipyardApiClient';
