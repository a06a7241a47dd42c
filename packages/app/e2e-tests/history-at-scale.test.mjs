/*
 * The UI at scale (issue 12, item 4), in Chromium: a service with 10,000
 * versions in one workspace, recorded through Shipyard's API. The Versions
 * tab shows its newest page and pages further back asking for 50 versions
 * at a time, never the whole history, and opens a version thousands of rows
 * back by its number; the Promote tab stays responsive and follows the
 * current version while a wave of deploys runs. The figures are printed as
 * `[scale]` lines; the assertions are about behaviour, with only generous
 * sanity bounds on time. Needs app-config.e2e.yaml (the record-only bulk
 * workspace) and entities.e2e.yaml (the long-history service).
 *
 *   SHIPYARD_E2E_FILES=history-at-scale.test.mjs node packages/app/e2e-tests/run.mjs
 */
import assert from 'node:assert/strict';
import { loadavg } from 'node:os';
import { after, before, describe, it } from 'node:test';
import {
  BACKEND_URL,
  entityTab,
  guestSession,
  skipUnlessReady,
  waitForText,
} from './harness.mjs';

const SERVICE = 'component:default/long-history';
const SERVICE_PATH = '/services/component/default/long-history';
const WORKSPACE = 'bulk';
const HISTORY = 10_000;
const SEED_CLIENTS = 12;
const PAGE_SIZE = 50;
const OLDER_PAGES = 5;
const WAVE = 100;
const WAVE_CLIENTS = 8;
// Sanity bounds only: a broken page never gets there, a slow machine does.
const SANE_MS = 15_000;

const missing = await skipUnlessReady();

const figure = text => process.stdout.write(`[scale] ${text}\n`);
const load = () =>
  loadavg()
    .map(n => n.toFixed(2))
    .join(' ');
const ms = n => `${Math.round(n).toLocaleString('en-US')} ms`;

const spec = tag => ({
  image: `ghcr.io/acme/long-history:${tag}`,
  ports: [{ name: 'http', port: 8080 }],
  env: { LOG_LEVEL: 'info' },
  replicas: 1,
});

/**
 * `count` deploys into the bulk workspace from `clients` concurrent clients,
 * each waiting for its answer before sending the next. Fails on the first
 * refusal, naming it. Returns the version numbers created and the time taken.
 */
