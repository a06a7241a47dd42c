import { screen } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import {
  mockShipyardApi,
  renderForEntity,
  state,
  version,
} from './__testUtils__/fixtures';
import shipyardFrontendPlugin from './alpha';
import {
  EntityShipyardOverviewCard,
  EntityShipyardVersionsContent,
  shipyardPlugin,
} from './plugin';

describe('shipyardPlugin', () => {
  it('is the shipyard plugin in the legacy frontend system', () => {
    expect(shipyardPlugin.getId()).toBe('shipyard');
  });

  it('renders its legacy extensions on an entity page', async () => {
    const current = version(3);
    const api = mockShipyardApi({
      getServiceWorkspaces: jest
        .fn()
        .mockResolvedValue([
          state('dev', {
            currentVersion: current,
            latestVersion: current,
            versionCount: 3,
          }),
        ]),
      listVersions: jest
        .fn()
        .mockResolvedValue({ items: [current], totalCount: 1 }),
    });
    await renderForEntity(
      <>
        <EntityShipyardOverviewCard />
        <Routes>
          <Route path="/versions" element={<EntityShipyardVersionsContent />} />
        </Routes>
      </>,
      api,
      { routeEntries: ['/versions'] },
    );
    expect(
      await screen.findByRole('heading', { name: 'Deployments' }),
    ).toBeInTheDocument();
    expect(await screen.findByText('History of dev')).toBeInTheDocument();
  });

  it('provides the API, both entity tabs, the overview card and the approvals page in the new frontend system', () => {
    expect(shipyardFrontendPlugin.pluginId).toBe('shipyard');
    for (const id of [
      'api:shipyard',
      'entity-content:shipyard/versions',
      'entity-content:shipyard/promote',
      'entity-card:shipyard/overview',
      'page:shipyard/approvals',
    ] as const) {
      expect(shipyardFrontendPlugin.getExtension(id)).toBeDefined();
    }
  });
});
