/*
 * The Edit dialog's form in a real browser: change the image tag and an env
 * var in the form, see the YAML and the diff follow, deploy, and find the
 * version in the history; then add a mount through the form and deploy it.
 *
 *   SHIPYARD_E2E_FILES=guided-editor.test.mjs npm test -- e2e
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ROLLOUT_TIMEOUT_MS,
  editorText,
  entityTab,
  guestSession,
  skipUnlessReady,
  uniqueTag,
} from './harness.mjs';

const LEDGER = 'component:default/ledger';

const missing = await skipUnlessReady();

describe('the guided editor', { skip: missing }, () => {
  let browser;
  let page;
  let api;

  before(async () => {
    ({ api, browser, page } = await guestSession());
  });

  after(async () => {
    await browser?.close();
  });

  /** The ledger's Edit dialog in dev, on its form. */
  async function openForm() {
    await page.goto(entityTab(LEDGER, 'versions', '?workspace=dev'));
    await page.getByRole('button', { name: 'Edit and deploy' }).click();
    const dialog = page.getByRole('dialog', {
      name: 'Edit and deploy to dev',
    });
    await dialog.getByRole('button', { name: 'Form' }).click();
    return { dialog, form: dialog.getByRole('group', { name: 'Spec form' }) };
  }

  it(
    'edits the image tag and an env var in the form, shows the YAML and the diff following, and deploys',
    { timeout: ROLLOUT_TIMEOUT_MS + 60_000 },
    async () => {
      await api.deploy(
        LEDGER,
        'dev',
        {
          image: `ghcr.io/acme/ledger:${uniqueTag('form-base')}`,
          ports: [{ name: 'http', port: 8080 }],
          env: { LOG_LEVEL: 'info' },
          replicas: 1,
        },
        'e2e: before the form',
      );
      const tag = uniqueTag('form');
      const { dialog, form } = await openForm();

      await form.getByRole('textbox', { name: 'Tag' }).fill(tag);
      await form
        .getByRole('group', { name: 'Env var LOG_LEVEL' })
        .getByRole('textbox', { name: 'Value' })
        .fill('debug');

      await dialog.getByRole('button', { name: 'YAML' }).click();
      const yaml = await editorText(
        dialog.getByRole('textbox', { name: 'Spec (YAML)' }),
      );
      assert.match(
        yaml,
        new RegExp(`^image: ghcr\\.io/acme/ledger:${tag}$`, 'm'),
      );
      assert.match(yaml, /^ {2}LOG_LEVEL: debug$/m);

      const changes = dialog.getByRole('table', {
        name: 'What this deploy changes',
      });
      await changes.getByText(`ghcr.io/acme/ledger:${tag}`).waitFor();
      await changes.getByText('env.LOG_LEVEL').waitFor();

      await dialog.getByRole('button', { name: 'Deploy to dev' }).click();
      await dialog.waitFor({ state: 'detached' });
      const row = page.locator('tbody tr', {
        hasText: `ghcr.io/acme/ledger:${tag}`,
      });
      await row.first().waitFor({ timeout: ROLLOUT_TIMEOUT_MS });
      const { currentVersion, latestVersion } = await api.workspace(
        LEDGER,
        'dev',
      );
      const deployed = latestVersion ?? currentVersion;
      assert.equal(deployed.spec.image, `ghcr.io/acme/ledger:${tag}`);
      assert.deepEqual(deployed.spec.env, { LOG_LEVEL: 'debug' });
      assert.equal(deployed.origin.type, 'edit');
    },
  );

  it(
    'adds a mount in the form and deploys it; the stored spec has it',
    { timeout: ROLLOUT_TIMEOUT_MS + 60_000 },
    async () => {
      const tag = uniqueTag('form-mount');
      const { dialog, form } = await openForm();

      await form.getByRole('textbox', { name: 'Tag' }).fill(tag);
      await form.getByRole('button', { name: 'Add mount' }).click();
      const mount = form.getByRole('group', { name: 'Mount 1' });
      // An emptyDir needs nothing in the namespace, so the deploy's preflight passes.
      await mount
        .getByRole('textbox', { name: 'Path' })
        .fill('/var/cache/ledger');
      await mount.getByRole('textbox', { name: 'Size limit' }).fill('64Mi');

      await dialog
        .getByRole('table', { name: 'What this deploy changes' })
        .getByText('mounts', { exact: true })
        .waitFor();
      await dialog.getByRole('button', { name: 'YAML' }).click();
      const yaml = await editorText(
        dialog.getByRole('textbox', { name: 'Spec (YAML)' }),
      );
      assert.match(
        yaml,
        /^mounts:\n {2}- path: \/var\/cache\/ledger\n {4}emptyDir:\n {6}sizeLimit: 64Mi$/m,
      );

      await dialog.getByRole('button', { name: 'Deploy to dev' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page
        .locator('tbody tr', { hasText: `ghcr.io/acme/ledger:${tag}` })
        .first()
        .waitFor({ timeout: ROLLOUT_TIMEOUT_MS });
      const { currentVersion, latestVersion } = await api.workspace(
        LEDGER,
        'dev',
      );
      const deployed = latestVersion ?? currentVersion;
      assert.equal(deployed.spec.image, `ghcr.io/acme/ledger:${tag}`);
      assert.deepEqual(deployed.spec.mounts, [
        { path: '/var/cache/ledger', emptyDir: { sizeLimit: '64Mi' } },
      ]);
    },
  );
});
