import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { shipyardLeaseReleasePermission } from '@shipyard/backstage-plugin-common';
import {
  ENTITY_REF,
  mockShipyardApi,
  permissionsDenying,
  renderForEntity,
  responseError,
  SIGNED_IN_USER,
  spec,
  state,
  version,
} from '../../__testUtils__/fixtures';
import { useWorkspacePermission } from '../../hooks/useWorkspacePermission';
import {
  clearSpecEditor,
  specEditorSelection,
  specEditorText,
} from '../../__testUtils__/specEditor';
import { EntityVersionsContent } from './EntityVersionsContent';

const v1 = version(1);
const v2 = version(2, { origin: { type: 'edit' }, message: 'raise replicas' });
const v3 = version(3, {
  origin: { type: 'rollback', version: 1 },
  message: 'bad release',
  createdBy: 'user:default/bob',
});

function devWithHistory() {
  return mockShipyardApi({
    getServiceWorkspaces: jest.fn().mockResolvedValue([
      state('dev', {
        currentVersion: v3,
        latestVersion: v3,
        versionCount: 3,
      }),
      state('staging'),
      state('prod'),
    ]),
    listVersions: jest
      .fn()
      .mockResolvedValue({ items: [v3, v2, v1], totalCount: 3 }),
  });
}

