import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ShipyardClient } from '@shipyard/backstage-plugin-common';

/**
 * The frontend's Shipyard client: the shared {@link ShipyardClient} on the
 * app's discovery and fetch APIs, so every request carries the user's token.
 * @public
 */
export class ShipyardApiClient extends ShipyardClient {
  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    super({ discoveryApi: options.discoveryApi, fetchApi: options.fetchApi });
  }
}
