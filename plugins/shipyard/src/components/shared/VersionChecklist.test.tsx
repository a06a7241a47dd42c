import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  ENTITY_REF,
  mockShipyardApi,
  renderForEntity,
  state,
  version,
} from '../../__testUtils__/fixtures';
import { EntityVersionsContent } from '../EntityVersionsContent';

const v3 = version(3);
const v4 = version(4, {
  origin: { type: 'promotion', workspace: 'staging', version: 9 },
  checklist: [
    {
      id: 1,
      text: 'serviceAccountName stays payments-dev in dev (as in v3), while staging has payments-staging: check it is still right',
    },
    {
      id: 2,
      text: 'env.API_KEY reads Secret payments-api (key key): make sure it exists in namespace shipyard-dev',
    },
  ],
});

/** The backend as the page sees it: a tick changes v4 for every later read. */
function api(): ReturnType<typeof mockShipyardApi> {
  let stored = v4;
  const shipyard = mockShipyardApi({
    getServiceWorkspaces: jest.fn(async () => [
      state('dev', {
        currentVersion: stored,
        latestVersion: stored,
        versionCount: 4,
      }),
      state('staging'),
      state('prod'),
    ]),
    listVersions: jest.fn(async () => ({ items: [stored, v3], totalCount: 2 })),
    getVersion: jest.fn(async (_ref, _ws, n) => ({
      ...(n === 4 ? stored : v3),
      manifests: [],
    })),
    diff: jest.fn().mockResolvedValue({
      from: { workspace: 'dev', version: 3 },
      to: { workspace: 'dev', version: 4 },
      changes: [],
    }),
  });
  shipyard.updateChecklistItem.mockImplementation(
    async (_ref, _ws, _n, id: number, done: boolean) => {
      stored = {
        ...stored,
        checklist: stored.checklist!.map(item =>
          item.id !== id
            ? item
            : {
                id: item.id,
                text: item.text,
                ...(done
                  ? {
                      done: {
                        by: 'user:default/ana',
                        at: new Date().toISOString(),
                      },
                    }
                  : {}),
              },
        ),
      };
      return stored;
    },
  );
  return shipyard;
}

describe('the checklist of a promotion', () => {
  it("marks the history row of a promoted version with its open items, and only that version's", async () => {
    await renderForEntity(<EntityVersionsContent />, api());
    const marker = await screen.findByTestId('checklist-v4');
    expect(marker).toHaveTextContent('2 open checklist items');
    expect(marker).toHaveAttribute('href', '/dev/4');
    expect(screen.queryByTestId('checklist-v3')).not.toBeInTheDocument();
  });

  it('ticks an item off on the version page: saved, counted as done, and shown with who ticked it', async () => {
    const shipyard = api();
    await renderForEntity(<EntityVersionsContent />, shipyard, {
      routeEntries: ['/dev/4'],
    });
    const list = await screen.findByRole('region', {
      name: 'Checklist of v4',
    });
    expect(
      within(list).getByTestId('version-checklist-open'),
    ).toHaveTextContent('2 open checklist items');
    const box = within(list).getByRole('checkbox', {
      name: /serviceAccountName stays payments-dev/,
    });
    expect(box).not.toBeChecked();
    await userEvent.click(box);
    await waitFor(() =>
      expect(shipyard.updateChecklistItem).toHaveBeenCalledWith(
        ENTITY_REF,
        'dev',
        4,
        1,
        true,
      ),
    );
    await waitFor(() =>
      expect(
        within(list).getByTestId('version-checklist-open'),
      ).toHaveTextContent('1 open checklist item'),
    );
    expect(
      within(list).getByRole('checkbox', {
        name: /serviceAccountName stays payments-dev/,
      }),
    ).toBeChecked();
    expect(list).toHaveTextContent('ticked off by ana');
  });

  it('shows why a tick was not saved and keeps the item open', async () => {
    const shipyard = api();
    shipyard.updateChecklistItem.mockRejectedValue(
      new Error(
        'shipyard.promotion.execute is not allowed on component:default/payments',
      ),
    );
    await renderForEntity(<EntityVersionsContent />, shipyard, {
      routeEntries: ['/dev/4'],
    });
    const list = await screen.findByRole('region', {
      name: 'Checklist of v4',
    });
    await userEvent.click(
      within(list).getByRole('checkbox', { name: /env.API_KEY/ }),
    );
    expect(
      await within(list).findByText(
        /shipyard.promotion.execute is not allowed/,
      ),
    ).toBeInTheDocument();
    expect(
      within(list).getByRole('checkbox', { name: /env.API_KEY/ }),
    ).not.toBeChecked();
    expect(
      within(list).getByTestId('version-checklist-open'),
    ).toHaveTextContent('2 open checklist items');
  });
});
