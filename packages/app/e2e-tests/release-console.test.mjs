/*
 * The entity page as a release console (issue 13), in Chromium against the
 * running app, backend and local cluster: one status for a version in every
 * place that shows it, the review before a promotion into a protected
 * workspace, a blank input refused, and a page per version with its pods.
 *
 *   SHIPYARD_E2E_FILES=release-console.test.mjs node packages/app/e2e-tests/run.mjs
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BACKEND_URL,
  ROLLOUT_TIMEOUT_MS,
  editorText,
  entityTab,
  guestSession,
  replaceEditorText,
  screenshot,
  skipUnlessReady,
  uniqueTag,
  waitForText,
} from './harness.mjs';

const LEDGER = 'component:default/ledger';
const STOREFRONT = 'component:default/storefront-web';

const missing = await skipUnlessReady();

function spec(name, tag, env = {}, replicas = 1) {
  return {
    image: `ghcr.io/acme/${name}:${tag}`,
    ports: [{ name: 'http', port: 8080 }],
    env: { LOG_LEVEL: 'info', ...env },
    replicas,
  };
}

describe('The entity page as a release console', { skip: missing }, () => {
  let browser;
  let page;
  let api;
  let token;

  before(async () => {
    ({ token, api, browser, page } = await guestSession());
  });

  after(async () => {
    await browser?.close();
  });

  it(
    'shows one status for a deploy in the workspace header, the history row and the notice, all the way to the end',
    { timeout: ROLLOUT_TIMEOUT_MS + 60_000 },
    async () => {
      await api.deploy(
        LEDGER,
        'dev',
        spec('ledger', uniqueTag('base')),
        'e2e: baseline',
      );
      const { latestVersion } = await api.workspace(LEDGER, 'dev');
      const number = latestVersion.number + 1;
      const tag = uniqueTag('status');

      await page.goto(entityTab(LEDGER, 'versions', '?workspace=dev'));
      await page.getByRole('button', { name: 'Edit and deploy' }).click();
      const dialog = page.getByRole('dialog', {
        name: 'Edit and deploy to dev',
      });
      const editor = dialog.getByRole('textbox', { name: 'Spec (YAML)' });
      const yaml = await editorText(editor);
      await replaceEditorText(
        editor,
        yaml
          .replace(/^image: .*$/m, `image: ghcr.io/acme/ledger:${tag}`)
          .replace(/^replicas: .*$/m, 'replicas: 3'),
      );
      await dialog.getByRole('button', { name: 'Deploy to dev' }).click();
      await dialog.waitFor({ state: 'detached' });

      // Every place that shows v<number>, read in one go, again and again until the rollout ended.
      const read = () =>
        page.evaluate(n => {
          const status = root =>
            root
              ?.querySelector(`[data-testid="status-v${n}"]`)
              ?.innerText.trim();
          const row = [...document.querySelectorAll('tbody tr')].find(tr =>
            tr.querySelector(`[data-testid="status-v${n}"]`),
          );
          return {
            header: status(
              document.querySelector('#shipyard-workspace-tab-dev'),
            ),
            row: status(row),
            notice: status(
              document.querySelector('[data-testid="operation-notice"]'),
            ),
          };
        }, number);
      const seen = new Set();
      const deadline = Date.now() + ROLLOUT_TIMEOUT_MS;
      let last;
      let captured = false;
      for (;;) {
        last = await read();
        const shown = Object.values(last).filter(Boolean);
        for (const text of shown) seen.add(text.split('\n')[0]);
        assert.equal(
          new Set(shown).size <= 1,
          true,
          `one status everywhere, got ${JSON.stringify(last)}`,
        );
        if (shown.length === 3 && /^(Succeeded|Failed)/.test(shown[0])) break;
        if (!captured && shown.length === 3 && /^Rolling out/.test(shown[0])) {
          captured = true;
          await screenshot(page, 'status-during-rollout.png');
        }
        assert.ok(
          Date.now() < deadline,
          `no end of the rollout: ${JSON.stringify(last)}`,
        );
        await new Promise(resolve => setTimeout(resolve, 100));
      }
      assert.match(last.notice, /^Succeeded/);
      assert.ok(seen.has('Succeeded'));
      await screenshot(page, 'status-after-rollout.png');

      // The overview card says the same, with a drift check made right after the rollout.
      await page.goto(entityTab(LEDGER, ''));
      const row = page.getByTestId('overview-dev');
      const overview = await waitForText(
        row,
        new RegExp(`v${number}\\s*Succeeded`),
      );
      assert.doesNotMatch(overview, /not checked/);
      await waitForText(row, /in sync|drifted/);
      // So do the pipeline cards of the Promote tab.
      await page.goto(entityTab(LEDGER, 'promote'));
      await waitForText(
        page.getByLabel(/^Workspace dev/),
        new RegExp(`v${number}\\s*Succeeded[\\s\\S]*Drift: (in sync|drifted)`),
      );
    },
  );

  it(
    'promotes into a protected workspace only after the checklist is shown and prod is typed',
    { timeout: ROLLOUT_TIMEOUT_MS * 2 + 60_000 },
    async () => {
      const source = await api.deploy(
        STOREFRONT,
        'dev',
        spec(
          'storefront',
          uniqueTag('sf'),
          { DB_URL: 'postgres://dev-db/shop' },
          2,
        ),
        'e2e: release for prod',
      );
      const prodBefore = await api.workspace(STOREFRONT, 'prod');
      await page.goto(entityTab(STOREFRONT, 'promote'));
      await page
        .getByRole('heading', {
          name: new RegExp(`^Plan: dev v${source.number} → prod`),
        })
        .waitFor();
      const review = page.getByRole('region', {
        name: 'Review before promoting to prod',
      });
      const checklist = review.getByRole('region', { name: /Check in prod/ });
      await waitForText(checklist, /postgres:\/\/|point it at prod/);
      const promote = page.getByRole('button', { name: 'Promote to prod' });
      assert.equal(await promote.isDisabled(), true, 'prod waits for its name');
      // The checklist comes before the button.
      const [checklistBox, buttonBox] = await Promise.all([
        checklist.boundingBox(),
        promote.boundingBox(),
      ]);
      assert.ok(checklistBox.y < buttonBox.y, 'checklist above the button');
      for (const item of await checklist.getByRole('checkbox').all()) {
        await item.check();
      }
      const confirmation = page.getByRole('textbox', {
        name: 'Type prod to confirm',
      });
      await confirmation.fill('staging');
      assert.equal(
        await promote.isDisabled(),
        true,
        'another name is no confirmation',
      );
      await confirmation.fill('prod');
      await screenshot(
        page.getByRole('form', { name: 'Promotion' }),
        'promote-protected-review.png',
      );
      await promote.click();
      await waitForText(
        page.getByTestId('operation-notice'),
        /created prod v\d+[\s\S]*Succeeded/,
        ROLLOUT_TIMEOUT_MS,
      );
      await screenshot(
        page.getByTestId('operation-notice'),
        'promotion-notice.png',
      );
      const afterwards = await api.workspace(STOREFRONT, 'prod');
      assert.equal(
        afterwards.currentVersion.number,
        (prodBefore.currentVersion?.number ?? 0) + 1,
      );
      assert.deepEqual(afterwards.currentVersion.origin, {
        type: 'promotion',
        workspace: 'dev',
        version: source.number,
      });
    },
  );

  it(
    'refuses a needs-input value of only spaces, in the page and in the API',
    { timeout: ROLLOUT_TIMEOUT_MS * 2 + 60_000 },
    async () => {
      const key = `BLANK_${uniqueTag('k')
        .replace(/[^a-z0-9]/gi, '_')
        .toUpperCase()}`;
      await api.deploy(
        LEDGER,
        'staging',
        spec('ledger', uniqueTag('st')),
        'e2e: staging baseline',
      );
      const source = await api.deploy(
        LEDGER,
        'dev',
        spec('ledger', uniqueTag('blank'), { [key]: 'dev-value' }),
        'e2e: a new key',
      );
      await page.goto(entityTab(LEDGER, 'promote'));
      const sourceSelect = page.getByRole('button', {
        name: /^From workspace/,
      });
      if (!/\bdev\b/.test(await sourceSelect.innerText())) {
        await sourceSelect.click();
        await page.getByRole('option', { name: /^dev/ }).click();
      }
      await page
        .getByRole('heading', {
          name: new RegExp(`^Plan: dev v${source.number} → staging`),
        })
        .waitFor();
      const input = page.getByRole('group', { name: `${key} in staging` });
      const value = input.getByRole('textbox', { name: 'Value' });
      await value.fill('   ');
      await waitForText(input, /Only spaces/);
      assert.equal(await value.getAttribute('aria-invalid'), 'true');
      const blockers = page.getByRole('list', { name: 'Blockers' });
      await waitForText(blockers, /your value: Only spaces/);
      assert.equal(await page.getByText(/all resolved/).count(), 0);
      assert.equal(
        await page
          .getByRole('button', { name: 'Promote to staging' })
          .isDisabled(),
        true,
      );
      await screenshot(
        page.getByRole('form', { name: 'Promotion' }),
        'promote-blank-input.png',
      );

      // The backend refuses it as well, naming the key, and stores nothing.
      const { planHash } = await (
        await fetch(
          `${BACKEND_URL}/api/shipyard/services/component/default/ledger/promotions/plan`,
          {
            method: 'POST',
            headers: {
              Authorization: `Bearer ${token}`,
              'Content-Type': 'application/json',
            },
            body: JSON.stringify({ source: 'dev', target: 'staging' }),
          },
        )
      ).json();
      const stagingBefore = await api.workspace(LEDGER, 'staging');
      const refused = await fetch(
        `${BACKEND_URL}/api/shipyard/services/component/default/ledger/promotions`,
        {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json',
          },
          body: JSON.stringify({
            source: 'dev',
            target: 'staging',
            planHash,
            inputs: { env: { [key]: '   ' } },
          }),
        },
      );
      assert.equal(refused.status, 400);
      assert.match(
        (await refused.json()).error.message,
        new RegExp(`inputs\\.env\\.${key}: must not be blank`),
      );
      assert.equal(
        (await api.workspace(LEDGER, 'staging')).versionCount,
        stagingBefore.versionCount,
      );
    },
  );

  it(
    'shows a version on a page of its own, with its pods and a pod’s logs from the local cluster',
    { timeout: ROLLOUT_TIMEOUT_MS + 60_000 },
    async t => {
      const { workspace } = await api.workspace(LEDGER, 'dev');
      if (!workspace.cluster || workspace.notApplied) {
        if (process.env.CI === 'true')
          throw new Error('the version page needs the local cluster in CI');
        t.skip('dev has no cluster');
        return;
      }
      const deployed = await api.deploy(
        LEDGER,
        'dev',
        spec('ledger', uniqueTag('page'), {}, 2),
        'e2e: a version to look at',
      );
      await page.goto(entityTab(LEDGER, 'versions', '?workspace=dev'));
      await page
        .getByRole('link', { name: `Open v${deployed.number}` })
        .click();
      await page
        .getByRole('heading', { name: `dev v${deployed.number}` })
        .waitFor();
      await waitForText(
        page.getByRole('list', { name: 'Rollout timeline' }),
        /Recorded[\s\S]*Applied to the cluster[\s\S]*Succeeded/,
      );
      const pods = page.getByRole('table', {
        name: `Pods of v${deployed.number}`,
      });
      await waitForText(
        pods,
        /ledger-[a-z0-9]+-[a-z0-9]+[\s\S]*Running/,
        ROLLOUT_TIMEOUT_MS,
      );
      const firstPod = pods.locator('tbody tr').first();
      await firstPod.getByRole('button', { name: 'Logs' }).click();
      await page
        .getByRole('button', { name: /^Last log lines of ledger-/ })
        .click();
      // kwok serves tools/local-cluster/kwok-pod-log.txt as every container's log (ClusterLogs in cluster.sh).
      await waitForText(page.getByTestId('pod-logs'), /^listening on :8080$/m);
      assert.match(
        await page
          .getByText(/^The last \d+ lines of ledger in ledger-/)
          .innerText(),
        /^The last 4 lines of ledger in ledger-[a-z0-9]+-[a-z0-9]+$/,
      );
      await waitForText(
        page
          .getByRole('table', { name: 'Recent events' })
          .or(page.getByText(/keeps no recent events/)),
        /./,
      );
      await screenshot(page.locator('main'), 'version-page.png');
      assert.equal(
        await page
          .getByRole('button', { name: `Promote v${deployed.number}` })
          .getAttribute('href'),
        `${new URL(entityTab(LEDGER, 'promote')).pathname}?source=dev&version=${
          deployed.number
        }`,
      );
    },
  );
});
