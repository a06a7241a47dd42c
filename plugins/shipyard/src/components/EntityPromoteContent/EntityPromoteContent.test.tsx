import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { mockApis } from '@backstage/test-utils';
import type { PlanChange } from '@shipyard/backstage-plugin-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  ENTITY_REF,
  entity,
  mockShipyardApi,
  plan,
  permissionsDenying,
  renderForEntity,
  responseError,
  SIGNED_IN_USER,
  state,
  version,
  workspace,
} from '../../__testUtils__/fixtures';
import { EntityPromoteContent } from './EntityPromoteContent';

const staging7 = version(7, { workspace: 'staging' });
const prod12 = version(12, { workspace: 'prod', status: 'recorded' });

function pipelineApi() {
  return mockShipyardApi({
    getServiceWorkspaces: jest.fn().mockResolvedValue([
      state('dev'),
      state('staging', {
        currentVersion: staging7,
        latestVersion: staging7,
        versionCount: 7,
      }),
      state('prod', {
        currentVersion: prod12,
        latestVersion: prod12,
        versionCount: 12,
        drift: {
          checkedAt: new Date().toISOString(),
          drifted: false,
          fields: [],
        },
        lease: {
          holder: 'user:default/carol',
          operation: 'deploy by user:default/carol',
          acquiredAt: new Date().toISOString(),
          expiresAt: new Date(Date.now() + 30_000).toISOString(),
        },
      }),
    ]),
    planPromotion: jest.fn().mockResolvedValue(plan()),
  });
}

const flagGroup = () =>
  screen.getByRole('group', { name: /FEATURE_FLAG in prod/ });
const flagInput = (name: string) =>
  within(flagGroup()).getByRole('textbox', { name });

/** prod is protected: its name is typed to confirm a promotion into it. */
const confirmProd = () =>
  userEvent.type(
    screen.getByRole('textbox', { name: 'Type prod to confirm' }),
    'prod',
  );

async function renderPlan(api = pipelineApi()) {
  await renderForEntity(<EntityPromoteContent />, api);
  await screen.findByRole('heading', { name: 'Plan: staging v7 → prod v12' });
  return api;
}

