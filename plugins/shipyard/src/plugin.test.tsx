import { shipyardPlugin } from './plugin';
import shipyardFrontendPlugin from './alpha';

describe('shipyardPlugin', () => {
  it('is the shipyard plugin in the legacy frontend system', () => {
    expect(shipyardPlugin.getId()).toBe('shipyard');
  });

  it('provides the API, both entity tabs and the overview card in the new frontend system', () => {
    expect(shipyardFrontendPlugin.pluginId).toBe('shipyard');
    for (const id of [
      'api:shipyard',
      'entity-content:shipyard/versions',
      'entity-content:shipyard/promote',
      'entity-card:shipyard/overview',
    ] as const) {
      expect(shipyardFrontendPlugin.getExtension(id)).toBeDefined();
    }
  });
});
