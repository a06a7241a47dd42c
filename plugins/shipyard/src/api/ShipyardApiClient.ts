import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import {
  ShipyardClient,
  type ServiceWorkspaceState,
  type Workspace,
} from '@shipyard/backstage-plugin-common';

/**
 * The frontend's Shipyard client: the shared {@link ShipyardClient} on the
 * app's discovery and fetch APIs, so every request carries the user's token.
 * @public
 */
export class ShipyardApiClient extends ShipyardClient {
  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    super({ discoveryApi: options.discoveryApi, fetchApi: options.fetchApi });
  }

  async getWorkspaces(): Promise<Workspace[]> {
    return itemsOf(await super.getWorkspaces());
  }

  async getServiceWorkspaces(
    entityRef: string,
  ): Promise<ServiceWorkspaceState[]> {
    return itemsOf(await super.getServiceWorkspaces(entityRef));
  }
}

// The list routes answer `{ items }` (room to add paging later); accept a bare array too.
function itemsOf<T>(body: T[] | { items: T[] }): T[] {
  return Array.isArray(body) ? body : body.items;
}
