/*
 * Shipyard in a real browser against the running app, backend and (when
 * configured) the local cluster: deploy from the UI, diff two versions, roll
 * back with a reason, promote with a needs-input variable. Every test creates
 * the versions it needs, so it does not depend on what is stored already.
 *
 *   node --test packages/app/e2e-tests/
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ROLLOUT_TIMEOUT_MS,
  editorText,
  entityTab,
  guestSession,
  replaceEditorText,
  screenshot,
  skipUnlessReady,
  uniqueTag,
} from './harness.mjs';

const LEDGER = 'component:default/ledger';
const TERMINAL_STATUS = /Succeeded|Recorded, not applied|Failed/;

// Outside CI a missing prerequisite skips the suite; the reason is printed with the skip.
const missing = await skipUnlessReady();

function ledgerSpec(tag, env = {}) {
  return {
    image: `ghcr.io/acme/ledger:${tag}`,
    ports: [{ name: 'http', port: 8080 }],
    env: { LOG_LEVEL: 'info', ...env },
    replicas: 1,
  };
}

/** Waits until a locator's text matches, and returns the text. */
async function textMatching(locator, pattern, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = (await locator.count()) ? await locator.first().innerText() : '';
    if (pattern.test(text)) {
      return text;
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  throw new Error(
    `Timed out waiting for ${pattern}; last text: ${JSON.stringify(
      text.slice(0, 500),
    )}`,
  );
}

describe('Shipyard in the browser', { skip: missing }, () => {
  let browser;
  let page;
  let api;

  before(async () => {
    ({ api, browser, page } = await guestSession());
  });

  after(async () => {
    await browser?.close();
  });

  /** The history row of a version, found by text only that version has. */
  const historyRow = text => page.locator('tbody tr', { hasText: text });

  it('shows the Versions, Promote and Kubernetes tabs and the overview card on a service', async () => {
    await page.goto(entityTab(LEDGER, ''));
    await page.getByRole('heading', { name: 'Deployments' }).waitFor();
    for (const tab of ['Overview', 'Kubernetes', 'Versions', 'Promote']) {
      await page
        .getByRole('link', { name: tab, exact: true })
        .or(page.getByRole('tab', { name: tab, exact: true }))
        .first()
        .waitFor();
    }
  });

  it(
    'shows the pods Shipyard deployed on the Kubernetes tab',
    { timeout: ROLLOUT_TIMEOUT_MS + 60_000 },
    async t => {
      const { workspace } = await api.workspace(LEDGER, 'dev');
      if (!workspace.cluster || workspace.notApplied) {
        const reason = `dev has no cluster (${
          workspace.notApplied ?? 'none configured'
        })`;
        if (process.env.CI === 'true') {
          throw new Error(
            `The Kubernetes tab needs the local cluster in CI: ${reason}`,
          );
        }
        t.skip(reason);
        return;
      }
      const deployed = await api.deploy(
        LEDGER,
        'dev',
        ledgerSpec(uniqueTag('k8s')),
        'e2e: pods for the Kubernetes tab',
      );
      assert.equal(deployed.status, 'succeeded', deployed.statusMessage);

      await page.goto(entityTab(LEDGER, 'kubernetes'));
      await page
        .getByRole('button', { name: new RegExp(workspace.cluster) })
        .first()
        .click();
      // The Kubernetes plugin's own card of the Deployment Shipyard applied; open it to see its pods.
      await page
        .getByRole('button', {
          name: `ledger Deployment namespace: ${workspace.namespace}`,
          exact: true,
        })
        .first()
        .click();
      await page
        .getByText(/^ledger-[a-z0-9]+-[a-z0-9]+$/)
        .first()
        .waitFor();
    },
  );

  it(
    'deploys from the UI and shows the new version',
    { timeout: ROLLOUT_TIMEOUT_MS + 60_000 },
    async () => {
      await api.deploy(
        LEDGER,
        'dev',
        ledgerSpec(uniqueTag('base')),
        'e2e: baseline',
      );
      const { latestVersion } = await api.workspace(LEDGER, 'dev');
      const expected = latestVersion.number + 1;
      const tag = uniqueTag('ui');

      await page.goto(entityTab(LEDGER, 'versions', '?workspace=dev'));
      await page.getByRole('button', { name: 'Edit and deploy' }).click();
      const dialog = page.getByRole('dialog', {
        name: 'Edit and deploy to dev',
      });
      const editor = dialog.getByRole('textbox', { name: 'Spec (YAML)' });
      const yaml = await editorText(editor);
      assert.match(yaml, /^image: ghcr\.io\/acme\/ledger:base-/m);

      // An invalid spec is refused inline, naming the field, before anything is sent.
      await replaceEditorText(
        editor,
        yaml.replace(/^replicas: .*$/m, 'replicas: -1'),
      );
      await textMatching(
        dialog.getByRole('list', { name: 'Spec problems' }),
        /replicas/,
      );

      await replaceEditorText(
        editor,
        yaml.replace(/^image: .*$/m, `image: ghcr.io/acme/ledger:${tag}`),
      );
      await textMatching(dialog.getByTestId('change-image'), new RegExp(tag));
      await dialog
        .getByRole('textbox', { name: 'Message' })
        .fill(`e2e: deploy ${tag}`);
      await screenshot(dialog, 'edit-and-deploy.png');
      await dialog.getByRole('button', { name: 'Deploy to dev' }).click();
      await dialog.waitFor({ state: 'detached' });

      const row = historyRow(`ghcr.io/acme/ledger:${tag}`);
      const text = await textMatching(row, TERMINAL_STATUS, ROLLOUT_TIMEOUT_MS);
      assert.match(text, new RegExp(`v${expected}\\b`));
      assert.match(text, /\bedit\b/);
      assert.match(text, new RegExp(`e2e: deploy ${tag}`));
      assert.doesNotMatch(text, /Failed/);
    },
  );

  it('diffs two versions field by field', async () => {
    const from = await api.deploy(
      LEDGER,
      'dev',
      ledgerSpec(uniqueTag('from')),
      'e2e: diff from',
    );
    const to = await api.deploy(
      LEDGER,
      'dev',
      ledgerSpec(uniqueTag('to'), { E2E_DIFF: 'on' }),
      'e2e: diff to',
    );

    await page.goto(entityTab(LEDGER, 'versions', '?workspace=dev'));
    await page
      .getByRole('checkbox', { name: `Select v${to.number} to compare` })
      .check();
    await page
      .getByRole('checkbox', { name: `Select v${from.number} to compare` })
      .check();
    await page
      .getByRole('button', {
        name: `Compare v${from.number} and v${to.number}`,
      })
      .click();

    const dialog = page.getByRole('dialog', { name: 'Compare versions' });
    await dialog
      .getByRole('table', {
        name: `Differences from dev v${from.number} to dev v${to.number}`,
      })
      .waitFor();
    const image = await textMatching(
      dialog.getByTestId('change-image'),
      /changed/,
    );
    assert.match(image, new RegExp(from.spec.image.replace(/[.]/g, '\\.')));
    assert.match(image, new RegExp(to.spec.image.replace(/[.]/g, '\\.')));
    await textMatching(
      dialog.getByTestId('change-env.E2E_DIFF'),
      /added[\s\S]*on/,
    );
    await screenshot(dialog, 'version-diff.png');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  it(
    'rolls back with a reason',
    { timeout: ROLLOUT_TIMEOUT_MS + 60_000 },
    async () => {
      const good = await api.deploy(
        LEDGER,
        'dev',
        ledgerSpec(uniqueTag('good')),
        'e2e: good release',
      );
      await api.deploy(
        LEDGER,
        'dev',
        ledgerSpec(uniqueTag('bad')),
        'e2e: bad release',
      );
      const reason = `e2e: errors after ${uniqueTag('bad')}`;

      await page.goto(entityTab(LEDGER, 'versions', '?workspace=dev'));
      await page
        .getByRole('button', { name: `Roll back to v${good.number}` })
        .click();
      const dialog = page.getByRole('dialog', {
        name: `Roll back dev to v${good.number}`,
      });
      // The diff from the current version is shown before anything happens.
      await textMatching(
        dialog.getByTestId('change-image'),
        new RegExp(good.spec.image.replace(/[.]/g, '\\.')),
      );
      const submit = dialog.getByRole('button', {
        name: `Roll back to v${good.number}`,
      });
      assert.equal(
        await submit.isDisabled(),
        true,
        'a rollback needs a reason',
      );
      await dialog.getByRole('textbox', { name: 'Reason' }).fill(reason);
      await submit.click();
      await dialog.waitFor({ state: 'detached' });

      const text = await textMatching(
        historyRow(reason),
        TERMINAL_STATUS,
        ROLLOUT_TIMEOUT_MS,
      );
      assert.match(text, new RegExp(`rollback of v${good.number}\\b`));
      assert.match(text, new RegExp(good.spec.image.replace(/[.]/g, '\\.')));
      const { currentVersion } = await api.workspace(LEDGER, 'dev');
      assert.equal(currentVersion.origin.type, 'rollback');
      assert.equal(currentVersion.message, reason);

      await page.reload();
      await textMatching(historyRow(reason), TERMINAL_STATUS);
      await screenshot(page, 'versions-tab.png');
    },
  );

  it(
    'promotes with a needs-input variable',
    { timeout: ROLLOUT_TIMEOUT_MS * 2 + 60_000 },
    async () => {
      const key = `E2E_FLAG_${uniqueTag('k')
        .replace(/[^a-z0-9]/gi, '_')
        .toUpperCase()}`;
      const target = await api.deploy(
        LEDGER,
        'staging',
        ledgerSpec(uniqueTag('staging'), {
          DB_URL: 'postgres://staging-db/ledger',
        }),
        'e2e: staging baseline',
      );
      const source = await api.deploy(
        LEDGER,
        'dev',
        ledgerSpec(uniqueTag('promote'), {
          LOG_LEVEL: 'debug',
          DB_URL: 'postgres://dev-db/ledger',
          [key]: 'dev-value',
        }),
        'e2e: release to promote',
      );

      await page.goto(entityTab(LEDGER, 'promote'));
      const sourceSelect = page.getByRole('button', {
        name: /^From workspace/,
      });
      if (!/\bdev\b/.test(await sourceSelect.innerText())) {
        await sourceSelect.click();
        await page.getByRole('option', { name: /^dev/ }).click();
      }
      const targetSelect = page.getByRole('button', { name: /^To workspace/ });
      if (!/\bstaging\b/.test(await targetSelect.innerText())) {
        await targetSelect.click();
        await page.getByRole('option', { name: /^staging/ }).click();
      }
      await page
        .getByRole('heading', {
          name: `Plan: dev v${source.number} → staging v${target.number}`,
        })
        .waitFor();

      await textMatching(
        page.getByRole('heading', { name: /^Needs your input/ }),
        /\(1\)/,
      );
      await textMatching(
        page.getByRole('list', { name: 'Blockers' }),
        new RegExp(key),
      );
      // Kept in target: staging keeps its own database and log level.
      await textMatching(page.getByTestId('plan-env.DB_URL'), /staging-db/);
      const promote = page.getByRole('button', { name: 'Promote to staging' });
      assert.equal(
        await promote.isDisabled(),
        true,
        'Promote waits for the needs-input value',
      );
      await screenshot(page, 'promote-tab.png');

      const input = page.getByRole('group', { name: `${key} in staging` });
      await textMatching(input, /In dev: dev-value/);
      await input.getByRole('textbox', { name: 'Value' }).fill('staging-value');
      await textMatching(
        page.getByRole('list', { name: 'Blockers' }),
        /resolved by your input/,
      );
      // What the promotion sets is listed for review before the button.
      await textMatching(
        page.getByRole('list', { name: 'What this promotion sets and drops' }),
        new RegExp(
          `env\\.${key} gets a value of its own in staging: "staging-value"`,
        ),
      );
      await page
        .getByRole('textbox', { name: 'Reason (optional)' })
        .fill('e2e: promote with an input');
      await screenshot(
        page.getByRole('form', { name: 'Promotion' }),
        'promotion-plan.png',
      );
      await promote.click();

      // The notice follows the new version's rollout to its end.
      await textMatching(
        page.getByTestId('operation-notice'),
        new RegExp(
          `created staging v${
            target.number + 1
          }[\\s\\S]*(Succeeded|Recorded, not applied)`,
        ),
        ROLLOUT_TIMEOUT_MS,
      );

      const { currentVersion } = await api.workspace(LEDGER, 'staging');
      assert.equal(currentVersion.number, target.number + 1);
      assert.deepEqual(currentVersion.origin, {
        type: 'promotion',
        workspace: 'dev',
        version: source.number,
      });
      assert.equal(currentVersion.spec.image, source.spec.image);
      assert.equal(currentVersion.spec.env[key], 'staging-value');
      assert.equal(
        currentVersion.spec.env.DB_URL,
        'postgres://staging-db/ledger',
      );
      assert.equal(currentVersion.spec.env.LOG_LEVEL, 'info');
    },
  );

  it('shows the current version per workspace on the overview card', async () => {
    const dev = await api.workspace(LEDGER, 'dev');
    const staging = await api.workspace(LEDGER, 'staging');
    await page.goto(entityTab(LEDGER, ''));
    const card = page.locator('.MuiCard-root', {
      has: page.getByRole('heading', { name: 'Deployments' }),
    });
    const table = card.getByRole('table', {
      name: 'Current version per workspace',
    });
    for (const { workspace, currentVersion } of [dev, staging]) {
      const row = table
        .getByRole('row')
        .filter({ hasText: new RegExp(`^\\s*${workspace.name}`) });
      await textMatching(
        row,
        currentVersion
          ? new RegExp(`v${currentVersion.number}\\b`)
          : /No version yet/,
      );
    }
    await screenshot(card, 'overview-card.png');
  });
});
