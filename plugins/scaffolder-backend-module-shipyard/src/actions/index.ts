export { createShipyardDeployAction } from './deploy';
export { createShipyardRollbackAction } from './rollback';
export { createShipyardPromoteAction } from './promote';
export {
  createShipyardRegisterLocalAction,
  type LocalCatalogOptions,
} from './registerLocal';
export type { ShipyardActionsOptions } from './shipyardCalls';
