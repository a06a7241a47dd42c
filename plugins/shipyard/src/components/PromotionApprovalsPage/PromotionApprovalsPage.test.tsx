import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import {
  mockApis,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import type { PromotionRequest } from '@shipyard/backstage-plugin-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SWRConfig } from 'swr';
import {
  mockShipyardApi,
  SIGNED_IN_USER,
  withDefaults,
} from '../../__testUtils__/fixtures';
import { PromotionApprovalsPage } from './PromotionApprovalsPage';

function request(extra: Partial<PromotionRequest> = {}): PromotionRequest {
  return {
    id: 'r1',
    service: 'component:default/payments',
    source: 'staging',
    target: 'prod',
    sourceVersion: 7,
    sourceVersionPinned: false,
    targetVersion: 12,
    planHash: 'plan-hash-1',
    inputKeys: [],
    reason: 'release 1.7',
    origin: 'promotion',
    status: 'pending',
    required: 1,
    approvals: [],
    requestedBy: 'user:default/ana',
    requestedAt: new Date(Date.now() - 60_000).toISOString(),
    updatedAt: new Date().toISOString(),
    ...extra,
  };
}

async function renderPage(
  api = mockShipyardApi(),
  permission = mockApis.permission(),
) {
  await renderInTestApp(
    <TestApiProvider apis={withDefaults(api, [[permissionApiRef, permission]])}>
      <SWRConfig value={{ provider: () => new Map() }}>
        <PromotionApprovalsPage />
      </SWRConfig>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
  return api;
}

const row = (text: string) =>
  screen.getByText(text, { exact: false }).closest('tr') as HTMLElement;

describe('PromotionApprovalsPage', () => {
  it('lists the requests waiting for approval across services, with who asked, why and the approvals so far', async () => {
    const api = mockShipyardApi({
      listPromotionRequests: jest.fn().mockResolvedValue([
        request(),
        request({
          id: 'r2',
          service: 'component:default/ledger',
          source: 'dev',
          target: 'staging',
          sourceVersion: 3,
          required: 2,
          approvals: [
            {
              by: 'user:default/carl',
              at: new Date().toISOString(),
              planHash: 'h',
              reason: 'looks fine',
            },
          ],
          requestedBy: 'user:default/ben',
          origin: 'auto-promotion',
        }),
      ]),
    });
    await renderPage(api);
    expect(api.listPromotionRequests).toHaveBeenCalledWith({
      status: ['pending', 'approved'],
    });
    await screen.findByText('staging v7 → prod (now v12)');
    const payments = row('staging v7 → prod');
    expect(payments).toHaveTextContent('by ana');
    expect(payments).toHaveTextContent('release 1.7');
    expect(payments).toHaveTextContent('0 of 1');
    expect(
      within(payments).getByRole('link', { name: 'payments' }),
    ).toHaveAttribute('href', '/catalog/default/component/payments/promote');
    const ledger = row('dev v3 → staging');
    expect(ledger).toHaveTextContent('1 of 2');
    expect(ledger).toHaveTextContent('carl: looks fine');
    expect(ledger).toHaveTextContent('opened by auto-promotion');
  });

  it("approves another user's request with a reason and says what became of it", async () => {
    const api = mockShipyardApi({
      listPromotionRequests: jest.fn().mockResolvedValue([request()]),
      approvePromotionRequest: jest.fn().mockResolvedValue(
        request({
          status: 'executed',
          outcome: {
            by: SIGNED_IN_USER,
            at: new Date().toISOString(),
            version: 13,
          },
        }),
      ),
    });
    await renderPage(api);
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Approve staging v7 to prod of payments',
      }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Approve the promotion of staging v7 to prod',
    });
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Reason/ }),
      'checked the dashboards',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Approve' }),
    );
    await waitFor(() =>
      expect(api.approvePromotionRequest).toHaveBeenCalledWith(
        'r1',
        'checked the dashboards',
      ),
    );
    expect(await screen.findByRole('status')).toHaveTextContent(
      'Approved: staging v7 to prod ran and created prod v13.',
    );
    expect(api.listPromotionRequests).toHaveBeenCalledTimes(2);
  });

  it('declines with a reason', async () => {
    const api = mockShipyardApi({
      listPromotionRequests: jest.fn().mockResolvedValue([request()]),
      declinePromotionRequest: jest
        .fn()
        .mockResolvedValue(request({ status: 'declined' })),
    });
    await renderPage(api);
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Decline staging v7 to prod of payments',
      }),
    );
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Reason/ }),
      'not during the sale',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Decline' }),
    );
    await waitFor(() =>
      expect(api.declinePromotionRequest).toHaveBeenCalledWith(
        'r1',
        'not during the sale',
      ),
    );
    expect(await screen.findByRole('status')).toHaveTextContent(
      'Declined: staging v7 to prod will not run.',
    );
  });

  it('shows Approve disabled with the reason for the requester and for those without shipyard.promotion.approve', async () => {
    const api = mockShipyardApi({
      listPromotionRequests: jest
        .fn()
        .mockResolvedValue([
          request({ requestedBy: SIGNED_IN_USER }),
          request({ id: 'r2', service: 'component:default/ledger' }),
        ]),
    });
    await renderPage(
      api,
      mockApis.permission({
        authorize: req =>
          req.resourceRef === 'component:default/ledger'
            ? AuthorizeResult.DENY
            : AuthorizeResult.ALLOW,
      }),
    );
    const own = await screen.findByRole('button', {
      name: 'Approve staging v7 to prod of payments',
    });
    await waitFor(() =>
      expect(own).toHaveAccessibleDescription(
        'You requested it: someone else approves it',
      ),
    );
    expect(own).toBeDisabled();
    const ledger = screen.getByRole('button', {
      name: 'Approve staging v7 to prod of ledger',
    });
    await waitFor(() =>
      expect(ledger).toHaveAccessibleDescription(
        'You may not approve promotions of this service',
      ),
    );
    expect(ledger).toBeDisabled();
  });

  it('says when nothing waits', async () => {
    await renderPage();
    expect(
      await screen.findByText('No promotion waits for approval'),
    ).toBeInTheDocument();
  });
});
