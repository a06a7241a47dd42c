import type { ApiRef } from '@backstage/core-plugin-api';
import { TestApiProvider } from '@backstage/test-utils';
import { signalApiRef, type SignalApi } from '@backstage/plugin-signals-react';
import type { JsonObject } from '@backstage/types';
import { act, renderHook } from '@testing-library/react';
import { ReactNode } from 'react';
import { shipyardApiRef } from '../api';
import {
  mockShipyardApi,
  state,
  version,
  type MockShipyardApi,
} from '../__testUtils__/fixtures';
import { useServiceWorkspaces } from './useServiceWorkspaces';

const REF = 'component:default/payments';
const CHANNEL = 'shipyard:component:default/payments';

/** The signals plugin's browser API as an app has it, delivering what a test emits. */
function inMemorySignals() {
  const subscribers = new Map<string, Set<(message: JsonObject) => void>>();
  const api: SignalApi = {
    subscribe(channel, onMessage) {
      const set = subscribers.get(channel) ?? new Set();
      subscribers.set(channel, set);
      const callback = onMessage as (message: JsonObject) => void;
      set.add(callback);
      return { unsubscribe: () => set.delete(callback) };
    },
  };
  return {
    api,
    subscribedChannels: () =>
      [...subscribers.entries()].filter(([, s]) => s.size > 0).map(([c]) => c),
    /** One message to every subscriber of the channel, as the signals client does. */
    emit: (channel: string, message: JsonObject) =>
      act(async () => subscribers.get(channel)?.forEach(f => f(message))),
  };
}

function render(
  api: MockShipyardApi,
  signals?: SignalApi,
  useHook: () => unknown = () => useServiceWorkspaces(REF),
) {
  const apis: Array<[ApiRef<any>, any]> = [[shipyardApiRef, api]];
  if (signals) {
    apis.push([signalApiRef, signals]);
  }
  const wrapper = ({ children }: { children: ReactNode }) => (
    <TestApiProvider apis={apis}>{children}</TestApiProvider>
  );
  return renderHook(useHook, { wrapper });
}

const advance = (ms: number) => act(() => jest.advanceTimersByTimeAsync(ms));

describe('useServiceSignal (through useServiceWorkspaces)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('without the signals plugin, keeps polling every 15 seconds', async () => {
    const api = mockShipyardApi({
      getServiceWorkspaces: jest
        .fn()
        .mockResolvedValue([state('dev', { currentVersion: version(4) })]),
    });
    const { unmount } = render(api);
    await advance(0);
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(1);
    await advance(15_000);
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(2);
    await advance(15_000);
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(3);
    unmount();
  });

  it('refreshes the moment a status change is signalled, and polls only every two minutes meanwhile', async () => {
    const signals = inMemorySignals();
    const api = mockShipyardApi({
      getServiceWorkspaces: jest.fn().mockResolvedValue([
        state('dev', {
          currentVersion: version(4),
          latestVersion: version(4),
        }),
      ]),
    });
    const { result, unmount } = render(api, signals.api);
    await advance(0);
    expect(signals.subscribedChannels()).toEqual([CHANNEL]);
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(1);
    await advance(60_000);
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(1);

    // Someone else deploys v5: the backend signals its first status.
    api.getServiceWorkspaces.mockResolvedValue([
      state('dev', {
        currentVersion: version(4),
        latestVersion: version(5, { status: 'applying' }),
      }),
    ]);
    await signals.emit(CHANNEL, { workspace: 'dev', number: 5 });
    await advance(0);
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(2);
    expect((result.current as any).states[0].latestVersion.status).toBe(
      'applying',
    );

    // While it rolls out the page polls for the rollout's progress as before.
    await advance(2_000);
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(3);
    api.getServiceWorkspaces.mockResolvedValue([
      state('dev', {
        currentVersion: version(5),
        latestVersion: version(5),
        drift: {
          checkedAt: new Date(Date.now() + 60_000).toISOString(),
          drifted: false,
          fields: [],
        },
      }),
    ]);
    await signals.emit(CHANNEL, { workspace: 'dev', number: 5 });
    await advance(0);
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(4);
    expect((result.current as any).states[0].currentVersion.number).toBe(5);
    await advance(100_000);
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(4);
    await advance(20_000);
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(5);

    unmount();
    expect(signals.subscribedChannels()).toEqual([]);
  });

  it('refreshes once more for a signal that arrives while a refresh is under way', async () => {
    const signals = inMemorySignals();
    let answer: (value: unknown) => void = () => {};
    const api = mockShipyardApi({
      getServiceWorkspaces: jest.fn(
        () => new Promise(resolve => (answer = resolve)),
      ),
    });
    const { unmount } = render(api, signals.api);
    await advance(0);
    await act(async () => answer([state('dev')]));
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(1);

    await signals.emit(CHANNEL, { workspace: 'dev', number: 1 });
    await advance(0);
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(2);
    // The second change is signalled before the first refresh is answered.
    await signals.emit(CHANNEL, { workspace: 'dev', number: 1 });
    await advance(0);
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(2);
    await act(async () => answer([state('dev')]));
    await advance(0);
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(3);
    unmount();
  });

  it('refreshes once for a signal that reaches every component of the page', async () => {
    const signals = inMemorySignals();
    const api = mockShipyardApi({
      getServiceWorkspaces: jest.fn().mockResolvedValue([state('dev')]),
    });
    const { unmount } = render(api, signals.api, () => [
      useServiceWorkspaces(REF),
      useServiceWorkspaces(REF),
      useServiceWorkspaces(REF),
    ]);
    await advance(0);
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(1);
    await signals.emit(CHANNEL, { workspace: 'dev', number: 1 });
    await advance(0);
    expect(api.getServiceWorkspaces).toHaveBeenCalledTimes(2);
    unmount();
  });
});