async function deployMany(token, count, clients, what) {
  const numbers = [];
  let next = 0;
  let failure;
  const started = performance.now();
  const client = async () => {
    while (!failure && next < count) {
      const index = next++;
      const response = await fetch(
        `${BACKEND_URL}/api/shipyard${SERVICE_PATH}/workspaces/${WORKSPACE}/versions`,
        {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json',
          },
          body: JSON.stringify({
            spec: spec(`${what}-${index}`),
            message: `e2e: ${what} #${index + 1}`,
          }),
        },
      );
      const text = await response.text();
      if (response.status !== 201) {
        failure ??= new Error(
          `${what} #${index + 1}: POST versions answered ${
            response.status
          } ${text}`,
        );
        return;
      }
      numbers.push(JSON.parse(text).number);
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  if (failure) throw failure;
  return { numbers, ms: performance.now() - started };
}

/** The version numbers of the history rows on the page, top to bottom. */
async function rowNumbers(page) {
  const labels = await page
    .locator('a[aria-label^="Open v"]')
    .evaluateAll(links => links.map(link => link.getAttribute('aria-label')));
  return labels.map(label => Number(label.replace('Open v', '')));
}

const range = (from, to) =>
  Array.from({ length: from - to + 1 }, (_, i) => from - i);

describe('The UI at scale', { skip: missing }, () => {
  let browser;
  let page;
  let api;
  let token;
  let latest;
  const historyRequests = [];

  before(async () => {
    ({ token, api, browser, page } = await guestSession());
    page.on('request', request => {
      const url = new URL(request.url());
      if (
        url.pathname ===
        `/api/shipyard${SERVICE_PATH}/workspaces/${WORKSPACE}/versions`
      ) {
        historyRequests.push({ url, request });
      }
    });
    // Every document of the tab notes when its first history row was painted
    // (counted from navigation start), and can time what a click brings.
    await page.context().addInitScript(() => {
      const observer = new MutationObserver(() => {
        if (document.querySelector('a[aria-label^="Open v"]')) {
          observer.disconnect();
          requestAnimationFrame(() => {
            window.__shipyardFirstRowAt = performance.now();
          });
        }
      });
      observer.observe(document, { childList: true, subtree: true });
      /** Clicks `button` and resolves with the ms until `selector` matches and the next frame is painted. */
      window.__shipyardClickUntil = (button, selector, timeout) =>
        new Promise((resolve, reject) => {
          const started = performance.now();
          const watcher = new MutationObserver(() => {
            if (!document.querySelector(selector)) return;
            watcher.disconnect();
            requestAnimationFrame(() => resolve(performance.now() - started));
          });
          watcher.observe(document, { childList: true, subtree: true });
          // Rejecting after the answer came is a no-op.
          setTimeout(() => {
            watcher.disconnect();
            reject(
              new Error(`${selector} did not appear within ${timeout} ms`),
            );
          }, timeout);
          button.click();
        });
    });
  });

  after(async () => {
    await browser?.close();
  });

  it(
    `records ${HISTORY.toLocaleString('en-US')} versions through the API`,
    { timeout: 15 * 60_000 },
    async () => {
      const state = await api.workspace(SERVICE, WORKSPACE);
      if (!state) {
        throw new Error(
          `${SERVICE} has no workspace ${WORKSPACE}: start the backend with app-config.e2e.yaml and entities.e2e.yaml`,
        );
      }
      assert.equal(
        state.workspace.cluster,
        undefined,
        `${WORKSPACE} must be record-only`,
      );
      const already = state.versionCount;
      if (already < HISTORY) {
        const loadBefore = load();
        const { numbers, ms: took } = await deployMany(
          token,
          HISTORY - already,
          SEED_CLIENTS,
          'seed',
        );
        figure(
          `seeded ${numbers.length.toLocaleString(
            'en-US',
          )} versions through POST …/versions with ${SEED_CLIENTS} clients in ${(
            took / 1000
          ).toFixed(1)} s (${Math.round(
            (numbers.length / took) * 1000,
          )} per second; load average before ${loadBefore}, after ${load()})`,
        );
        // Every number from before+1 to HISTORY, each once.
        assert.deepEqual(
          [...numbers].sort((a, b) => a - b),
          range(HISTORY, already + 1).reverse(),
        );
      } else {
        figure(
          `${WORKSPACE} already holds ${already} versions: nothing seeded`,
        );
      }
      const seeded = await api.workspace(SERVICE, WORKSPACE);
      latest = seeded.latestVersion.number;
      assert.ok(seeded.versionCount >= HISTORY, String(seeded.versionCount));
      assert.equal(seeded.currentVersion.number, latest);
    },
  );

  it(
    'shows the newest page of the history first and pages back 50 versions at a time',
    { timeout: 5 * 60_000 },
    async () => {
      assert.ok(latest, 'the history was not recorded');
      const total = (await api.workspace(SERVICE, WORKSPACE)).versionCount;
      historyRequests.length = 0;

      // Cold: a full load of the app at the Versions tab.
      await page.goto(
        entityTab(SERVICE, 'versions', `?workspace=${WORKSPACE}`),
      );
      await page.getByRole('link', { name: `Open v${latest}` }).waitFor();
      const cold = await page.evaluate(() => ({
        firstRow: window.__shipyardFirstRowAt,
        domContentLoaded:
          performance.getEntriesByType('navigation')[0]
            ?.domContentLoadedEventEnd,
      }));
      figure(
        `Versions tab, full page load: first history row painted ${ms(
          cold.firstRow,
        )} after navigation start (DOMContentLoaded at ${ms(
          cold.domContentLoaded,
        )}); load average ${load()}`,
      );
      assert.ok(cold.firstRow < SANE_MS, `first row after ${cold.firstRow} ms`);

      const status = page
        .getByRole('navigation', {
          name: `Pages of the history of ${WORKSPACE}`,
        })
        .getByRole('status');
      const expectPage = async index => {
        const first = index * PAGE_SIZE + 1;
        const last = Math.min((index + 1) * PAGE_SIZE, total);
        await waitForText(
          status,
          new RegExp(
            `^Versions ${first.toLocaleString('en-US')}–${last.toLocaleString(
              'en-US',
            )} of ${total.toLocaleString('en-US')}$`,
          ),
        );
        const top = latest - index * PAGE_SIZE;
        assert.deepEqual(
          await rowNumbers(page),
          range(top, top - PAGE_SIZE + 1),
          `page ${index + 1}`,
        );
      };
      await expectPage(0);
      assert.deepEqual(
        historyRequests.map(({ url }) => url.searchParams.get('limit')),
        ['50'],
        historyRequests.map(({ url }) => String(url)).join('\n'),
      );
      assert.equal(historyRequests[0].url.searchParams.get('cursor'), null);

      // Warm: back to this workspace from another one, in the running app.
      await page.getByRole('tab', { name: /^gate/ }).click();
      await page.getByText('No versions in gate yet').waitFor();
      const switchBack = await page.evaluate(
        ({ selector, timeout }) =>
          window.__shipyardClickUntil(
            [...document.querySelectorAll('[role="tab"]')].find(tab =>
              tab.textContent.startsWith('bulk'),
            ),
            selector,
            timeout,
          ),
        { selector: `a[aria-label="Open v${latest}"]`, timeout: SANE_MS },
      );
      figure(
        `Versions tab, switching back to ${WORKSPACE} in the running app: first row painted ${ms(
          switchBack,
        )} after the click`,
      );
      await expectPage(0);

      // Older, page by page: each click asks for the next 50 by the cursor and shows them.
      const pageTimes = [];
      for (let index = 1; index <= OLDER_PAGES; index++) {
        const top = latest - index * PAGE_SIZE;
        const took = await page.evaluate(
          ({ selector, timeout, workspace }) =>
            window.__shipyardClickUntil(
              [
                ...document.querySelectorAll(
                  `nav[aria-label="Pages of the history of ${workspace}"] button`,
                ),
              ].find(button => button.textContent.trim() === 'Older'),
              selector,
              timeout,
            ),
          {
            selector: `a[aria-label="Open v${top}"]`,
            timeout: SANE_MS,
            workspace: WORKSPACE,
          },
        );
        pageTimes.push(took);
        await expectPage(index);
      }
      figure(
        `Versions tab, Older ${OLDER_PAGES} times: each page of 50 painted ${pageTimes
          .map(ms)
          .join(', ')} after the click`,
      );
      const listed = historyRequests.map(({ url }) => ({
        limit: url.searchParams.get('limit'),
        cursor: url.searchParams.get('cursor'),
      }));
      // How much of a page's time is the backend's: request sent → response read, as Chromium timed it.
      const answered = [];
      for (const { request } of historyRequests) {
        await request.response();
        answered.push(request.timing().responseEnd);
      }
      figure(
        `history API (GET …/versions?limit=50), request to last byte: ${answered
          .map(ms)
          .join(', ')}`,
      );
      figure(
        `history requests so far: ${listed.length}, limits ${[
          ...new Set(listed.map(l => l.limit)),
        ].join(', ')}; rows in the DOM ${
          (await rowNumbers(page)).length
        } of ${total.toLocaleString('en-US')} versions`,
      );
      assert.ok(
        listed.every(l => Number(l.limit) > 0 && Number(l.limit) <= PAGE_SIZE),
        JSON.stringify(listed),
      );
      // The newest page twice (load and switch back), then one request per Older, each with a cursor.
      assert.equal(listed.length, 2 + OLDER_PAGES, JSON.stringify(listed));
      assert.ok(
        listed.slice(2).every(l => l.cursor),
        JSON.stringify(listed),
      );

      // Newer goes back one page.
      await page.getByRole('button', { name: 'Newer' }).click();
      await expectPage(OLDER_PAGES - 1);
    },
  );

  it(
    'opens a version thousands of rows back by its number, and names one the workspace does not have',
    { timeout: 2 * 60_000 },
    async () => {
      assert.ok(latest, 'the history was not recorded');
      await page.goto(
        entityTab(SERVICE, 'versions', `?workspace=${WORKSPACE}`),
      );
      await page.getByRole('link', { name: `Open v${latest}` }).waitFor();
      const requestsBefore = historyRequests.length;
      const field = page.getByRole('textbox', { name: 'Go to version' });
      await field.fill('1234');
      const started = Date.now();
      await field.press('Enter');
      await page.getByRole('heading', { name: `${WORKSPACE} v1234` }).waitFor();
      figure(
        `Go to version 1234: its page shown ${ms(
          Date.now() - started,
        )} after Enter`,
      );
      assert.match(page.url(), /\/versions\/bulk\/1234$/);
      // Its page is the version's own: fetched by number, not found by paging.
      assert.equal(historyRequests.length, requestsBefore);
      const v1234 = await api.version(SERVICE, WORKSPACE, 1234);
      await page.getByTitle(v1234.spec.image).first().waitFor();
      await page.getByText(v1234.message, { exact: false }).first().waitFor();

      await page.goBack();
      const again = page.getByRole('textbox', { name: 'Go to version' });
      await again.fill(String(latest + 5_000));
      await again.press('Enter');
      await waitForText(
        page.getByText(/does not exist in bulk/),
        new RegExp(
          `^v${
            latest + 5_000
          } does not exist in bulk: its newest version is v${latest}$`,
        ),
      );
      assert.match(page.url(), /\/versions\?workspace=bulk$/);
    },
  );

  it(
    'keeps the Promote tab responsive and current while a wave of deploys runs',
    { timeout: 5 * 60_000 },
    async () => {
      assert.ok(latest, 'the history was not recorded');
      const start = (await api.workspace(SERVICE, WORKSPACE)).currentVersion
        .number;
      await page.goto(entityTab(SERVICE, 'promote'));
      const stage = page.getByLabel(/^Workspace bulk/);
      await waitForText(stage, new RegExp(`v${start}\\b`));
      const planHeading = page.getByRole('heading', {
        name: /^Plan: bulk v\d+ → gate/,
      });
      await waitForText(
        planHeading,
        new RegExp(`^Plan: bulk v${start} → gate`),
      );

      // Long tasks from now on, and the time of every click the page receives (the event's own timestamp).
      await page.evaluate(() => {
        window.__longTasks = [];
        new PerformanceObserver(list => {
          for (const entry of list.getEntries()) {
            window.__longTasks.push({
              at: entry.startTime,
              ms: entry.duration,
            });
          }
        }).observe({ type: 'longtask' });
        document.addEventListener(
          'click',
          event => {
            window.__clickAt = event.timeStamp;
          },
          true,
        );
      });
      const shipyardRequests = [];
      const onRequest = request => {
        if (request.url().includes('/api/shipyard/')) {
          shipyardRequests.push(new URL(request.url()).pathname);
        }
      };
      page.on('request', onRequest);

      const waveStartedAt = await page.evaluate(() => performance.now());
      const loadBefore = load();
      let waveDone = false;
      const wave = deployMany(token, WAVE, WAVE_CLIENTS, 'wave').finally(() => {
        waveDone = true;
      });

      // Re-plan whenever the plan falls behind the wave: click to the newer plan on screen.
      const clicks = [];
      // The Re-plan of the alert that says the plan is out of date (the form's own Re-plan is always there).
      const replan = page
        .getByRole('form', { name: 'Promotion' })
        .getByRole('button', { name: 'Re-plan' });
      while (!waveDone || clicks.length === 0) {
        try {
          await replan.waitFor({ timeout: waveDone ? 10_000 : 2_000 });
        } catch {
          if (waveDone) break;
          continue;
        }
        const shownBefore = await page.evaluate(() => {
          const heading = [...document.querySelectorAll('h3')].find(h =>
            h.textContent.startsWith('Plan: bulk v'),
          );
          const shown = Number(
            /^Plan: bulk v(\d+)/.exec(heading.textContent)[1],
          );
          window.__clickAt = undefined;
          window.__planShown = new Promise(resolve => {
            const observer = new MutationObserver(() => {
              const now = [...document.querySelectorAll('h3')].find(h =>
                h.textContent.startsWith('Plan: bulk v'),
              );
              const n =
                now && Number(/^Plan: bulk v(\d+)/.exec(now.textContent)[1]);
              if (n > shown) {
                observer.disconnect();
                requestAnimationFrame(() =>
                  resolve({ at: performance.now(), version: n }),
                );
              }
            });
            observer.observe(document.body, {
              childList: true,
              subtree: true,
              characterData: true,
            });
          });
          return shown;
        });
        try {
          await replan.click({ timeout: 5_000 });
        } catch (error) {
          // The button left between waiting and clicking (the page re-planned on its own): try again.
          if (/detached|not attached|Timeout/i.test(String(error))) continue;
          throw error;
        }
        const shown = await page.evaluate(
          timeout =>
            Promise.race([
              window.__planShown.then(({ at, version }) => ({
                ms: at - window.__clickAt,
                version,
                during: true,
              })),
              new Promise((_, reject) =>
                setTimeout(
                  () =>
                    reject(
                      new Error(`no newer plan ${timeout} ms after Re-plan`),
                    ),
                  timeout,
                ),
              ),
            ]),
          SANE_MS,
        );
        assert.ok(shown.version > shownBefore);
        clicks.push({ ...shown, during: !waveDone });
        if (clicks.length >= 20) break;
      }
      const { numbers, ms: waveMs } = await wave;
      const waveEndedAt = await page.evaluate(() => performance.now());
      const final = Math.max(...numbers);
      assert.equal(final, start + WAVE);

      // The stage follows the wave to its last version, with nothing reloaded by hand.
      await waitForText(stage, new RegExp(`v${final}\\b`), SANE_MS);
      const settledAt = await page.evaluate(() => performance.now());
      // And the tab still answers a click after it.
      if (await replan.isVisible()) {
        await replan.click();
      }
      await waitForText(
        planHeading,
        new RegExp(`^Plan: bulk v${final} → gate`),
        SANE_MS,
      );
      page.off('request', onRequest);

      const longTasks = await page.evaluate(
        ([from, to]) =>
          window.__longTasks.filter(t => t.at >= from && t.at <= to),
        [waveStartedAt, settledAt],
      );
      const during = clicks.filter(c => c.during);
      figure(
        `wave: ${WAVE} deploys from ${WAVE_CLIENTS} clients into ${WORKSPACE} in ${ms(
          waveMs,
        )} (load average before ${loadBefore}, after ${load()}); the Promote tab showed v${final} ${ms(
          Math.max(0, settledAt - waveEndedAt),
        )} after the last deploy answered`,
      );
      figure(
        `Promote tab during the wave: ${longTasks.length} long tasks, ${ms(
          longTasks.reduce((sum, t) => sum + t.ms, 0),
        )} in all, longest ${ms(
          Math.max(0, ...longTasks.map(t => t.ms)),
        )}, over ${ms(settledAt - waveStartedAt)}`,
      );
      figure(
        `Promote tab, Re-plan click → newer plan painted: ${clicks
          .map(c => `${ms(c.ms)}${c.during ? '' : ' (after the wave)'}`)
          .join(', ')} (${during.length} during the wave)`,
      );
      const counts = {};
      for (const path of shipyardRequests) {
        const key = path
          .replace(
            /^\/api\/shipyard\/services\/component\/default\/long-history/,
            '…',
          )
          .replace(/\/\d+(?=\/|$)/g, '/{n}');
        counts[key] = (counts[key] ?? 0) + 1;
      }
      figure(
        `Shipyard requests the tab made meanwhile: ${Object.entries(counts)
          .map(([path, n]) => `${n}× ${path}`)
          .join('; ')}`,
      );
      assert.ok(clicks.length > 0, 'the plan never fell behind the wave');
      assert.ok(
        clicks.every(c => c.ms < SANE_MS),
        JSON.stringify(clicks),
      );
    },
  );
});
