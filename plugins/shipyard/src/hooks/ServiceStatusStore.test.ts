import { mockShipyardApi, state, version } from '../__testUtils__/fixtures';
import {
  awaitingDriftCheck,
  serviceStatusStore,
  ServiceStatusStore,
} from './ServiceStatusStore';

const REF = 'component:default/payments';
const progress = (updated: number) => ({
  desiredReplicas: 2,
  updatedReplicas: updated,
  readyReplicas: updated,
  availableReplicas: updated,
});

describe('ServiceStatusStore', () => {
  it('keeps the copy from the request sent last, whatever order the answers arrive in', () => {
    const store = new ServiceStatusStore(mockShipyardApi(), REF);
    const first = store.begin();
    const second = store.begin();
    store.record(
      [version(4, { status: 'progressing', rollout: progress(2) })],
      second,
    );
    store.record(
      [version(4, { status: 'progressing', rollout: progress(1) })],
      first,
    );
    expect(store.version('dev', 4)?.rollout?.updatedReplicas).toBe(2);
  });

  it('never moves a version back to an earlier status', () => {
    const store = new ServiceStatusStore(mockShipyardApi(), REF);
    store.record([version(4, { status: 'succeeded' })]);
    store.record([version(4, { status: 'progressing' })]);
    expect(store.version('dev', 4)?.status).toBe('succeeded');
    store.record([version(4, { status: 'failed', statusMessage: 'x' })]);
    expect(store.version('dev', 4)?.status).toBe('failed');
  });

  it('gives every workspace its freshest current and latest version', async () => {
    const rolling = version(4, { status: 'progressing' });
    const api = mockShipyardApi({
      getServiceWorkspaces: jest
        .fn()
        .mockResolvedValue([
          state('dev', { currentVersion: rolling, latestVersion: rolling }),
        ]),
    });
    const store = new ServiceStatusStore(api, REF);
    await store.reload();
    store.record([version(4, { status: 'succeeded' })]);
    const [dev] = store.getSnapshot().states!;
    expect(dev.currentVersion?.status).toBe('succeeded');
    expect(dev.latestVersion).toBe(dev.currentVersion);
  });

  it('is one store per service and API, shared by every component of the page', () => {
    const api = mockShipyardApi();
    expect(serviceStatusStore(api, REF)).toBe(serviceStatusStore(api, REF));
    expect(serviceStatusStore(api, 'component:default/ledger')).not.toBe(
      serviceStatusStore(api, REF),
    );
    expect(serviceStatusStore(mockShipyardApi(), REF)).not.toBe(
      serviceStatusStore(api, REF),
    );
  });

  it('polls quickly while a rollout runs and slowly otherwise, only while someone watches', async () => {
    jest.useFakeTimers();
    try {
      const rolling = version(4, { status: 'progressing' });
      const api = mockShipyardApi({
        getServiceWorkspaces: jest
          .fn()
          .mockResolvedValue([
            state('dev', { currentVersion: rolling, latestVersion: rolling }),
          ]),
      });
      const store = new ServiceStatusStore(api, REF);
      const unsubscribe = store.subscribe(() => {});
      await jest.advanceTimersByTimeAsync(0);
      expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(2000);
      expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(2);
      api.getServiceWorkspaces.mockResolvedValue([
        state('dev', {
          currentVersion: version(4),
          latestVersion: version(4),
          drift: {
            checkedAt: new Date().toISOString(),
            drifted: false,
            fields: [],
          },
        }),
      ]);
      await jest.advanceTimersByTimeAsync(2000);
      expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(3);
      await jest.advanceTimersByTimeAsync(2000);
      expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(3);
      await jest.advanceTimersByTimeAsync(13_000);
      expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(4);
      unsubscribe();
      await jest.advanceTimersByTimeAsync(60_000);
      expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(4);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('awaitingDriftCheck', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  const finished = (secondsAgo: number) =>
    version(4, {
      finishedAt: new Date(now - secondsAgo * 1000).toISOString(),
    });

  it('waits for the check the backend runs right after an operation', () => {
    expect(
      awaitingDriftCheck(state('dev', { currentVersion: finished(2) }), now),
    ).toBe(true);
    expect(
      awaitingDriftCheck(
        state('dev', {
          currentVersion: finished(2),
          drift: {
            checkedAt: new Date(now - 1000).toISOString(),
            drifted: false,
            fields: [],
          },
        }),
        now,
      ),
    ).toBe(false);
    // Long after, a missing check is not on its way any more.
    expect(
      awaitingDriftCheck(state('dev', { currentVersion: finished(120) }), now),
    ).toBe(false);
  });
});