describe('EntityVersionsContent', () => {
  it('shows progress while the workspaces load', async () => {
    const api = mockShipyardApi({
      getServiceWorkspaces: jest.fn(() => new Promise(() => {})),
    });
    await renderForEntity(<EntityVersionsContent />, api);
    expect(screen.getByTestId('progress')).toBeInTheDocument();
  });

  it('shows the error when the workspaces cannot be loaded', async () => {
    const api = mockShipyardApi({
      getServiceWorkspaces: jest
        .fn()
        .mockRejectedValue(
          await responseError(
            403,
            'NotAllowedError',
            'shipyard.version.read is not allowed',
          ),
        ),
    });
    await renderForEntity(<EntityVersionsContent />, api);
    expect(
      (await screen.findAllByText(/shipyard.version.read is not allowed/))
        .length,
    ).toBeGreaterThan(0);
  });

  it('explains how to add workspaces when the service has none', async () => {
    await renderForEntity(<EntityVersionsContent />, mockShipyardApi());
    expect(await screen.findByText('No workspaces')).toBeInTheDocument();
  });

  it('offers a first deploy in a workspace without versions', async () => {
    const api = mockShipyardApi({
      getServiceWorkspaces: jest
        .fn()
        .mockResolvedValue([state('dev'), state('prod')]),
    });
    await renderForEntity(<EntityVersionsContent />, api);
    expect(
      await screen.findByText('No versions in dev yet'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Deploy first version' }),
    ).toBeInTheDocument();
  });

  it('lists the history newest first with origin, author, message and status in words', async () => {
    const api = devWithHistory();
    await renderForEntity(<EntityVersionsContent />, api);
    expect(await screen.findByText('rollback of v1')).toBeInTheDocument();
    expect(screen.getByText('edit')).toBeInTheDocument();
    expect(screen.getByText('by bob')).toBeInTheDocument();
    expect(screen.getByText('raise replicas')).toBeInTheDocument();
    expect(screen.getAllByText('Succeeded').length).toBeGreaterThanOrEqual(3);
    const image = screen.getByTitle('ghcr.io/acme/payments:1.3.0');
    // A narrow column breaks an image between its parts, never inside its tag.
    expect(
      Array.from(image.querySelectorAll('span')).map(part => part.textContent),
    ).toEqual(['ghcr.io/', 'acme/', 'payments', ':1.3.0']);
    expect(image.querySelectorAll('wbr')).toHaveLength(3);
    expect(screen.getByText('3 versions, newest first')).toBeInTheDocument();
    expect(api.listVersions).toHaveBeenCalledWith(ENTITY_REF, 'dev', {
      limit: 50,
      cursor: undefined,
    });
    // The current version cannot be rolled back to; the others can.
    expect(
      screen.queryByRole('button', { name: 'Roll back to v3' }),
    ).not.toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Roll back to v1' }),
    ).toBeInTheDocument();
  });

  it('labels promotions and automatic rollbacks', async () => {
    const api = devWithHistory();
    api.listVersions.mockResolvedValue({
      items: [
        version(9, {
          origin: {
            type: 'rollback',
            version: 7,
            automatic: 'rollout of v8 failed',
          },
        }),
        version(8, {
          status: 'failed',
          statusMessage: 'progress deadline exceeded',
        }),
        version(7, {
          origin: { type: 'promotion', workspace: 'staging', version: 7 },
        }),
      ],
      totalCount: 3,
    });
    await renderForEntity(<EntityVersionsContent />, api);
    expect(
      await screen.findByText('promoted from staging v7'),
    ).toBeInTheDocument();
    expect(screen.getByText('automatic rollback to v7')).toBeInTheDocument();
    expect(screen.getByText('Failed')).toBeInTheDocument();
    expect(screen.getByText('progress deadline exceeded')).toBeInTheDocument();
  });

  it('pages through a long history with the server cursor', async () => {
    const api = devWithHistory();
    // Two rows stand for each page of 50: rendering is not what this test is about.
    const page1 = [version(10_000), version(9_999)];
    const page2 = [version(9_950), version(9_949)];
    api.listVersions.mockImplementation(async (_ref, _ws, { cursor }) =>
      cursor === 'c50'
        ? { items: page2, nextCursor: 'c100', totalCount: 10_000 }
        : { items: page1, nextCursor: 'c50', totalCount: 10_000 },
    );
    await renderForEntity(<EntityVersionsContent />, api);
    expect(
      await screen.findByText('Versions 1–2 of 10,000'),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Newer' })).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Older' }));
    expect(
      await screen.findByText('Versions 51–52 of 10,000'),
    ).toBeInTheDocument();
    expect(screen.getByText('v9950')).toBeInTheDocument();
    expect(api.listVersions).toHaveBeenLastCalledWith(ENTITY_REF, 'dev', {
      limit: 50,
      cursor: 'c50',
    });
    await userEvent.click(screen.getByRole('button', { name: 'Newer' }));
    expect(
      await screen.findByText('Versions 1–2 of 10,000'),
    ).toBeInTheDocument();
  });

  describe('Go to version', () => {
    function longHistory() {
      const api = devWithHistory();
      api.getServiceWorkspaces.mockResolvedValue([
        state('dev', {
          currentVersion: version(10_000),
          latestVersion: version(10_000),
          versionCount: 10_000,
        }),
      ]);
      api.listVersions.mockResolvedValue({
        items: [version(10_000), version(9_999)],
        nextCursor: 'c50',
        totalCount: 10_000,
      });
      api.getVersion.mockImplementation(async (_ref, _ws, n) => {
        if (n > 10_000 || n === 17) {
          throw await responseError(
            404,
            'NotFoundError',
            `version: ${ENTITY_REF} has no v${n} in dev`,
          );
        }
        return { ...version(n, { message: `release ${n}` }), manifests: [] };
      });
      api.diff.mockResolvedValue({
        from: { workspace: 'dev', version: 1 },
        to: { workspace: 'dev', version: 2 },
        changes: [],
      });
      return api;
    }

    it("opens a version's page by its number, however many pages back it is", async () => {
      const api = longHistory();
      await renderForEntity(<EntityVersionsContent />, api);
      const field = await screen.findByRole('textbox', {
        name: 'Go to version',
      });
      await userEvent.type(field, 'v1234{Enter}');
      expect(
        await screen.findByRole('heading', { name: 'dev v1234' }),
      ).toBeInTheDocument();
      expect(api.getVersion).toHaveBeenCalledWith(ENTITY_REF, 'dev', 1234);
      // Only the newest page of the history was listed on the way.
      expect(api.listVersions).toHaveBeenCalledTimes(1);
    });

    it('names a version the workspace does not have and stays on the history', async () => {
      const api = longHistory();
      await renderForEntity(<EntityVersionsContent />, api);
      const field = await screen.findByRole('textbox', {
        name: 'Go to version',
      });
      await userEvent.type(field, '20000');
      await userEvent.click(screen.getByRole('button', { name: 'Open' }));
      expect(
        await screen.findByText(
          'v20000 does not exist in dev: its newest version is v10000',
        ),
      ).toBeInTheDocument();
      expect(field).toHaveAttribute('aria-invalid', 'true');
      expect(screen.getByText('Versions 1–2 of 10,000')).toBeInTheDocument();

      await userEvent.clear(field);
      await userEvent.type(field, '17{Enter}');
      expect(
        await screen.findByText(
          'v17 does not exist in dev (its retention may have removed it)',
        ),
      ).toBeInTheDocument();
    });

    it('says what it expects when the text is not a version number, without asking the backend', async () => {
      const api = longHistory();
      await renderForEntity(<EntityVersionsContent />, api);
      const field = await screen.findByRole('textbox', {
        name: 'Go to version',
      });
      await userEvent.type(field, 'latest{Enter}');
      expect(
        await screen.findByText(
          "Go to version: 'latest' is not a version number (e.g. 42 or v42)",
        ),
      ).toBeInTheDocument();
      await userEvent.clear(field);
      await userEvent.type(field, '0{Enter}');
      expect(
        await screen.findByText(
          "Go to version: '0' is not a version number (e.g. 42 or v42)",
        ),
      ).toBeInTheDocument();
      expect(api.getVersion).not.toHaveBeenCalled();
    });
  });

  it('shows the rollout progress in words that say what they count, and follows it to the end', async () => {
    jest.useFakeTimers({ advanceTimers: true });
    try {
      const rolling = version(4, {
        status: 'progressing',
        rollout: {
          desiredReplicas: 4,
          updatedReplicas: 1,
          readyReplicas: 1,
          availableReplicas: 1,
        },
      });
      const done = version(4, {
        status: 'succeeded',
        rollout: {
          desiredReplicas: 4,
          updatedReplicas: 4,
          readyReplicas: 4,
          availableReplicas: 4,
        },
      });
      const api = devWithHistory();
      api.getServiceWorkspaces
        .mockResolvedValueOnce([
          state('dev', {
            currentVersion: rolling,
            latestVersion: rolling,
            versionCount: 4,
          }),
        ])
        .mockResolvedValue([
          state('dev', {
            currentVersion: done,
            latestVersion: done,
            versionCount: 4,
          }),
        ]);
      api.listVersions.mockResolvedValue({
        items: [rolling, v3],
        totalCount: 2,
      });
      await renderForEntity(<EntityVersionsContent />, api);
      const bars = await screen.findAllByRole('progressbar', {
        name: 'Rollout of v4',
      });
      // The workspace header and the history row: the same words.
      expect(bars).toHaveLength(2);
      for (const bar of bars) {
        expect(bar).toHaveAttribute(
          'aria-valuetext',
          '1 of 4 updated · 1 ready',
        );
      }
      expect(screen.getAllByText('Rolling out')).toHaveLength(2);
      jest.advanceTimersByTime(2100);
      await waitFor(() =>
        expect(screen.queryByText('Rolling out')).not.toBeInTheDocument(),
      );
      const header = screen.getByRole('tab', { name: /^dev/ });
      expect(within(header).getByText('Succeeded')).toBeInTheDocument();
      const row = screen
        .getByTitle('ghcr.io/acme/payments:1.4.0')
        .closest('tr')!;
      expect(within(row).getByText('Succeeded')).toBeInTheDocument();
    } finally {
      jest.useRealTimers();
    }
  });

  it('shows one status for a version in the header and its row, whichever answer came first', async () => {
    const early = version(4, {
      status: 'progressing',
      rollout: {
        desiredReplicas: 2,
        updatedReplicas: 1,
        readyReplicas: 2,
        availableReplicas: 2,
      },
    });
    const later = version(4, {
      status: 'succeeded',
      rollout: {
        desiredReplicas: 2,
        updatedReplicas: 2,
        readyReplicas: 2,
        availableReplicas: 2,
      },
    });
    const api = devWithHistory();
    // The workspaces were read while v4 rolled out; the history a moment later, once it had finished.
    api.getServiceWorkspaces.mockResolvedValue([
      state('dev', {
        currentVersion: early,
        latestVersion: early,
        versionCount: 4,
      }),
    ]);
    api.listVersions.mockResolvedValue({ items: [later, v3], totalCount: 2 });
    await renderForEntity(<EntityVersionsContent />, api);
    const row = (
      await screen.findByTitle('ghcr.io/acme/payments:1.4.0')
    ).closest('tr')!;
    await waitFor(() =>
      expect(within(row).getByText('Succeeded')).toBeInTheDocument(),
    );
    const header = screen.getByRole('tab', { name: /^dev/ });
    expect(within(header).getByText('Succeeded')).toBeInTheDocument();
    expect(screen.queryByText('Rolling out')).not.toBeInTheDocument();
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
  });

  it('names surge pods instead of counting them as ready replicas', async () => {
    const surging = version(4, {
      status: 'progressing',
      rollout: {
        desiredReplicas: 2,
        updatedReplicas: 2,
        readyReplicas: 4,
        availableReplicas: 4,
      },
    });
    const api = devWithHistory();
    api.getServiceWorkspaces.mockResolvedValue([
      state('dev', {
        currentVersion: surging,
        latestVersion: surging,
        versionCount: 4,
      }),
    ]);
    api.listVersions.mockResolvedValue({ items: [surging, v3], totalCount: 2 });
    await renderForEntity(<EntityVersionsContent />, api);
    expect(
      (
        await screen.findAllByText(
          '2 of 2 updated · 2 ready · 2 surge pods still running',
        )
      ).length,
    ).toBe(2);
    expect(screen.queryByText(/4 ready/)).not.toBeInTheDocument();
  });

  it('shows the spec of a version as YAML', async () => {
    const api = devWithHistory();
    api.getVersion.mockResolvedValue({ ...v2, manifests: [] });
    await renderForEntity(<EntityVersionsContent />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'View spec of v2' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Spec of dev v2',
    });
    await waitFor(() =>
      expect(dialog).toHaveTextContent('image: ghcr.io/acme/payments:1.2.0'),
    );
    expect(api.getVersion).toHaveBeenCalledWith(ENTITY_REF, 'dev', 2);
  });

  it('diffs two selected versions field by field', async () => {
    const api = devWithHistory();
    api.diff.mockResolvedValue({
      from: { workspace: 'dev', version: 1 },
      to: { workspace: 'dev', version: 3 },
      changes: [
        {
          path: 'image',
          kind: 'changed',
          before: 'ghcr.io/acme/payments:1.1.0',
          after: 'ghcr.io/acme/payments:1.3.0',
        },
        { path: 'env.NEW_FLAG', kind: 'added', after: 'on' },
      ],
    });
    await renderForEntity(<EntityVersionsContent />, api);
    await userEvent.click(
      await screen.findByRole('checkbox', { name: 'Select v3 to compare' }),
    );
    await userEvent.click(
      screen.getByRole('checkbox', { name: 'Select v1 to compare' }),
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Compare v1 and v3' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Compare versions',
    });
    const table = await within(dialog).findByRole('table', {
      name: 'Differences from dev v1 to dev v3',
    });
    expect(api.diff).toHaveBeenCalledWith(
      ENTITY_REF,
      { workspace: 'dev', version: 1 },
      { workspace: 'dev', version: 3 },
    );
    const image = within(table).getByTestId('change-image');
    expect(image).toHaveTextContent('changed');
    expect(image).toHaveTextContent('ghcr.io/acme/payments:1.1.0');
    expect(image).toHaveTextContent('ghcr.io/acme/payments:1.3.0');
    expect(within(table).getByTestId('change-env.NEW_FLAG')).toHaveTextContent(
      'added',
    );
  });

  it('diffs versions across workspaces from the selectors', async () => {
    const api = devWithHistory();
    api.diff.mockImplementation(async (_ref, from, to) => ({
      from,
      to,
      changes: [],
    }));
    await renderForEntity(<EntityVersionsContent />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Compare versions' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Compare versions',
    });
    await userEvent.click(
      within(dialog).getByRole('button', { name: /To workspace/ }),
    );
    await userEvent.click(await screen.findByRole('option', { name: 'prod' }));
    const toVersion = within(dialog).getByRole('spinbutton', {
      name: 'To version',
    });
    await userEvent.clear(toVersion);
    await userEvent.type(toVersion, '2');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Compare' }),
    );
    expect(
      await within(dialog).findByText(
        'dev v2 and prod v2 have identical specs.',
      ),
    ).toBeInTheDocument();
    // Without a selection the dialog starts with the current version and its predecessor.
    expect(api.diff).toHaveBeenCalledWith(
      ENTITY_REF,
      { workspace: 'dev', version: 2 },
      { workspace: 'dev', version: 3 },
    );
    expect(api.diff).toHaveBeenLastCalledWith(
      ENTITY_REF,
      { workspace: 'dev', version: 2 },
      { workspace: 'prod', version: 2 },
    );
  });

  it('rolls back with a reason after showing the diff from the current version', async () => {
    const api = devWithHistory();
    api.previewRollback.mockResolvedValue({
      service: ENTITY_REF,
      workspace: 'dev',
      fromVersion: 3,
      toVersion: 1,
      changes: [
        {
          path: 'image',
          kind: 'changed',
          before: 'ghcr.io/acme/payments:1.3.0',
          after: 'ghcr.io/acme/payments:1.1.0',
        },
      ],
      warnings: [],
    });
    api.rollback.mockResolvedValue(
      version(4, { origin: { type: 'rollback', version: 1 } }),
    );
    await renderForEntity(<EntityVersionsContent />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Roll back to v1' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Roll back dev to v1',
    });
    expect(await within(dialog).findByTestId('change-image')).toHaveTextContent(
      'ghcr.io/acme/payments:1.1.0',
    );
    const submit = within(dialog).getByRole('button', {
      name: 'Roll back to v1',
    });
    expect(submit).toBeDisabled();
    // From the keyboard alone: Tab to the reason, type it, Tab to the button, Enter.
    const reason = within(dialog).getByRole('textbox', { name: /Reason/ });
    for (let i = 0; i < 10 && document.activeElement !== reason; i++) {
      await userEvent.tab();
    }
    expect(reason).toHaveFocus();
    await userEvent.keyboard('checkout errors since v3');
    expect(submit).toBeEnabled();
    for (let i = 0; i < 5 && document.activeElement !== submit; i++) {
      await userEvent.tab();
    }
    expect(submit).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() =>
      expect(api.rollback).toHaveBeenCalledWith(ENTITY_REF, 'dev', 1, {
        reason: 'checkout errors since v3',
        expectedCurrentVersion: 3,
      }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
  });

  it('says so when someone else deployed before the rollback ran (409)', async () => {
    const api = devWithHistory();
    api.previewRollback.mockResolvedValue({
      service: ENTITY_REF,
      workspace: 'dev',
      fromVersion: 3,
      toVersion: 1,
      changes: [],
      warnings: [],
    });
    api.rollback.mockRejectedValue(
      await responseError(
        409,
        'ConflictError',
        'expectedCurrentVersion is 3, but the current version of component:default/payments in dev is v4; reload and try again',
      ),
    );
    await renderForEntity(<EntityVersionsContent />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Roll back to v1' }),
    );
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(
      await within(dialog).findByRole('textbox', { name: /Reason/ }),
      'revert',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Roll back to v1' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      /Someone else deployed to dev in the meantime/,
    );
  });

  it('closes a dialog with Escape', async () => {
    const api = devWithHistory();
    api.getVersion.mockResolvedValue({ ...v2, manifests: [] });
    await renderForEntity(<EntityVersionsContent />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'View spec of v2' }),
    );
    await screen.findByRole('dialog');
    await userEvent.keyboard('{Escape}');
    await waitFor(() =>
      expect(screen.queryByRole('dialog')).not.toBeInTheDocument(),
    );
  });

  it('shows a drift banner', async () => {
    const api = devWithHistory();
    api.getServiceWorkspaces.mockResolvedValue([
      state('dev', {
        currentVersion: v3,
        latestVersion: v3,
        versionCount: 3,
        drift: {
          checkedAt: new Date().toISOString(),
          drifted: true,
          fields: [{ path: 'Deployment.spec.replicas', expected: 2, live: 5 }],
        },
      }),
    ]);
    await renderForEntity(<EntityVersionsContent />, api);
    const banner = await screen.findByRole('alert');
    expect(banner).toHaveTextContent(
      'Drift in dev: the cluster no longer matches v3',
    );
    expect(banner).toHaveTextContent('Deployment.spec.replicas');
  });

  describe('the lease of a workspace', () => {
    const HOLDER = 'vm/12552/16f8bed3-5a0c-4b7e-9b1e-3f1f0c2a9d11';
    const lease = (operation: string, secondsAgo = 20) => ({
      holder: HOLDER,
      operation,
      acquiredAt: new Date(Date.now() - secondsAgo * 1000).toISOString(),
      expiresAt: new Date(Date.now() + 10_000).toISOString(),
    });
    const withLease = (
      operation: string,
      latest = version(4, { status: 'progressing', createdBy: SIGNED_IN_USER }),
    ) => {
      const api = devWithHistory();
      api.getServiceWorkspaces.mockResolvedValue([
        state('dev', {
          currentVersion: v3,
          latestVersion: latest,
          versionCount: 4,
          lease: lease(operation),
        }),
      ]);
      return api;
    };

    it('says in plain words that your own deploy is in progress, with the holder only in its details', async () => {
      const api = withLease(`edit by ${SIGNED_IN_USER}`);
      await renderForEntity(<EntityVersionsContent />, api);
      const notice = await screen.findByTestId('lease-notice');
      // The lease was taken 20 s before the test; a busy machine may take a few more to render.
      expect(notice).toHaveTextContent(
        /^Your deploy of v4 in dev is in progress, started 2\d seconds ago\./,
      );
      expect(notice).not.toHaveTextContent(HOLDER);
      await userEvent.click(
        within(notice).getByRole('button', { name: 'Lease details' }),
      );
      const details = await screen.findByRole('dialog', {
        name: 'Lease details',
      });
      expect(details).toHaveTextContent(HOLDER);
      expect(details).toHaveTextContent(`edit by ${SIGNED_IN_USER}`);
    });

    it("names someone else's operation by who started it", async () => {
      const api = withLease(
        'rollback by user:default/ana',
        version(4, { status: 'progressing', createdBy: 'user:default/ana' }),
      );
      await renderForEntity(<EntityVersionsContent />, api);
      expect(await screen.findByTestId('lease-notice')).toHaveTextContent(
        /^ana's rollback of v4 in dev is in progress, started 2\d seconds ago\./,
      );
    });

    it('force-releases the lease for those allowed to, after asking', async () => {
      const api = withLease('deploy by user:default/ana');
      api.releaseLease.mockResolvedValue(undefined);
      await renderForEntity(<EntityVersionsContent />, api);
      const notice = await screen.findByTestId('lease-notice');
      await userEvent.click(
        within(notice).getByRole('button', { name: 'Force-release' }),
      );
      const dialog = await screen.findByRole('dialog', {
        name: 'Force-release the lease of dev?',
      });
      expect(dialog).toHaveTextContent('only when it is stuck');
      const calls = api.getServiceWorkspaces.mock.calls.length;
      await userEvent.click(
        within(dialog).getByRole('button', { name: 'Force-release' }),
      );
      await waitFor(() =>
        expect(api.releaseLease).toHaveBeenCalledWith(ENTITY_REF, 'dev'),
      );
      await waitFor(() =>
        expect(api.getServiceWorkspaces.mock.calls.length).toBeGreaterThan(
          calls,
        ),
      );
    });

    it('offers no force-release to those who may not', async () => {
      (useWorkspacePermission as jest.Mock).mockReturnValue({
        allowed: false,
        loading: false,
      });
      const api = withLease('deploy by user:default/ana');
      await renderForEntity(<EntityVersionsContent />, api);
      const notice = await screen.findByTestId('lease-notice');
      expect(
        within(notice).queryByRole('button', { name: 'Force-release' }),
      ).not.toBeInTheDocument();
      expect(useWorkspacePermission).toHaveBeenCalledWith(
        shipyardLeaseReleasePermission,
        expect.objectContaining({ name: 'dev' }),
      );
    });
  });

  it('switches workspace and remembers it in the URL', async () => {
    const api = mockShipyardApi({
      getServiceWorkspaces: jest.fn().mockResolvedValue([
        state('dev', {
          currentVersion: v3,
          latestVersion: v3,
          versionCount: 3,
        }),
        state('staging', {
          currentVersion: version(7, { workspace: 'staging' }),
          latestVersion: version(7, { workspace: 'staging' }),
          versionCount: 7,
        }),
      ]),
      listVersions: jest.fn().mockResolvedValue({ items: [v3], totalCount: 1 }),
    });
    await renderForEntity(<EntityVersionsContent />, api, {
      routeEntries: ['/?workspace=staging'],
    });
    expect(
      await screen.findByRole('tab', { name: /staging/, selected: true }),
    ).toBeInTheDocument();
    await waitFor(() =>
      expect(api.listVersions).toHaveBeenCalledWith(
        ENTITY_REF,
        'staging',
        expect.anything(),
      ),
    );
    await userEvent.click(screen.getByRole('tab', { name: /dev/ }));
    await waitFor(() =>
      expect(api.listVersions).toHaveBeenLastCalledWith(
        ENTITY_REF,
        'dev',
        expect.anything(),
      ),
    );
  });
});

