import { screen } from '@testing-library/react';
import {
  mockShipyardApi,
  renderForEntity,
  responseError,
  state,
  version,
} from '../../__testUtils__/fixtures';
import { EntityShipyardOverviewCard } from './EntityShipyardOverviewCard';

describe('EntityShipyardOverviewCard', () => {
  it('shows progress while loading', async () => {
    const api = mockShipyardApi({
      getServiceWorkspaces: jest.fn(() => new Promise(() => {})),
    });
    await renderForEntity(<EntityShipyardOverviewCard />, api);
    expect(screen.getByTestId('progress')).toBeInTheDocument();
  });

  it('shows the error when loading fails', async () => {
    const api = mockShipyardApi({
      getServiceWorkspaces: jest
        .fn()
        .mockRejectedValue(
          await responseError(
            404,
            'NotFoundError',
            'service: no catalog entity',
          ),
        ),
    });
    await renderForEntity(<EntityShipyardOverviewCard />, api);
    expect(
      (await screen.findAllByText(/no catalog entity/)).length,
    ).toBeGreaterThan(0);
  });

  it('says when the service has no workspaces', async () => {
    await renderForEntity(<EntityShipyardOverviewCard />, mockShipyardApi());
    expect(
      await screen.findByText(/No Shipyard workspaces/),
    ).toBeInTheDocument();
  });

  it('shows the current version per workspace with its status in words', async () => {
    const dev = version(3, { status: 'succeeded' });
    const stagingCurrent = version(7, {
      workspace: 'staging',
      origin: { type: 'promotion', workspace: 'dev', version: 3 },
    });
    const stagingFailed = version(8, {
      workspace: 'staging',
      status: 'failed',
    });
    const api = mockShipyardApi({
      getServiceWorkspaces: jest
        .fn()
        .mockResolvedValue([
          state('dev', {
            currentVersion: dev,
            latestVersion: dev,
            versionCount: 3,
          }),
          state('staging', {
            currentVersion: stagingCurrent,
            latestVersion: stagingFailed,
            versionCount: 8,
          }),
          state('prod'),
        ]),
    });
    await renderForEntity(<EntityShipyardOverviewCard />, api);
    expect(await screen.findByTestId('overview-dev')).toHaveTextContent(
      'v3Succeeded',
    );
    const staging = screen.getByTestId('overview-staging');
    expect(staging).toHaveTextContent('v7');
    expect(staging).toHaveTextContent('promoted from dev v3');
    expect(staging).toHaveTextContent('v8 : Failed');
    expect(screen.getByTestId('overview-prod')).toHaveTextContent(
      'prod (protected)No version yet',
    );
    // Each current version links to its page on the Versions tab.
    expect(
      screen.getByRole('link', { name: 'Open staging v7' }),
    ).toHaveAttribute('href', '/versions/staging/7');
  });
});
