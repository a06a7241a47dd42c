import { SignalsService } from '@backstage/plugin-signals-node';
import { VersionEvents } from '../operations/VersionEvents';

/**
 * The signal channel of one service's versions; the frontend plugin
 * subscribes to the same name (plugins/shipyard/src/hooks/useServiceSignal.ts).
 */
export function versionSignalChannel(entityRef: string): string {
  return `shipyard:${entityRef}`;
}

/** What a signal carries: which version changed, so the page fetches it. */
export type VersionSignal = { workspace: string; number: number };

/**
 * Publishes a signal on the service's channel for every version status
 * change on the bus. Broadcast, so everyone looking at the service's page
 * refreshes, owner or not; the message names the version only, and the page
 * reads its status through the API, where the read permission applies.
 * Without the signals backend installed, `signals` (its default factory)
 * publishes into an events bus nobody listens to.
 */
export function publishVersionSignals(
  events: VersionEvents,
  signals: SignalsService,
): () => void {
  return events.subscribe(event =>
    signals.publish<VersionSignal>({
      recipients: { type: 'broadcast' },
      channel: versionSignalChannel(event.entityRef),
      message: { workspace: event.workspace, number: event.number },
    }),
  );
}