describe('EditDeployDialog (from the Versions tab)', () => {
  /** Opens Edit and deploy on dev; `apis` as renderForEntity takes them, e.g. a permission denied. */
  async function openEditor(
    api = devWithHistory(),
    apis?: ReturnType<typeof permissionsDenying>[],
  ) {
    await renderForEntity(<EntityVersionsContent />, api, { apis });
    await userEvent.click(
      await screen.findByRole('button', { name: 'Edit and deploy' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Edit and deploy to dev',
    });
    const editor = within(dialog).getByRole('textbox', { name: 'Spec (YAML)' });
    return { api, dialog, editor };
  }

  it('starts from the current spec and validates as you type, naming the field', async () => {
    const { dialog, editor } = await openEditor();
    expect(specEditorText(editor)).toContain(
      'image: ghcr.io/acme/payments:1.3.0',
    );
    expect(within(dialog).getByText('The spec is valid.')).toBeInTheDocument();
    await clearSpecEditor(editor);
    await userEvent.type(
      editor,
      'image: ghcr.io/acme/payments:2.0.0{enter}replicas: -1',
    );
    const problems = await within(dialog).findByRole('list', {
      name: 'Spec problems',
    });
    expect(problems).toHaveTextContent('replicas');
    expect(editor).toHaveAttribute('aria-invalid', 'true');
    // The schema's problem is marked in the editor's gutter too.
    await waitFor(() =>
      expect(dialog.querySelector('.cm-lint-marker-error')).not.toBeNull(),
    );
    expect(
      within(dialog).getByRole('button', { name: 'Deploy to dev' }),
    ).toBeDisabled();
  });

  it('names the YAML line of each problem, suggests the field meant, and goes to the line', async () => {
    const { dialog, editor } = await openEditor();
    await clearSpecEditor(editor);
    await userEvent.paste(
      [
        'image: ghcr.io/acme/payments:2.0.0',
        'ports:',
        '  - name: http',
        '    port: 8080',
        'replica: 2',
      ].join('\n'),
    );
    const problems = await within(dialog).findByRole('list', {
      name: 'Spec problems',
    });
    expect(problems).toHaveTextContent(
      'line 5: replica: unknown field; did you mean replicas?',
    );
    await userEvent.click(
      within(problems).getByRole('button', { name: 'Go to line 5' }),
    );
    expect(editor).toHaveFocus();
    expect(specEditorSelection(editor)).toBe('replica: 2');
  });

  it('keeps the order and comments of the YAML the user deployed when editing that version again', async () => {
    const { api, dialog, editor } = await openEditor();
    const text = [
      '# payments, as the team writes it',
      'image: ghcr.io/acme/payments:1.4.0',
      'replicas: 2',
      'env:',
      '  ZED: last',
      '  ALPHA: first',
      'ports:',
      '  - port: 8080',
      '    name: http',
      '',
    ].join('\n');
    const deployed = version(4, {
      origin: { type: 'edit' },
      specHash: 'hash-of-the-written-spec',
      spec: {
        image: 'ghcr.io/acme/payments:1.4.0',
        replicas: 2,
        env: { ALPHA: 'first', ZED: 'last' },
        ports: [{ name: 'http', port: 8080 }],
      },
    });
    api.deploy.mockResolvedValue(deployed);
    api.getServiceWorkspaces.mockResolvedValue([
      state('dev', {
        currentVersion: deployed,
        latestVersion: deployed,
        versionCount: 4,
      }),
    ]);
    api.listVersions.mockResolvedValue({
      items: [deployed, v3, v2, v1],
      totalCount: 4,
    });
    await clearSpecEditor(editor);
    await userEvent.paste(text);
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Deploy to dev' }),
    );
    await waitFor(() => expect(dialog).not.toBeInTheDocument());
    await waitFor(() =>
      expect(
        within(screen.getByRole('tab', { name: /^dev/ })).getByText('v4'),
      ).toBeInTheDocument(),
    );
    await userEvent.click(
      screen.getByRole('button', { name: 'Edit and deploy' }),
    );
    const again = await screen.findByRole('dialog', {
      name: 'Edit and deploy to dev',
    });
    expect(
      specEditorText(
        within(again).getByRole('textbox', { name: 'Spec (YAML)' }),
      ),
    ).toBe(text);
  });

  it('warns before sending when the workspace lacks a Secret the spec reads', async () => {
    const { api, dialog, editor } = await openEditor();
    api.preflightDeploy.mockResolvedValue({
      blockers: [
        {
          code: 'missing-reference',
          path: 'env.DB_PASSWORD',
          message:
            "Secret payments-db key 'password' in namespace shipyard-dev: does not exist",
        },
      ],
      warnings: [],
    });
    api.deploy.mockResolvedValue(version(4, { origin: { type: 'edit' } }));
    await clearSpecEditor(editor);
    await userEvent.paste(
      [
        'image: ghcr.io/acme/payments:1.4.0',
        'env:',
        '  DB_PASSWORD:',
        '    secretKeyRef: { name: payments-db, key: password }',
      ].join('\n'),
    );
    const warning = await within(dialog).findByTestId('deploy-preflight');
    expect(warning).toHaveTextContent('dev lacks what this spec reads');
    expect(warning).toHaveTextContent("Secret payments-db key 'password'");
    expect(api.preflightDeploy).toHaveBeenCalledWith(ENTITY_REF, 'dev', {
      image: 'ghcr.io/acme/payments:1.4.0',
      env: {
        DB_PASSWORD: { secretKeyRef: { name: 'payments-db', key: 'password' } },
      },
    });
    expect(api.deploy).not.toHaveBeenCalled();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Deploy to dev anyway' }),
    );
    await waitFor(() =>
      expect(api.deploy).toHaveBeenCalledWith(
        ENTITY_REF,
        'dev',
        expect.objectContaining({ allowMissingReferences: true }),
      ),
    );
  });

  it('warns about Secrets and ConfigMaps the workspace lacks, deploying only when told to deploy anyway', async () => {
    const { api, dialog } = await openEditor();
    api.deploy
      .mockRejectedValueOnce(
        await responseError(
          409,
          'ConflictError',
          "missing references: env.DB_PASSWORD: Secret payments-db key 'password' in namespace shipyard-dev: does not exist; env.FLAGS: ConfigMap flags key 'payments' in namespace shipyard-dev: does not exist; create them first, or deploy anyway with allowMissingReferences: true",
        ),
      )
      .mockResolvedValueOnce(version(4, { origin: { type: 'edit' } }));
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Deploy to dev' }),
    );
    const warning = await within(dialog).findByRole('alert');
    expect(warning).toHaveTextContent('Not deployed');
    const list = within(warning).getByRole('list', {
      name: 'Missing references',
    });
    expect(
      within(list)
        .getAllByRole('listitem')
        .map(i => i.textContent),
    ).toEqual([
      "env.DB_PASSWORD: Secret payments-db key 'password' in namespace shipyard-dev: does not exist",
      "env.FLAGS: ConfigMap flags key 'payments' in namespace shipyard-dev: does not exist",
    ]);
    // Not mistaken for someone else's deploy.
    expect(dialog).not.toHaveTextContent('Someone else deployed');
    await userEvent.click(
      within(warning).getByRole('button', { name: 'Deploy anyway' }),
    );
    await waitFor(() =>
      expect(api.deploy).toHaveBeenLastCalledWith(
        ENTITY_REF,
        'dev',
        expect.objectContaining({ allowMissingReferences: true }),
      ),
    );
    expect(api.deploy.mock.calls[0][2]).not.toHaveProperty(
      'allowMissingReferences',
    );
  });

  it('previews the diff and deploys with the expected current version', async () => {
    const { api, dialog, editor } = await openEditor();
    api.deploy.mockResolvedValue(version(4, { origin: { type: 'edit' } }));
    const text = specEditorText(editor).replace('1.3.0', '1.4.0');
    await clearSpecEditor(editor);
    await userEvent.paste(text);
    const change = await within(dialog).findByTestId('change-image');
    expect(change).toHaveTextContent('ghcr.io/acme/payments:1.3.0');
    expect(change).toHaveTextContent('ghcr.io/acme/payments:1.4.0');
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: 'Message' }),
      'bump',
    );
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Deploy to dev' }),
    );
    await waitFor(() =>
      expect(api.deploy).toHaveBeenCalledWith(ENTITY_REF, 'dev', {
        spec: expect.objectContaining({ image: 'ghcr.io/acme/payments:1.4.0' }),
        message: 'bump',
        expectedCurrentVersion: 3,
        origin: 'edit',
      }),
    );
  });

  describe('during a freeze of the workspace', () => {
    const yearEnd = {
      name: 'year end',
      start: '2026-12-24T00:00:00.000Z',
      end: '2999-01-02T00:00:00.000Z',
    };
    const frozenDev = () => {
      const api = devWithHistory();
      api.getServiceWorkspaces.mockResolvedValue([
        state('dev', {
          currentVersion: v3,
          latestVersion: v3,
          versionCount: 3,
          freeze: yearEnd,
        }),
      ]);
      return api;
    };

    it('deploys only with a reason, sent as the freeze override', async () => {
      const { api, dialog } = await openEditor(frozenDev());
      api.deploy.mockResolvedValue(version(4, { origin: { type: 'edit' } }));
      const deployButton = within(dialog).getByRole('button', {
        name: 'Deploy to dev',
      });
      const reason = within(dialog).getByRole('textbox', {
        name: "Reason to deploy during the freeze 'year end'",
      });
      expect(reason).toBeRequired();
      expect(reason).toHaveAccessibleDescription(
        /^dev is frozen \('year end'\) until .*2999.*\. You may go ahead; the reason is audited\.$/,
      );
      expect(deployButton).toBeDisabled();
      await userEvent.type(reason, '   ');
      expect(deployButton).toBeDisabled();
      await userEvent.type(reason, 'hotfix for INC-42');
      expect(deployButton).toBeEnabled();
      await userEvent.click(deployButton);
      await waitFor(() =>
        expect(api.deploy).toHaveBeenCalledWith(
          ENTITY_REF,
          'dev',
          expect.objectContaining({
            expectedCurrentVersion: 3,
            freezeOverride: { reason: 'hotfix for INC-42' },
          }),
        ),
      );
    });

    it('says why deploying is shut to someone without the override permission', async () => {
      const { dialog } = await openEditor(frozenDev(), [
        permissionsDenying('shipyard.freeze.override'),
      ]);
      expect(
        await within(dialog).findByText(
          /^dev is frozen \('year end'\) until .*\. Deploying needs the shipyard\.freeze\.override permission; rollbacks are allowed\.$/,
        ),
      ).toBeInTheDocument();
      expect(
        within(dialog).queryByRole('textbox', { name: /Reason to deploy/ }),
      ).toBeNull();
      expect(
        within(dialog).getByRole('button', { name: 'Deploy to dev' }),
      ).toBeDisabled();
    });
  });

  it('follows the deploy it started in a notice above the history, with the same status as the header and row', async () => {
    const { api, dialog } = await openEditor();
    const applied = version(4, {
      origin: { type: 'edit' },
      status: 'progressing',
      statusMessage: 'Applied; waiting for the rollout',
    });
    const finished = { ...applied, status: 'succeeded' as const };
    api.deploy.mockResolvedValue(applied);
    api.getServiceWorkspaces.mockResolvedValue([
      state('dev', {
        currentVersion: finished,
        latestVersion: finished,
        versionCount: 4,
      }),
    ]);
    api.listVersions.mockResolvedValue({
      items: [finished, v3, v2, v1],
      totalCount: 4,
    });
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Deploy to dev' }),
    );
    const notice = await screen.findByTestId('operation-notice');
    expect(notice).toHaveTextContent('Deployed v4 to dev');
    // The deploy answered "rolling out"; the refresh it triggered says the rollout ended.
    await waitFor(() => expect(notice).toHaveTextContent('Succeeded'));
    expect(screen.queryByText('Rolling out')).not.toBeInTheDocument();
    const header = screen.getByRole('tab', { name: /^dev/ });
    expect(within(header).getByText('Succeeded')).toBeInTheDocument();
    // It is part of the page, not a toast over the last rows.
    expect(notice.closest('[role="tabpanel"]')).not.toBeNull();
    await userEvent.click(
      within(notice).getByRole('button', { name: 'Close' }),
    );
    expect(screen.queryByTestId('operation-notice')).not.toBeInTheDocument();
  });

  it('says who won when someone else deployed in the meantime (409), and rebases on reload', async () => {
    const api = devWithHistory();
    const { dialog } = await openEditor(api);
    const v4 = version(4, {
      spec: spec({ image: 'ghcr.io/acme/payments:9.9.9' }),
    });
    api.deploy.mockRejectedValueOnce(
      await responseError(
        409,
        'ConflictError',
        'expectedCurrentVersion is 3, but the current version of component:default/payments in dev is v4; reload and try again',
      ),
    );
    api.getServiceWorkspaces.mockResolvedValue([
      state('dev', { currentVersion: v4, latestVersion: v4, versionCount: 4 }),
    ]);
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Deploy to dev' }),
    );
    const alert = await within(dialog).findByRole('alert');
    expect(alert).toHaveTextContent(
      'Someone else deployed v4 in the meantime — reload',
    );
    expect(
      within(dialog).getByRole('button', { name: 'Deploy to dev' }),
    ).toBeDisabled();
    await userEvent.click(
      within(alert).getByRole('button', { name: 'Reload' }),
    );
    expect(within(dialog).queryByRole('alert')).not.toBeInTheDocument();
    // The diff is now against v4, and the next deploy expects v4.
    expect(within(dialog).getByTestId('change-image')).toHaveTextContent(
      'ghcr.io/acme/payments:9.9.9',
    );
    api.deploy.mockResolvedValue(version(5));
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Deploy to dev' }),
    );
    await waitFor(() =>
      expect(api.deploy).toHaveBeenLastCalledWith(
        ENTITY_REF,
        'dev',
        expect.objectContaining({ expectedCurrentVersion: 4 }),
      ),
    );
  });
});

