/**
 * Shipyard's backend plugin: every deployed version of every service in the
 * Backstage database, update, rollback and promotion over HTTP.
 *
 * @packageDocumentation
 */

export {
  shipyardPlugin as default,
  shipyardClusterExtensionPoint,
  createShipyardClusterGatewayModule,
} from './plugin';
export type { ShipyardClusterExtensionPoint } from './plugin';
export type {
  ClusterGateway,
  WorkloadTarget,
  RolloutObservation,
  ObjectKeyReference,
  NamespaceTarget,
  ManagedObjectList,
  ManagedObjectEvent,
  ReadinessNeeds,
  ReadinessProblem,
} from './cluster/ClusterGateway';
export { ClusterOperationError, WatchExpiredError } from './cluster/ClusterGateway';
export type { VersionStore } from './database/VersionStore';
