/*
 * Live updates through the signals plugin: a version deployed by another
 * client appears on an open Versions tab and moves to its final status while
 * the page's timers are frozen (Playwright's clock), so no polling can have
 * brought it; only the backend's signal over the WebSocket.
 *
 *   SHIPYARD_E2E_FILES=signals.test.mjs node packages/app/e2e-tests/run.mjs
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ROLLOUT_TIMEOUT_MS,
  entityTab,
  guestSession,
  skipUnlessReady,
  uniqueTag,
  waitForText,
} from './harness.mjs';

const LEDGER = 'component:default/ledger';
const CHANNEL = `shipyard:${LEDGER}`;

const missing = await skipUnlessReady();

const spec = tag => ({
  image: `ghcr.io/acme/ledger:${tag}`,
  ports: [{ name: 'http', port: 8080 }],
  env: { LOG_LEVEL: 'info' },
  replicas: 1,
});

async function until(condition, what, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(done => setTimeout(done, 100));
  }
}

describe('Live updates through signals', { skip: missing }, () => {
  let browser;
  let page;
  let api;

  before(async () => {
    ({ api, browser, page } = await guestSession());
  });

  after(async () => {
    await browser?.close();
  });

  it(
    "shows another client's deploy and its final status with the page's timers frozen",
    { timeout: ROLLOUT_TIMEOUT_MS + 90_000 },
    async () => {
      const baseline = `e2e: before signals ${uniqueTag('s')}`;
      await api.deploy(LEDGER, 'dev', spec(uniqueTag('base')), baseline);

      const subscribed = [];
      const signalled = [];
      page.on('websocket', socket => {
        if (!socket.url().includes('/api/signals')) return;
        socket.on('framesent', frame => subscribed.push(String(frame.payload)));
        socket.on('framereceived', frame =>
          signalled.push(String(frame.payload)),
        );
      });
      const refreshes = [];
      page.on('request', request => {
        if (
          /\/api\/shipyard\/services\/component\/default\/ledger\/workspaces$/.test(
            request.url(),
          )
        ) {
          refreshes.push(Date.now());
        }
      });

      // The page's own clock from its first script on, so it can be stopped below.
      await page.clock.install();
      await page.goto(entityTab(LEDGER, 'versions'));
      const row = text => page.locator('tbody tr', { hasText: text });
      await waitForText(row(baseline), /Succeeded|Recorded, not applied/);
      await until(
        () =>
          subscribed.some(
            f => f.includes('"subscribe"') && f.includes(CHANNEL),
          ),
        `the page to subscribe to ${CHANNEL}`,
      );

      // From here no setTimeout or setInterval of the page fires: no polling.
      await page.clock.pauseAt(new Date(Date.now() + 1000));
      const frozenAt = await page.evaluate(() => Date.now());
      const refreshesBefore = refreshes.length;

      const message = `e2e: through signals ${uniqueTag('s')}`;
      const deployed = await api.deploy(
        LEDGER,
        'dev',
        spec(uniqueTag('live')),
        message,
      );
      assert.match(deployed.status, /succeeded|recorded/);
      await waitForText(
        row(message),
        /Succeeded|Recorded, not applied/,
        60_000,
      );

      assert.equal(
        await page.evaluate(() => Date.now()),
        frozenAt,
        "the page's clock stood still",
      );
      assert.ok(
        signalled.some(
          f => f.includes(CHANNEL) && f.includes(`"number":${deployed.number}`),
        ),
        `a signal for v${deployed.number} reached the page`,
      );
      assert.ok(
        refreshes.length > refreshesBefore,
        'the page refreshed after the signals',
      );
    },
  );
  it(
    'shows nothing new on a frozen page whose signals never arrive, until its polling runs',
    { timeout: ROLLOUT_TIMEOUT_MS + 90_000 },
    async () => {
      const baseline = `e2e: before no signals ${uniqueTag('s')}`;
      await api.deploy(LEDGER, 'dev', spec(uniqueTag('base')), baseline);

      const quiet = await page.context().newPage();
      try {
        // The page's signals connection opens but never reaches the backend.
        await quiet.routeWebSocket(/\/api\/signals/, () => {});
        await quiet.clock.install();
        await quiet.goto(entityTab(LEDGER, 'versions'));
        const row = text => quiet.locator('tbody tr', { hasText: text });
        await waitForText(row(baseline), /Succeeded|Recorded, not applied/);
        await quiet.clock.pauseAt(new Date(Date.now() + 1000));

        const message = `e2e: without signals ${uniqueTag('s')}`;
        await api.deploy(LEDGER, 'dev', spec(uniqueTag('quiet')), message);
        // Longer than the 15 s the page would poll without the signals plugin.
        await new Promise(done => setTimeout(done, 20_000));
        assert.equal(
          await row(message).count(),
          0,
          'nothing but polling could have shown it',
        );

        // Its next poll (2 minutes apart while signals are installed) brings it.
        const polled = quiet.waitForRequest(request =>
          /\/api\/shipyard\/services\/component\/default\/ledger\/workspaces$/.test(
            request.url(),
          ),
        );
        await quiet.clock.runFor(125_000);
        await polled;
        try {
          await waitForText(row(message), /Succeeded|Recorded, not applied/);
        } catch (error) {
          await quiet.screenshot({ path: '/tmp/signals-quiet-failure.png' });
          throw error;
        }
      } finally {
        await quiet.close();
      }
    },
  );
});
