/*
 * Catalog-driven promotion in Chromium (issue 10): a promotion started from
 * a stage of the pipeline, a promotion request another principal made and
 * the signed-in guest approves on the approvals page, and a frozen
 * workspace's button with its reason. Needs app-config.e2e.yaml (the gate
 * and frozen workspaces, the release-train service and the e2e-release-bot
 * token), which scripts/test.mjs loads for the browser tests.
 *
 *   SHIPYARD_E2E_FILES=promotion-policy.test.mjs node packages/app/e2e-tests/run.mjs
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BACKEND_URL,
  BASE_URL,
  ROLLOUT_TIMEOUT_MS,
  entityTab,
  guestSession,
  guestToken,
  screenshot,
  skipUnlessReady,
  uniqueTag,
  waitForText,
} from './harness.mjs';

const LEDGER = 'component:default/ledger';
const TRAIN = 'component:default/release-train';
// The static token of app-config.e2e.yaml: a second principal, not the guest.
const BOT_TOKEN = 'shipyard-e2e-release-bot-loopback-only';

const missing = await skipUnlessReady();

function spec(name, tag) {
  return {
    image: `ghcr.io/acme/${name}:${tag}`,
    ports: [{ name: 'http', port: 8080 }],
    env: { LOG_LEVEL: 'info' },
    replicas: 1,
  };
}

describe('Promotion along the catalog path', { skip: missing }, () => {
  let browser;
  let page;
  let api;

  before(async () => {
    ({ api, browser, page } = await guestSession());
    const workspaces = (await api.workspace(TRAIN, 'gate'))?.workspace;
    if (!workspaces?.approval) {
      throw new Error(
        'the gate workspace of app-config.e2e.yaml is missing: start the backend with that config',
      );
    }
  });

  after(async () => {
    await browser?.close();
  });

  it(
    "promotes from a stage's button in the pipeline",
    { timeout: ROLLOUT_TIMEOUT_MS * 2 + 60_000 },
    async () => {
      const source = await api.deploy(
        LEDGER,
        'dev',
        spec('ledger', uniqueTag('pipe')),
        'e2e: to promote from the pipeline',
      );
      const stagingBefore = await api.workspace(LEDGER, 'staging');
      await page.goto(entityTab(LEDGER, 'promote'));
      const devStage = page.getByLabel(/^Workspace dev/);
      await waitForText(devStage, new RegExp(`v${source.number}\\s*Succeeded`));
      await devStage
        .getByRole('button', { name: `Promote v${source.number} to staging` })
        .click();
      await page
        .getByRole('heading', {
          name: new RegExp(`^Plan: dev v${source.number} → staging`),
        })
        .waitFor();
      await page.getByRole('button', { name: 'Promote to staging' }).click();
      await waitForText(
        page.getByTestId('operation-notice'),
        /created staging v\d+[\s\S]*Succeeded/,
        ROLLOUT_TIMEOUT_MS,
      );
      const stagingAfter = await api.workspace(LEDGER, 'staging');
      assert.equal(
        stagingAfter.currentVersion.number,
        (stagingBefore?.currentVersion?.number ?? 0) + 1,
      );
      assert.deepEqual(stagingAfter.currentVersion.origin, {
        type: 'promotion',
        workspace: 'dev',
        version: source.number,
      });
      await screenshot(page.locator('main'), 'promote-pipeline.png');
    },
  );

  it(
    "shows a frozen workspace's promotion held back with the window's name and end until a reason is given",
    { timeout: ROLLOUT_TIMEOUT_MS + 60_000 },
    async () => {
      const source = await api.deploy(
        TRAIN,
        'dev',
        spec('release-train', uniqueTag('frz')),
        'e2e: into a frozen workspace',
      );
      await page.goto(entityTab(TRAIN, 'promote'));
      const frozenStage = page.getByLabel(/^Workspace frozen/);
      await waitForText(
        frozenStage.getByTestId('freeze'),
        /Frozen: frozen is frozen \('e2e freeze'\) until/,
      );
      // The guest may override freezes (the allow-all policy): the step is offered, the promotion waits for a reason.
      await page
        .getByLabel(/^Workspace dev/)
        .getByRole('button', { name: `Promote v${source.number} to frozen` })
        .click();
      const promote = page.getByRole('button', { name: 'Promote to frozen' });
      await promote.waitFor();
      assert.equal(await promote.isDisabled(), true);
      const why = await page
        .locator(`#${await promote.getAttribute('aria-describedby')}`)
        .innerText();
      assert.match(
        why,
        /^frozen is frozen \('e2e freeze'\) until .*2099.*: give a reason above to go ahead\.$/,
      );
      await screenshot(page.getByRole('form', { name: 'Promotion' }), 'promote-frozen.png');
      // The backend refuses the same promotion without an override, naming the window.
      const plan = await (
        await fetch(
          `${BACKEND_URL}/api/shipyard/services/component/default/release-train/promotions/plan`,
          {
            method: 'POST',
            headers: {
              Authorization: `Bearer ${await guestToken()}`,
              'Content-Type': 'application/json',
            },
            body: JSON.stringify({ source: 'dev', target: 'frozen' }),
          },
        )
      ).json();
      assert.ok(
        plan.blockers.some(b => b.code === 'freeze' && /e2e freeze/.test(b.message)),
        JSON.stringify(plan.blockers),
      );
      await page
        .getByRole('textbox', { name: "Reason to promote during the freeze 'e2e freeze'" })
        .fill('e2e: the override path');
      assert.equal(await promote.isDisabled(), false);
    },
  );

  it(
    'deploys into the frozen workspace from the Versions tab only with a reason, which the backend takes as the freeze override',
    { timeout: 120_000 },
    async () => {
      const frozenBefore = await api.workspace(TRAIN, 'frozen');
      const next = (frozenBefore?.latestVersion?.number ?? 0) + 1;
      await page.goto(entityTab(TRAIN, 'versions', '?workspace=frozen'));
      await page
        .getByRole('button', {
          name: frozenBefore?.currentVersion ? 'Edit and deploy' : 'Deploy first version',
        })
        .click();
      const dialog = page.getByRole('dialog', { name: 'Edit and deploy to frozen' });
      const deploy = dialog.getByRole('button', { name: 'Deploy to frozen' });
      await deploy.waitFor();
      assert.equal(await deploy.isDisabled(), true);
      const reason = dialog.getByRole('textbox', {
        name: "Reason to deploy during the freeze 'e2e freeze'",
      });
      await waitForText(
        page.locator(`#${await reason.getAttribute('aria-describedby')}`),
        /^frozen is frozen \('e2e freeze'\) until .*2099.*\. You may go ahead; the reason is audited\.$/,
      );
      await reason.fill('e2e: hotfix during the freeze');
      assert.equal(await deploy.isDisabled(), false);
      await screenshot(dialog, 'deploy-frozen.png');
      await deploy.click();
      await dialog.waitFor({ state: 'detached' });
      const frozenAfter = await api.workspace(TRAIN, 'frozen');
      assert.equal(frozenAfter.latestVersion.number, next);
      assert.deepEqual(frozenAfter.latestVersion.origin, { type: 'edit' });
      assert.equal(frozenAfter.latestVersion.status, 'recorded');
    },
  );

  it(
    'lets the signed-in user approve a promotion request another principal made, on the approvals page',
    { timeout: ROLLOUT_TIMEOUT_MS + 60_000 },
    async () => {
      const source = await api.deploy(
        TRAIN,
        'dev',
        spec('release-train', uniqueTag('gate')),
        'e2e: through the gate',
      );
      const gateBefore = await api.workspace(TRAIN, 'gate');
      const call = async (token, method, path, body) => {
        const response = await fetch(`${BACKEND_URL}/api/shipyard${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json',
          },
          body: body ? JSON.stringify(body) : undefined,
        });
        const text = await response.text();
        assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
        return JSON.parse(text);
      };
      const service = '/services/component/default/release-train';
      const { planHash } = await call(BOT_TOKEN, 'POST', `${service}/promotions/plan`, {
        source: 'dev',
        target: 'gate',
      });
      const request = await call(BOT_TOKEN, 'POST', `${service}/promotions/requests`, {
        source: 'dev',
        target: 'gate',
        planHash,
        reason: 'e2e: release bot asks',
      });
      assert.equal(request.status, 'pending');
      assert.equal(request.requestedBy, 'service:e2e-release-bot');

      // The Promote tab shows the request waiting on the gate stage.
      await page.goto(entityTab(TRAIN, 'promote'));
      await waitForText(
        page.getByLabel(/^Workspace gate/).getByTestId('pending'),
        new RegExp(`dev v${source.number} by service:e2e-release-bot`),
      );

      // The approvals page is in the app's navigation.
      await page
        .getByRole('navigation', { name: 'sidebar nav' })
        .getByRole('link', { name: 'Approvals' })
        .click();
      await page.waitForURL(`${BASE_URL}/shipyard/approvals`);
      const approve = page.getByRole('button', {
        name: `Approve dev v${source.number} to gate of release-train`,
      });
      await approve.waitFor();
      await screenshot(page.locator('main'), 'approvals-page.png');
      await approve.click();
      const dialog = page.getByRole('dialog', {
        name: `Approve the promotion of dev v${source.number} to gate`,
      });
      await dialog.getByRole('textbox', { name: /Reason/ }).fill('e2e: looks good');
      await dialog.getByRole('button', { name: 'Approve' }).click();
      await waitForText(
        page.getByRole('status').filter({ hasText: 'Approved' }),
        new RegExp(`Approved: dev v${source.number} to gate (ran and created gate v\\d+|runs when)`),
      );
      const decided = await call(
        await guestToken(),
        'GET',
        `/promotion-requests/${encodeURIComponent(request.id)}`,
      );
      assert.deepEqual(
        decided.approvals.map(a => [a.by, a.reason]),
        [['user:development/guest', 'e2e: looks good']],
      );
      if (decided.status === 'executed') {
        const gate = await api.workspace(TRAIN, 'gate');
        assert.equal(
          gate.currentVersion.number,
          (gateBefore?.currentVersion?.number ?? 0) + 1,
        );
        assert.deepEqual(gate.currentVersion.origin, {
          type: 'promotion',
          workspace: 'dev',
          version: source.number,
        });
      } else {
        assert.equal(decided.status, 'approved');
      }
    },
  );

  it(
    'lets the guest request a promotion in the page, not approve it, and runs it once the other principal approves',
    { timeout: ROLLOUT_TIMEOUT_MS + 60_000 },
    async () => {
      const source = await api.deploy(
        TRAIN,
        'dev',
        spec('release-train', uniqueTag('req')),
        'e2e: the guest asks',
      );
      await page.goto(entityTab(TRAIN, 'promote'));
      await page
        .getByLabel(/^Workspace dev/)
        .getByRole('button', {
          name: `Request promotion of v${source.number} to gate`,
        })
        .click();
      await page
        .getByRole('heading', {
          name: new RegExp(`^Plan: dev v${source.number} → gate`),
        })
        .waitFor();
      await page.getByRole('textbox', { name: 'Reason (optional)' }).fill('e2e: guest asks');
      await page.getByRole('button', { name: 'Request promotion to gate' }).click();
      await waitForText(
        page.getByTestId('request-notice'),
        new RegExp(`Requested the promotion of dev v${source.number} to gate: it waits for 1 approval`),
      );

      await page.goto(`${BASE_URL}/shipyard/approvals`);
      const approve = page.getByRole('button', {
        name: `Approve dev v${source.number} to gate of release-train`,
      });
      await approve.waitFor();
      await waitForText(
        page.locator(`#${await approve.getAttribute('aria-describedby')}`),
        /^You requested it: someone else approves it$/,
      );
      assert.equal(await approve.isDisabled(), true);

      // The backend agrees: the guest cannot approve, the other principal can.
      const guest = await guestToken();
      const pending = await (
        await fetch(`${BACKEND_URL}/api/shipyard/promotion-requests?status=pending`, {
          headers: { Authorization: `Bearer ${guest}` },
        })
      ).json();
      const mine = pending.items.find(
        r => r.service === TRAIN && r.sourceVersion === source.number && r.target === 'gate',
      );
      assert.ok(mine, JSON.stringify(pending.items));
      const refused = await fetch(
        `${BACKEND_URL}/api/shipyard/promotion-requests/${encodeURIComponent(mine.id)}/approve`,
        {
          method: 'POST',
          headers: { Authorization: `Bearer ${guest}`, 'Content-Type': 'application/json' },
          body: '{}',
        },
      );
      assert.equal(refused.status, 403);
      const approved = await fetch(
        `${BACKEND_URL}/api/shipyard/promotion-requests/${encodeURIComponent(mine.id)}/approve`,
        {
          method: 'POST',
          headers: { Authorization: `Bearer ${BOT_TOKEN}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ reason: 'e2e: bot approves' }),
        },
      );
      assert.equal(approved.status, 200, await approved.clone().text());
      const body = await approved.json();
      assert.ok(['executed', 'approved'].includes(body.status), body.status);
      if (body.status === 'executed') {
        const gate = await api.workspace(TRAIN, 'gate');
        assert.deepEqual(gate.currentVersion.origin, {
          type: 'promotion',
          workspace: 'dev',
          version: source.number,
        });
      }
    },
  );
});
