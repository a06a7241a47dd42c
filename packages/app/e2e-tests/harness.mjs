/*
 * What Shipyard's browser tests share: where the app and backend are, a guest
 * token for setting up data through the API, and Chromium driven by
 * playwright-core. The app (:3000) and backend (:7007) must already run.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// playwright-core is a devDependency of the repository root: only these tests use it, never the app bundle.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));

export const BASE_URL = (
  process.env.SHIPYARD_E2E_BASE_URL ?? 'http://localhost:3000'
).replace(/\/$/, '');
export const BACKEND_URL = (
  process.env.SHIPYARD_E2E_BACKEND_URL ?? 'http://localhost:7007'
).replace(/\/$/, '');
export const CHROMIUM =
  process.env.SHIPYARD_E2E_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS =
  process.env.SHIPYARD_E2E_SCREENSHOTS ??
  resolve(here, '../../../docs/screenshots');

/** Long enough for a rollout on the local cluster; a record-only workspace answers at once. */
export const ROLLOUT_TIMEOUT_MS = 120_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Why the suite cannot run here, or undefined when it can. Outside CI a
 * missing app, backend or browser skips the suite with this reason; in CI
 * (`CI=true`) it fails it.
 */
export async function missingPrerequisite() {
  if (!existsSync(CHROMIUM)) {
    return `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set SHIPYARD_E2E_CHROMIUM)`;
  }
  for (const [what, url] of [
    ['app', `${BASE_URL}/`],
    ['backend', `${BACKEND_URL}/api/shipyard/workspaces`],
  ]) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(5000) });
    } catch (error) {
      return `the ${what} is not reachable at ${url} (${
        error.cause?.code ?? error.message
      }); start it first`;
    }
  }
  return undefined;
}

/** The guest's token, its Shipyard API client and a browser signed in as the guest: what a suite's `before` sets up. */
export async function guestSession() {
  const token = await guestToken();
  return { token, api: shipyardApi(token), ...(await signedInBrowser()) };
}

/**
 * {@link missingPrerequisite} for a suite's `skip`: the reason to skip it
 * outside CI; in CI (`CI=true`) a missing prerequisite fails the file.
 */
export async function skipUnlessReady() {
  const missing = await missingPrerequisite();
  if (missing && process.env.CI === 'true') {
    throw new Error(`Shipyard e2e cannot run: ${missing}`);
  }
  return missing;
}

/** A Backstage token of the guest user, as the app's guest sign-in gets it. */
export async function guestToken() {
  const response = await fetch(`${BACKEND_URL}/api/auth/guest/refresh`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Requested-With': 'XMLHttpRequest',
    },
  });
  if (!response.ok) {
    throw new Error(
      `guest sign-in failed: ${response.status} ${await response.text()}`,
    );
  }
  return (await response.json()).backstageIdentity.token;
}

/** The Shipyard API as the tests use it to arrange data, with the guest's token. */
export function shipyardApi(token) {
  const call = async (method, path, body) => {
    const response = await fetch(`${BACKEND_URL}/api/shipyard${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`${method} ${path}: ${response.status} ${text}`);
    }
    return text ? JSON.parse(text) : undefined;
  };
  const service = ref => {
    const [kind, rest] = ref.split(':');
    const [namespace, name] = rest.split('/');
    return `/services/${kind}/${namespace}/${name}`;
  };
  return {
    async workspace(ref, workspace) {
      const { items } = await call('GET', `${service(ref)}/workspaces`);
      return items.find(item => item.workspace.name === workspace);
    },
    /** Deploys and waits for the rollout, so the version is current when this returns. */
    deploy(ref, workspace, spec, message) {
      return call(
        'POST',
        `${service(ref)}/workspaces/${workspace}/versions?wait=true`,
        { spec, message },
      );
    },
    version(ref, workspace, number) {
      return call(
        'GET',
        `${service(ref)}/workspaces/${workspace}/versions/${number}`,
      );
    },
  };
}

/** Chromium with a signed-in guest: one page, at the catalog. */
export async function signedInBrowser() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
  const context = await browser.newContext({
    viewport: { width: 1440, height: 1000 },
  });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  await page.goto(`${BASE_URL}/`);
  await page.getByRole('button', { name: 'Enter' }).click();
  await page
    .getByRole('navigation', { name: 'sidebar nav' })
    .getByText('Catalog')
    .waitFor();
  return { browser, page };
}

/** The URL of a tab of an entity page, e.g. `versions` of `component:default/ledger`. */
export function entityTab(ref, tab, query = '') {
  const [kind, rest] = ref.split(':');
  const [namespace, name] = rest.split('/');
  return `${BASE_URL}/catalog/${namespace}/${kind}/${name}/${tab}${query}`;
}

/** Saves a screenshot for the README under docs/screenshots. */
export async function screenshot(target, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await target.screenshot({
    path: resolve(SCREENSHOTS, name),
    animations: 'disabled',
  });
}

/** A tag no earlier run used, so a test never depends on what is stored already. */
export function uniqueTag(prefix) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(
    Math.random() * 1296,
  ).toString(36)}`;
}

/** Waits until a locator's text matches `pattern`, and returns the text. */
export async function waitForText(locator, pattern, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = (await locator.count()) ? await locator.first().innerText() : '';
    if (pattern.test(text)) {
      return text;
    }
    await new Promise(done => setTimeout(done, 250));
  }
  throw new Error(
    `Timed out waiting for ${pattern}; last text: ${JSON.stringify(
      text.slice(0, 500),
    )}`,
  );
}

/** The text of the spec's CodeMirror editor, given its content element (the `Spec (YAML)` textbox). */
export async function editorText(editor) {
  return editor.evaluate(content =>
    [...content.querySelectorAll('.cm-line')]
      .map(line => line.textContent)
      .join('\n'),
  );
}

/** Replaces the editor's text as a user pasting it does: select all, insert; fails if the editor changed what was inserted. */
export async function replaceEditorText(editor, text) {
  await editor.click();
  await editor.page().keyboard.press('Control+a');
  await editor.page().keyboard.insertText(text);
  const now = await editorText(editor);
  if (now.trimEnd() !== text.trimEnd()) {
    throw new Error(
      `The editor holds ${JSON.stringify(now)}, not ${JSON.stringify(text)}`,
    );
  }
}