describe('EntityPromoteContent', () => {
  it('shows progress while the pipeline loads', async () => {
    const api = mockShipyardApi({
      getServiceWorkspaces: jest.fn(() => new Promise(() => {})),
    });
    await renderForEntity(<EntityPromoteContent />, api);
    expect(screen.getByTestId('progress')).toBeInTheDocument();
  });

  it('shows the error when the pipeline cannot be loaded', async () => {
    const api = mockShipyardApi({
      getServiceWorkspaces: jest
        .fn()
        .mockRejectedValue(
          await responseError(500, 'Error', 'database is down'),
        ),
    });
    await renderForEntity(<EntityPromoteContent />, api);
    expect(
      (await screen.findAllByText(/database is down/)).length,
    ).toBeGreaterThan(0);
  });

  it('names the bad annotation when the promotion path is invalid', async () => {
    const bad = {
      ...entity,
      metadata: {
        ...entity.metadata,
        annotations: { 'shipyard/promotion': 'dev' },
      },
    };
    await renderForEntity(<EntityPromoteContent />, mockShipyardApi(), {
      entity: bad,
    });
    expect(
      await screen.findByText(
        /shipyard\/promotion: .*must name at least two workspaces/,
      ),
    ).toBeInTheDocument();
  });

  it('explains the annotation when there is nowhere to promote to', async () => {
    const single = {
      ...entity,
      metadata: {
        ...entity.metadata,
        annotations: { 'shipyard/workspaces': 'dev' },
      },
    };
    const api = mockShipyardApi({
      getServiceWorkspaces: jest.fn().mockResolvedValue([state('dev')]),
    });
    await renderForEntity(<EntityPromoteContent />, api, { entity: single });
    expect(await screen.findByText('No promotion path')).toBeInTheDocument();
  });

  it('says when the source has nothing to promote', async () => {
    const api = mockShipyardApi({
      getServiceWorkspaces: jest
        .fn()
        .mockResolvedValue([state('dev'), state('staging'), state('prod')]),
    });
    await renderForEntity(<EntityPromoteContent />, api);
    expect(
      await screen.findByText('Nothing to promote from dev'),
    ).toBeInTheDocument();
    expect(api.planPromotion).not.toHaveBeenCalled();
  });

  it('shows the pipeline with current versions, drift and the lease holder', async () => {
    await renderPlan();
    const path = screen.getByRole('list', { name: 'Promotion path' });
    const prod = within(path).getByLabelText(
      'Workspace prod, promotion target',
    );
    expect(prod).toHaveTextContent('v12');
    expect(prod).toHaveTextContent('Recorded, not applied');
    expect(prod).toHaveTextContent('Drift: in sync');
    expect(prod).toHaveTextContent("carol's deploy in progress");
    expect(
      within(path).getByLabelText('Workspace staging, promotion source'),
    ).toHaveTextContent('v7');
    expect(within(path).getByLabelText('Workspace dev')).toHaveTextContent(
      'No version yet',
    );
  });

  it('plans the next step of the path whose source has a version, grouped by what happens', async () => {
    const api = await renderPlan();
    expect(api.planPromotion).toHaveBeenCalledWith(ENTITY_REF, {
      source: 'staging',
      target: 'prod',
    });
    expect(
      screen.getByRole('heading', { name: 'Will change (1)' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('heading', { name: 'Kept in target (1)' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('heading', { name: 'Needs your input (1)' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('heading', { name: 'Removed (1)' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('heading', { name: 'Unchanged (1)' }),
    ).toBeInTheDocument();
    expect(screen.getByTestId('plan-image')).toHaveTextContent(
      'ghcr.io/acme/payments:1.7.0',
    );
    expect(screen.getByTestId('plan-replicas')).toHaveTextContent(
      'kept in target: prod sizes itself',
    );
    // Unchanged fields are collapsed.
    expect(
      screen.getByRole('button', { name: /Unchanged \(1\)/ }),
    ).toHaveAttribute('aria-expanded', 'false');
    expect(screen.getByRole('list', { name: 'Warnings' })).toHaveTextContent(
      'env.OLD_KEY is gone from staging',
    );
  });

  it('keeps Promote disabled while a blocker needs input, then promotes with the value given', async () => {
    const api = await renderPlan();
    api.promote.mockResolvedValue(
      version(13, { workspace: 'prod', status: 'recorded' }),
    );
    const promote = screen.getByRole('button', { name: 'Promote to prod' });
    expect(promote).toBeDisabled();
    expect(screen.getByRole('list', { name: 'Blockers' })).toHaveTextContent(
      'env.FEATURE_FLAG is new in staging: give its value for prod',
    );
    expect(screen.getByText(/1 blocker remains/)).toBeInTheDocument();
    // The source value is offered, not filled in.
    const value = flagInput('Value');
    expect(value).toHaveValue('');
    expect(screen.getByTestId('env-input-FEATURE_FLAG')).toHaveTextContent(
      'In staging: on',
    );
    await userEvent.type(value, 'off');
    expect(screen.getByRole('list', { name: 'Blockers' })).toHaveTextContent(
      'resolved by your input',
    );
    // prod is protected: the checklist is shown before the button, which waits for prod's name.
    const review = screen.getByRole('region', {
      name: 'Review before promoting to prod',
    });
    expect(review).toHaveTextContent(
      'env.FEATURE_FLAG gets a value of its own in prod: "off"',
    );
    expect(review).toHaveTextContent(
      'env.OLD_KEY is removed from prod: staging no longer sets it',
    );
    const before = within(review).getByRole('region', {
      name: /Check in prod/,
    });
    await userEvent.click(
      within(before).getByRole('checkbox', {
        name: /point it at prod's own service/,
      }),
    );
    expect(before).toHaveTextContent('1 of 1 checked');
    expect(promote).toBeDisabled();
    await confirmProd();
    expect(promote).toBeEnabled();
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Reason (optional)' }),
      'release 1.7',
    );
    await userEvent.click(promote);
    await waitFor(() =>
      expect(api.promote).toHaveBeenCalledWith(ENTITY_REF, {
        source: 'staging',
        target: 'prod',
        planHash: 'plan-hash-1',
        inputs: { env: { FEATURE_FLAG: 'off' } },
        reason: 'release 1.7',
      }),
    );
    expect(await screen.findByText(/created prod v13/)).toBeInTheDocument();
    // The ticks given before the promotion stay with it afterwards.
    const checklist = screen.getByRole('region', {
      name: /After the promotion: check in prod/,
    });
    expect(checklist).toHaveTextContent('1 of 1 checked');
    const item = within(checklist).getByRole('checkbox', {
      name: /point it at prod's own service/,
    });
    expect(item).toBeChecked();
    await userEvent.click(item);
    expect(checklist).toHaveTextContent('0 of 1 checked');
  });

  it('offers the source value and accepts a secret reference instead of a literal', async () => {
    const api = await renderPlan();
    api.promote.mockResolvedValue(version(13, { workspace: 'prod' }));
    await userEvent.click(
      screen.getByRole('button', {
        name: 'Use the staging value for FEATURE_FLAG',
      }),
    );
    expect(flagInput('Value')).toHaveValue('on');
    await userEvent.click(
      within(flagGroup()).getByRole('button', { name: /Kind/ }),
    );
    await userEvent.click(
      await screen.findByRole('option', { name: 'Secret reference' }),
    );
    const name = flagInput('Secret name');
    await userEvent.type(name, 'Not_A_Name');
    await userEvent.type(flagInput('Key'), 'flag');
    // The shared schema refuses the name, so the blocker stays.
    expect(await screen.findByText(/^name: /)).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Promote to prod' }),
    ).toBeDisabled();
    await userEvent.clear(name);
    await userEvent.type(name, 'payments-flags');
    await confirmProd();
    // The reference is looked up in prod before it counts as resolved.
    const promote = screen.getByRole('button', { name: 'Promote to prod' });
    await waitFor(() => expect(promote).toBeEnabled());
    expect(api.planPromotion).toHaveBeenLastCalledWith(ENTITY_REF, {
      source: 'staging',
      target: 'prod',
      inputs: {
        env: {
          FEATURE_FLAG: {
            secretKeyRef: { name: 'payments-flags', key: 'flag' },
          },
        },
      },
    });
    await userEvent.click(promote);
    await waitFor(() =>
      expect(api.promote).toHaveBeenCalledWith(
        ENTITY_REF,
        expect.objectContaining({
          inputs: {
            env: {
              FEATURE_FLAG: {
                secretKeyRef: { name: 'payments-flags', key: 'flag' },
              },
            },
          },
        }),
      ),
    );
  });

  it('refuses a value of only spaces as it is typed, on the field itself', async () => {
    await renderPlan();
    await userEvent.type(flagInput('Value'), '   ');
    expect(flagInput('Value')).toHaveAttribute('aria-invalid', 'true');
    expect(flagGroup()).toHaveTextContent('Only spaces');
    const blockers = screen.getByRole('list', { name: 'Blockers' });
    expect(blockers).not.toHaveTextContent('resolved by your input');
    expect(blockers).toHaveTextContent('your value: Only spaces');
    expect(screen.queryByText(/all resolved/)).not.toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Promote to prod' }),
    ).toBeDisabled();
  });

  it('checks a Secret reference in the target while planning, and never calls it resolved when it is missing', async () => {
    const api = await renderPlan();
    api.planPromotion.mockImplementation(async (_ref, request) =>
      request.inputs
        ? plan({
            blockers: [
              {
                code: 'missing-reference',
                path: 'env.FEATURE_FLAG',
                message:
                  "Secret no-such-secret key 'flag' in namespace shipyard-prod: Secret no-such-secret does not exist",
              },
            ],
          })
        : plan(),
    );
    await userEvent.click(
      within(flagGroup()).getByRole('button', { name: /Kind/ }),
    );
    await userEvent.click(
      await screen.findByRole('option', { name: 'Secret reference' }),
    );
    await userEvent.type(flagInput('Secret name'), 'no-such-secret');
    await userEvent.type(flagInput('Key'), 'flag');
    expect(flagGroup()).toHaveTextContent('Checking it exists');
    await waitFor(() =>
      expect(flagGroup()).toHaveTextContent(
        'Secret no-such-secret does not exist',
      ),
    );
    expect(flagInput('Secret name')).toHaveAttribute('aria-invalid', 'true');
    const banner = screen.getByRole('list', { name: 'Blockers' });
    expect(banner).toHaveTextContent('your value: Secret no-such-secret key');
    expect(screen.queryByText(/all resolved/)).not.toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Promote to prod' }),
    ).toBeDisabled();
    expect(api.promote).not.toHaveBeenCalled();
  });

  describe('review before promoting', () => {
    it('shows the checklist of a first promotion into an empty protected prod before the button, which waits for prod typed', async () => {
      const api = pipelineApi();
      api.getServiceWorkspaces.mockResolvedValue([
        state('dev'),
        state('staging', {
          currentVersion: staging7,
          latestVersion: staging7,
          versionCount: 7,
        }),
        state('prod'),
      ]);
      api.planPromotion.mockResolvedValue(
        plan({
          target: { workspace: 'prod' },
          firstPromotion: true,
          changes: [
            {
              path: 'image',
              action: 'overwrite',
              to: 'ghcr.io/acme/payments:1.7.0',
              reason: 'copied from source: first promotion into prod',
            },
          ],
          blockers: [],
          warnings: [
            {
              code: 'first-promotion',
              message:
                'prod has no version yet: the source spec is copied; review the checklist',
            },
          ],
          checklist: [
            "env.DB_URL is a database URL (postgres://): point it at prod's own service",
            'Scaling was copied from staging (replicas: 2): size it for prod',
          ],
        }),
      );
      api.promote.mockResolvedValue(version(1, { workspace: 'prod' }));
      await renderForEntity(<EntityPromoteContent />, api);
      const review = await screen.findByRole('region', {
        name: 'Review before promoting to prod',
      });
      expect(review).toHaveTextContent('prod has no version yet');
      const checklist = within(review).getByRole('region', {
        name: /Check in prod/,
      });
      expect(within(checklist).getAllByRole('checkbox')).toHaveLength(2);
      expect(checklist).toHaveTextContent('size it for prod');
      // The checklist comes before the button in the page.
      const promote = screen.getByRole('button', { name: 'Promote to prod' });
      expect(
        checklist.compareDocumentPosition(promote) &
          Node.DOCUMENT_POSITION_FOLLOWING,
      ).toBeTruthy();
      expect(promote).toBeDisabled();
      const confirmation = screen.getByRole('textbox', {
        name: 'Type prod to confirm',
      });
      await userEvent.type(confirmation, 'staging');
      expect(promote).toBeDisabled();
      await userEvent.clear(confirmation);
      await userEvent.type(confirmation, 'prod');
      expect(promote).toBeEnabled();
      await userEvent.click(promote);
      await waitFor(() => expect(api.promote).toHaveBeenCalledTimes(1));
    });

    it('lists the values an ordinary promotion sets and the fields it drops, and asks no confirmation outside protected workspaces', async () => {
      const dev3 = version(3);
      const staging2 = version(2, { workspace: 'staging' });
      const api = mockShipyardApi({
        getServiceWorkspaces: jest.fn().mockResolvedValue([
          state('dev', { currentVersion: dev3, latestVersion: dev3 }),
          state('staging', {
            currentVersion: staging2,
            latestVersion: staging2,
          }),
          state('prod'),
        ]),
        planPromotion: jest.fn().mockResolvedValue(
          plan({
            source: { workspace: 'dev', version: 3 },
            target: { workspace: 'staging', version: 2 },
            changes: [
              {
                path: 'image',
                action: 'overwrite',
                from: 'ghcr.io/acme/payments:1.2.0',
                to: 'ghcr.io/acme/payments:1.3.0',
                reason: 'will change, from source: the artifact being promoted',
              },
              {
                path: 'resources',
                action: 'retain',
                source: { limits: { memory: '512Mi' } },
                reason: 'set only in dev, not taken: staging sizes itself',
              },
              {
                path: 'env.ANOTHER_KEY',
                action: 'needs-input',
                source: 'dev-value',
                reason: 'new in source: give its value for staging',
              },
            ],
            blockers: [
              {
                code: 'env-needs-input',
                path: 'env.ANOTHER_KEY',
                message:
                  'env.ANOTHER_KEY is new in dev: give its value for staging',
              },
            ],
            warnings: [],
            checklist: [],
          }),
        ),
      });
      await renderForEntity(<EntityPromoteContent />, api);
      const review = await screen.findByRole('region', {
        name: 'Review before promoting to staging',
      });
      await userEvent.type(
        within(
          screen.getByRole('group', { name: /ANOTHER_KEY in staging/ }),
        ).getByRole('textbox', { name: 'Value' }),
        'staging-value',
      );
      const list = within(review).getByRole('list', {
        name: 'What this promotion sets and drops',
      });
      expect(list).toHaveTextContent(
        'env.ANOTHER_KEY gets a value of its own in staging: "staging-value"',
      );
      expect(list).toHaveTextContent(
        'resources is set in dev but not taken: staging keeps none',
      );
      expect(review).not.toHaveTextContent('Nothing else to review');
      expect(
        screen.queryByRole('textbox', { name: /to confirm/ }),
      ).not.toBeInTheDocument();
      expect(
        screen.getByRole('button', { name: 'Promote to staging' }),
      ).toBeEnabled();
    });
  });

  describe('plans that say what they mean', () => {
    it('shows each value once: no source column where the target gets the source value, no "after" column where nothing changes', async () => {
      await renderPlan();
      const changes = within(screen.getByTestId('shipyard-plan-overwrite'));
      expect(
        changes.getByRole('columnheader', {
          name: 'After promotion (from staging)',
        }),
      ).toBeInTheDocument();
      expect(
        changes.queryByRole('columnheader', { name: 'In staging' }),
      ).not.toBeInTheDocument();
      const kept = within(screen.getByTestId('shipyard-plan-retain'));
      expect(
        kept.queryByRole('columnheader', { name: /After promotion/ }),
      ).not.toBeInTheDocument();
      expect(
        kept.getByRole('columnheader', { name: 'In staging' }),
      ).toBeInTheDocument();
      expect(screen.getByTestId('plan-replicas')).toHaveTextContent('2');
    });

    it('groups a field set only in the source that the rules leave out, says so, and takes it when asked', async () => {
      const api = pipelineApi();
      api.planPromotion.mockResolvedValue(
        plan({
          changes: [
            ...plan().changes,
            {
              path: 'resources',
              action: 'retain',
              source: { limits: { memory: '512Mi' } },
              reason: 'set only in staging, not taken: prod sizes itself',
            },
          ],
        }),
      );
      await renderPlan(api);
      expect(
        screen.getByRole('heading', { name: 'Not taken from the source (1)' }),
      ).toBeInTheDocument();
      const row = screen.getByTestId('plan-resources');
      expect(row).toHaveTextContent('set only in staging, not taken');
      expect(row).toHaveTextContent('512Mi');
      expect(
        screen.getByRole('heading', { name: 'Kept in target (1)' }),
      ).toBeInTheDocument();

      // Taking it plans again with the field, and the promotion sends the same list.
      api.planPromotion.mockResolvedValue(
        plan({
          changes: [
            ...plan().changes,
            {
              path: 'resources',
              action: 'overwrite',
              to: { limits: { memory: '512Mi' } },
              reason:
                'will change, from source: taken on request, although prod sizes itself',
            },
          ],
          planHash: 'plan-hash-take',
        }),
      );
      await userEvent.click(
        screen.getByRole('button', { name: 'Take resources from staging' }),
      );
      await waitFor(() =>
        expect(api.planPromotion).toHaveBeenLastCalledWith(ENTITY_REF, {
          source: 'staging',
          target: 'prod',
          take: ['resources'],
        }),
      );
      await waitFor(() =>
        expect(
          within(screen.getByTestId('shipyard-plan-overwrite')).getByTestId(
            'plan-resources',
          ),
        ).toHaveTextContent('taken on request'),
      );
      api.promote.mockResolvedValue(version(13, { workspace: 'prod' }));
      await userEvent.type(flagInput('Value'), 'off');
      await confirmProd();
      await userEvent.click(
        screen.getByRole('button', { name: 'Promote to prod' }),
      );
      await waitFor(() =>
        expect(api.promote).toHaveBeenCalledWith(
          ENTITY_REF,
          expect.objectContaining({
            planHash: 'plan-hash-take',
            take: ['resources'],
          }),
        ),
      );
    });

    it('says when nothing would change, and offers no Promote button as if something would', async () => {
      const api = pipelineApi();
      api.planPromotion.mockResolvedValue(
        plan({
          changes: plan().changes.filter(
            c => c.action === 'retain' || c.action === 'unchanged',
          ),
          blockers: [],
          warnings: [],
          checklist: [],
        }),
      );
      await renderPlan(api);
      expect(screen.getByText('Nothing would change')).toBeInTheDocument();
      expect(
        screen.queryByRole('button', { name: 'Promote to prod' }),
      ).not.toBeInTheDocument();
      expect(
        screen.getByRole('button', {
          name: 'Promote anyway: record prod v13 with the same spec',
        }),
      ).toBeInTheDocument();
    });
  });

  it("promotes the version a version page asked for, not the source's current one", async () => {
    const api = pipelineApi();
    api.planPromotion.mockResolvedValue(
      plan({ source: { workspace: 'staging', version: 5 } }),
    );
    api.promote.mockResolvedValue(version(13, { workspace: 'prod' }));
    await renderForEntity(<EntityPromoteContent />, api, {
      routeEntries: ['/?source=staging&version=5'],
    });
    await screen.findByRole('heading', { name: 'Plan: staging v5 → prod v12' });
    expect(api.planPromotion).toHaveBeenCalledWith(ENTITY_REF, {
      source: 'staging',
      target: 'prod',
      sourceVersion: 5,
    });
    expect(
      screen.getByText(/Promoting staging v5, not staging's current v7/),
    ).toBeInTheDocument();
    // An older source version is not an out-of-date plan.
    expect(
      screen.queryByText(/The plan is out of date/),
    ).not.toBeInTheDocument();
    await userEvent.type(flagInput('Value'), 'off');
    await confirmProd();
    await userEvent.click(
      screen.getByRole('button', { name: 'Promote to prod' }),
    );
    await waitFor(() =>
      expect(api.promote).toHaveBeenCalledWith(
        ENTITY_REF,
        expect.objectContaining({ sourceVersion: 5 }),
      ),
    );
  });

  it('follows the promotion it ran in the result notice and the pipeline, one status in both', async () => {
    const api = await renderPlan();
    const rolling = version(13, {
      workspace: 'prod',
      status: 'progressing',
      origin: { type: 'promotion', workspace: 'staging', version: 7 },
    });
    const finished = { ...rolling, status: 'succeeded' as const };
    // Once the promotion is made, the backend reports its rollout as ended.
    api.promote.mockImplementation(async () => {
      api.getServiceWorkspaces.mockResolvedValue([
        state('dev'),
        state('staging', {
          currentVersion: staging7,
          latestVersion: staging7,
          versionCount: 7,
        }),
        state('prod', {
          currentVersion: finished,
          latestVersion: finished,
          versionCount: 13,
        }),
      ]);
      return rolling;
    });
    await userEvent.type(flagInput('Value'), 'off');
    await confirmProd();
    await userEvent.click(
      screen.getByRole('button', { name: 'Promote to prod' }),
    );
    const notice = await screen.findByTestId('operation-notice');
    expect(notice).toHaveTextContent('created prod v13');
    // The promotion answered "rolling out"; the refresh it triggered says the rollout ended.
    await waitFor(() => expect(notice).toHaveTextContent('Succeeded'));
    expect(notice).not.toHaveTextContent('Rolling out');
    expect(screen.getByLabelText(/^Workspace prod/)).toHaveTextContent(
      /v13\s*Succeeded/,
    );
  });

  it('cannot promote past a blocker no input resolves', async () => {
    const api = pipelineApi();
    api.planPromotion.mockResolvedValue(
      plan({
        changes: plan().changes.filter(c => c.action !== 'needs-input'),
        blockers: [
          {
            code: 'invalid-result',
            message:
              'The promoted spec is invalid: readinessProbe.httpGet.port: no port named http',
          },
        ],
      }),
    );
    await renderPlan(api);
    expect(screen.getByRole('list', { name: 'Blockers' })).toHaveTextContent(
      'no port named http',
    );
    expect(
      screen.getByRole('button', { name: 'Promote to prod' }),
    ).toBeDisabled();
    expect(screen.getByText('1 blocker remains.')).toBeInTheDocument();
  });

  it('asks to re-plan when the plan went stale (409), never promoting silently', async () => {
    const api = await renderPlan();
    api.promote.mockRejectedValueOnce(
      await responseError(
        409,
        'ConflictError',
        'planHash: the plan is stale; staging or prod changed since it was computed (now staging v8 -> prod v12); re-plan and review it again',
      ),
    );
    await userEvent.type(flagInput('Value'), 'off');
    await confirmProd();
    await userEvent.click(
      screen.getByRole('button', { name: 'Promote to prod' }),
    );
    const prompt = await screen.findByText(/The plan is out of date — re-plan/);
    expect(
      screen.getByRole('button', { name: 'Promote to prod' }),
    ).toBeDisabled();
    expect(api.promote).toHaveBeenCalledTimes(1);
    api.planPromotion.mockResolvedValue(
      plan({
        source: { workspace: 'staging', version: 8 },
        planHash: 'plan-hash-2',
      }),
    );
    await userEvent.click(
      within(prompt.closest('[role="alert"]') as HTMLElement).getByRole(
        'button',
        { name: 'Re-plan' },
      ),
    );
    expect(
      await screen.findByRole('heading', {
        name: 'Plan: staging v8 → prod v12',
      }),
    ).toBeInTheDocument();
    expect(
      screen.queryByText(/The plan is out of date/),
    ).not.toBeInTheDocument();
    // The value typed before is kept for the new plan.
    expect(flagInput('Value')).toHaveValue('off');
    api.promote.mockResolvedValue(version(13, { workspace: 'prod' }));
    // A new plan is a new review: the confirmation is asked for again.
    expect(
      screen.getByRole('textbox', { name: 'Type prod to confirm' }),
    ).toHaveValue('');
    await confirmProd();
    await userEvent.click(
      screen.getByRole('button', { name: 'Promote to prod' }),
    );
    await waitFor(() =>
      expect(api.promote).toHaveBeenLastCalledWith(
        ENTITY_REF,
        expect.objectContaining({ planHash: 'plan-hash-2' }),
      ),
    );
  });

  it('shows other refusals as they are', async () => {
    const api = await renderPlan();
    api.promote.mockRejectedValue(
      await responseError(
        403,
        'NotAllowedError',
        'shipyard.promotion.execute is not allowed on component:default/payments',
      ),
    );
    await userEvent.type(flagInput('Value'), 'off');
    await confirmProd();
    await userEvent.click(
      screen.getByRole('button', { name: 'Promote to prod' }),
    );
    expect(
      await screen.findByText(/shipyard.promotion.execute is not allowed/),
    ).toBeInTheDocument();
  });

  it('re-plans for another source and target, defaulting to the next step', async () => {
    const api = await renderPlan();
    await userEvent.click(
      screen.getByRole('button', { name: /From workspace/ }),
    );
    await userEvent.click(await screen.findByRole('option', { name: /dev/ }));
    expect(
      await screen.findByText('Nothing to promote from dev'),
    ).toBeInTheDocument();
    await userEvent.click(
      screen.getByRole('button', { name: /From workspace/ }),
    );
    await userEvent.click(
      await screen.findByRole('option', { name: /staging/ }),
    );
    await waitFor(() => expect(api.planPromotion).toHaveBeenCalledTimes(2));
    expect(api.planPromotion).toHaveBeenLastCalledWith(ENTITY_REF, {
      source: 'staging',
      target: 'prod',
    });
  });
});

const IMAGE_CHANGE: PlanChange[] = [
  {
    path: 'image',
    action: 'overwrite',
    from: 'ghcr.io/acme/payments:1.6.0',
    to: 'ghcr.io/acme/payments:1.7.0',
    reason: 'will change, from source: the artifact being promoted',
  },
];

describe('the pipeline of the catalog path', () => {
  const dev5 = version(5);
  const staging7ok = version(7, { workspace: 'staging' });
  const freeze = {
    name: 'year end',
    start: '2026-12-20T00:00:00Z',
    end: '2027-01-04T00:00:00Z',
  };
  const request = {
    id: 'r1',
    service: ENTITY_REF,
    source: 'staging',
    target: 'prod',
    sourceVersion: 7,
    sourceVersionPinned: false,
    targetVersion: 12,
    planHash: 'plan-hash-1',
    inputKeys: [],
    origin: 'promotion' as const,
    status: 'pending' as const,
    required: 1,
    approvals: [],
    requestedBy: 'user:default/ana',
    requestedAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  };

  function policyApi(
    overrides: Partial<Record<'dev' | 'staging' | 'prod', object>> = {},
  ) {
    return mockShipyardApi({
      getServiceWorkspaces: jest.fn().mockResolvedValue([
        state('dev', {
          currentVersion: dev5,
          latestVersion: dev5,
          versionCount: 5,
          ...overrides.dev,
        }),
        state('staging', {
          currentVersion: staging7ok,
          latestVersion: staging7ok,
          versionCount: 7,
          ...overrides.staging,
        }),
        state('prod', {
          currentVersion: prod12,
          latestVersion: prod12,
          versionCount: 12,
          ...overrides.prod,
        }),
      ]),
      planPromotion: jest.fn().mockResolvedValue(
        plan({
          source: { workspace: 'dev', version: 5 },
          target: { workspace: 'staging', version: 7 },
          changes: IMAGE_CHANGE,
          blockers: [],
          warnings: [],
          checklist: [],
        }),
      ),
      listPromotionRequests: jest.fn().mockResolvedValue([request]),
    });
  }

  const stage = (name: string) =>
    screen.getByLabelText(new RegExp(`^Workspace ${name}`));

  it("shows each stage's hold, freeze, last auto-promotion and the requests waiting for it", async () => {
    const api = policyApi({
      staging: {
        hold: {
          by: 'user:default/ben',
          at: new Date().toISOString(),
          reason: 'v6 broke checkout',
          version: 7,
        },
        autoPromotion: {
          source: { workspace: 'dev', version: 5 },
          target: 'staging',
          at: new Date().toISOString(),
          result: 'skipped',
          code: 'hold',
          reason: 'staging is held by a rollback',
        },
      },
      prod: { freeze },
    });
    await renderForEntity(<EntityPromoteContent />, api);
    await screen.findByText(/Auto-promotion held by ben/);
    expect(api.listPromotionRequests).toHaveBeenCalledWith({
      entityRef: ENTITY_REF,
      status: ['pending', 'approved'],
    });
    expect(within(stage('staging')).getByTestId('hold')).toHaveTextContent(
      'Auto-promotion held by ben (rollback v7): v6 broke checkout',
    );
    expect(
      within(stage('staging')).getByTestId('auto-promotion'),
    ).toHaveTextContent(
      'Auto-promotion from dev v5: did not run — staging is held by a rollback',
    );
    expect(within(stage('prod')).getByTestId('freeze')).toHaveTextContent(
      "Frozen: prod is frozen ('year end') until",
    );
    expect(within(stage('prod')).getByTestId('pending')).toHaveTextContent(
      '1 promotion request waits for approval (staging v7 by ana)',
    );
  });

  it("plans the step a stage's button names", async () => {
    const api = policyApi();
    await renderForEntity(<EntityPromoteContent />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Promote v5 to staging' }),
    );
    await waitFor(() =>
      expect(api.planPromotion).toHaveBeenLastCalledWith(ENTITY_REF, {
        source: 'dev',
        target: 'staging',
      }),
    );
    expect(stage('dev')).toHaveAccessibleName(
      'Workspace dev, promotion source',
    );
    expect(stage('staging')).toHaveAccessibleName(
      'Workspace staging, promotion target',
    );
  });

  it('shows a stage button disabled with the reason: a source that did not succeed, a rejected one', async () => {
    const rejected7 = {
      ...staging7ok,
      rejection: {
        by: 'user:default/ben',
        at: new Date().toISOString(),
        reason: 'leaks memory',
      },
    };
    await renderForEntity(
      <EntityPromoteContent />,
      policyApi({
        dev: {
          currentVersion: { ...dev5, status: 'progressing' },
          latestVersion: { ...dev5, status: 'progressing' },
        },
        staging: {
          currentVersion: rejected7,
          latestVersion: rejected7,
        },
      }),
    );
    const toStaging = await screen.findByRole('button', {
      name: 'Promote v5 to staging',
    });
    expect(toStaging).toBeDisabled();
    expect(toStaging).toHaveAccessibleDescription(
      'dev v5 is rolling out; only a succeeded version is promoted',
    );
    const toProd = screen.getByRole('button', { name: 'Promote v7 to prod' });
    expect(toProd).toBeDisabled();
    expect(toProd).toHaveAccessibleDescription(
      'staging v7 is rejected: Rejected by ben: leaks memory',
    );
  });

  it("disables promotion into a frozen workspace with the window's name and end, unless the user may override it with a reason", async () => {
    const api = policyApi({ prod: { freeze } });
    api.planPromotion.mockResolvedValue(
      plan({
        blockers: [
          { code: 'freeze', message: "prod is frozen ('year end') until …" },
        ],
        changes: IMAGE_CHANGE,
        warnings: [],
        checklist: [],
      }),
    );
    const { unmount } = await renderForEntity(<EntityPromoteContent />, api, {
      apis: [permissionsDenying('shipyard.freeze.override')],
    });
    const toProd = await screen.findByRole('button', {
      name: 'Promote v7 to prod',
    });
    await waitFor(() => expect(toProd).toBeDisabled());
    expect(toProd).toHaveAccessibleDescription(
      /^prod is frozen \('year end'\) until /,
    );
    unmount();

    await renderForEntity(<EntityPromoteContent />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Promote v7 to prod' }),
    );
    const promote = await screen.findByRole('button', {
      name: 'Promote to prod',
    });
    await confirmProd();
    expect(promote).toBeDisabled();
    await userEvent.type(
      screen.getByRole('textbox', {
        name: "Reason to promote during the freeze 'year end'",
      }),
      'hotfix for the outage',
    );
    expect(promote).toBeEnabled();
    api.promote.mockResolvedValue(version(13, { workspace: 'prod' }));
    await userEvent.click(promote);
    await waitFor(() =>
      expect(api.promote).toHaveBeenCalledWith(
        ENTITY_REF,
        expect.objectContaining({
          freezeOverride: { reason: 'hotfix for the outage' },
        }),
      ),
    );
  });

  it('says why the user may not promote, on the stage and by the button', async () => {
    await renderForEntity(<EntityPromoteContent />, policyApi(), {
      apis: [
        [
          permissionApiRef,
          mockApis.permission({ authorize: AuthorizeResult.DENY }),
        ],
      ],
    });
    const toStaging = await screen.findByRole('button', {
      name: 'Promote v5 to staging',
    });
    await waitFor(() =>
      expect(toStaging).toHaveAccessibleDescription(
        'You may not promote this service',
      ),
    );
    expect(toStaging).toBeDisabled();
    expect(
      screen.queryByRole('button', { name: 'Lift the hold on staging' }),
    ).toBeNull();
  });

  it('asks for approval where the target needs it, and shows the request it made', async () => {
    const api = policyApi();
    api.getServiceWorkspaces.mockResolvedValue([
      state('dev', {
        currentVersion: dev5,
        latestVersion: dev5,
        versionCount: 5,
      }),
      state('staging', {
        workspace: workspace('staging', { approval: { required: 2 } }),
        currentVersion: staging7ok,
        latestVersion: staging7ok,
        versionCount: 7,
      }),
      state('prod'),
    ]);
    api.listPromotionRequests.mockResolvedValue([]);
    api.requestPromotion.mockResolvedValue({
      ...request,
      id: 'r2',
      source: 'dev',
      target: 'staging',
      sourceVersion: 5,
      required: 2,
    });
    await renderForEntity(<EntityPromoteContent />, api);
    await userEvent.click(
      await screen.findByRole('button', {
        name: 'Request promotion of v5 to staging',
      }),
    );
    const submit = await screen.findByRole('button', {
      name: 'Request promotion to staging',
    });
    expect(
      screen.getByText(/staging needs 2 approvals by someone other than you/),
    ).toBeInTheDocument();
    await userEvent.click(submit);
    await waitFor(() =>
      expect(api.requestPromotion).toHaveBeenCalledWith(ENTITY_REF, {
        source: 'dev',
        target: 'staging',
        planHash: 'plan-hash-1',
      }),
    );
    expect(api.promote).not.toHaveBeenCalled();
    expect(await screen.findByTestId('request-notice')).toHaveTextContent(
      'Requested the promotion of dev v5 to staging: it waits for 2 approvals',
    );
  });

  it('offers the requester to run a request once it is approved', async () => {
    const api = policyApi();
    const approved = {
      ...request,
      requestedBy: SIGNED_IN_USER,
      status: 'approved' as const,
      approvals: [
        {
          by: 'user:default/carl',
          at: new Date().toISOString(),
          planHash: 'plan-hash-1',
        },
      ],
    };
    api.listPromotionRequests.mockResolvedValue([approved]);
    api.executePromotionRequest.mockResolvedValue({
      ...approved,
      status: 'executed',
      outcome: {
        by: SIGNED_IN_USER,
        at: new Date().toISOString(),
        version: 13,
      },
    });
    await renderForEntity(<EntityPromoteContent />, api);
    const notice = await screen.findByTestId('approved-request');
    expect(notice).toHaveTextContent(
      'Your request to promote staging v7 to prod was approved by carl.',
    );
    await userEvent.click(
      within(notice).getByRole('button', { name: 'Promote now' }),
    );
    await waitFor(() =>
      expect(api.executePromotionRequest).toHaveBeenCalledWith('r1'),
    );
  });

  it('lifts the hold a rollback placed', async () => {
    const api = policyApi({
      staging: {
        hold: {
          by: 'user:default/ben',
          at: new Date().toISOString(),
          reason: 'v6 broke checkout',
        },
      },
    });
    api.liftHold.mockResolvedValue(undefined);
    await renderForEntity(<EntityPromoteContent />, api);
    await userEvent.click(
      await screen.findByRole('button', { name: 'Lift the hold on staging' }),
    );
    await waitFor(() =>
      expect(api.liftHold).toHaveBeenCalledWith(ENTITY_REF, 'staging'),
    );
  });

  it('draws every chain of the path, e.g. a hotfix lane into prod', async () => {
    const api = policyApi();
    api.getServiceWorkspaces.mockResolvedValue([
      state('dev'),
      state('staging'),
      state('hotfix', { currentVersion: version(2, { workspace: 'hotfix' }) }),
      state('prod'),
    ]);
    await renderForEntity(<EntityPromoteContent />, api, {
      entity: {
        ...entity,
        metadata: {
          ...entity.metadata,
          annotations: {
            'shipyard/workspaces': 'dev, staging, hotfix, prod',
            'shipyard/promotion': 'dev -> staging -> prod; hotfix -> prod',
          },
        },
      },
    });
    expect(
      await screen.findByRole('list', {
        name: 'Promotion path hotfix → prod',
      }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('list', { name: 'Promotion path dev → staging → prod' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Promote v2 to prod' }),
    ).toBeEnabled();
  });
});