describe('rejected versions in the history', () => {
  const rejection = {
    by: 'user:default/ben',
    at: new Date().toISOString(),
    reason: 'leaks memory under load',
  };

  function historyWithRejected() {
    const api = devWithHistory();
    api.listVersions.mockResolvedValue({
      items: [v3, { ...v2, rejection }, v1],
      totalCount: 3,
    });
    return api;
  }

  it('strikes a rejected version through, says who and why, offers no rollback to it and lifts the rejection', async () => {
    const api = historyWithRejected();
    api.unrejectVersion.mockResolvedValue(v2);
    await renderForEntity(<EntityVersionsContent />, api);
    expect(await screen.findByTestId('rejection-v2')).toHaveTextContent(
      'Rejected by ben: leaks memory under load',
    );
    expect(
      within(screen.getByRole('link', { name: 'Open v2' })).getByText('v2'),
    ).toHaveStyle({ textDecoration: 'line-through' });
    expect(
      screen.queryByRole('button', { name: 'Roll back to v2' }),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Promote this version (v2)' }),
    ).not.toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', { name: 'Lift the rejection of v2' }),
    );
    await waitFor(() =>
      expect(api.unrejectVersion).toHaveBeenCalledWith(ENTITY_REF, 'dev', 2),
    );
  });

  it('rejects a version with a reason and reloads the history', async () => {
    const api = devWithHistory();
    api.rejectVersion.mockResolvedValue({ ...v1, rejection });
    await renderForEntity(<EntityVersionsContent />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Reject v1' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Reject dev v1',
    });
    const submit = within(dialog).getByRole('button', { name: 'Reject v1' });
    expect(submit).toBeDisabled();
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: /Why is it bad/ }),
      'leaks memory under load',
    );
    const loads = api.listVersions.mock.calls.length;
    await userEvent.click(submit);
    await waitFor(() =>
      expect(api.rejectVersion).toHaveBeenCalledWith(
        ENTITY_REF,
        'dev',
        1,
        'leaks memory under load',
      ),
    );
    await waitFor(() =>
      expect(api.listVersions.mock.calls.length).toBeGreaterThan(loads),
    );
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('links "Promote this version" to the Promote tab with that version', async () => {
    await renderForEntity(<EntityVersionsContent />, devWithHistory());
    expect(
      await screen.findByRole('button', { name: 'Promote this version (v1)' }),
    ).toHaveAttribute('href', '/promote?source=dev&version=1');
  });

  it('offers to reject the version a rollback moves away from, in the same step', async () => {
    const api = devWithHistory();
    api.previewRollback.mockResolvedValue({
      service: ENTITY_REF,
      workspace: 'dev',
      fromVersion: 3,
      toVersion: 1,
      changes: [],
      warnings: [],
    });
    api.rollback.mockResolvedValue(
      version(4, { origin: { type: 'rollback', version: 1 } }),
    );
    await renderForEntity(<EntityVersionsContent />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Roll back to v1' }),
    );
    const dialog = await screen.findByRole('dialog', {
      name: 'Roll back dev to v1',
    });
    await userEvent.type(
      await within(dialog).findByRole('textbox', { name: /^Reason/ }),
      'checkout errors since v3',
    );
    await userEvent.click(
      within(dialog).getByRole('checkbox', { name: /Also reject v3/ }),
    );
    expect(
      within(dialog).getByRole('textbox', { name: /Why v3 is bad/ }),
    ).toHaveValue('checkout errors since v3');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Roll back to v1' }),
    );
    await waitFor(() =>
      expect(api.rollback).toHaveBeenCalledWith(ENTITY_REF, 'dev', 1, {
        reason: 'checkout errors since v3',
        expectedCurrentVersion: 3,
        reject: { reason: 'checkout errors since v3' },
      }),
    );
  });

  it('offers no rejection to those who may not reject', async () => {
    const api = historyWithRejected();
    await renderForEntity(<EntityVersionsContent />, api, {
      apis: [permissionsDenying('shipyard.version.reject')],
    });
    await screen.findByTestId('rejection-v2');
    await screen.findByRole('button', { name: 'Promote this version (v1)' });
    expect(screen.queryByRole('button', { name: 'Reject v1' })).toBeNull();
    expect(
      screen.queryByRole('button', { name: 'Lift the rejection of v2' }),
    ).toBeNull();
  });
});
