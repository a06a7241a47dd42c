import { createApiRef } from '@backstage/core-plugin-api';
import type { ShipyardApi } from '@shipyard/backstage-plugin-common';

/** The Shipyard API as the frontend calls it; provided by `shipyardPlugin` and the `/alpha` plugin. @public */
export const shipyardApiRef = createApiRef<ShipyardApi>({
  id: 'plugin.shipyard.service',
});
