import { mockServices } from '@backstage/backend-test-utils';
import { KubernetesObject } from '@shipyard/backstage-plugin-common';
import { ManagedObjectEvent, WatchExpiredError } from './ClusterGateway';
import { DeploymentWatch } from './DeploymentWatch';

/*
 * The watch a follower opens on its own Deployment, against a scripted
 * gateway (the real one, on the local control plane, is in
 * operations/watcherTakeover.test.ts).
 */

const workload = { cluster: 'local', namespace: 'shipyard-dev', name: 'payments' };

const deployment = (version: number, complete: boolean, resourceVersion: string): KubernetesObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'payments', namespace: 'shipyard-dev', generation: version, resourceVersion, labels: { 'shipyard/version': String(version) } },
    spec: { replicas: 1 },
    status: complete
      ? { observedGeneration: version, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 }
      : { observedGeneration: version, replicas: 1, updatedReplicas: 0, readyReplicas: 0, availableReplicas: 0 },
  }) as any;

/** A gateway whose watches play the given scripts, one per call; the calls' arguments are kept. */
function scriptedGateway(scripts: Array<Array<ManagedObjectEvent | Error | 'hang'>>) {
  const calls: Array<{ target: any; resourceVersion: string }> = [];
  const gateway = {
    async *watchManaged(target: any, _kind: any, resourceVersion: string, signal: AbortSignal): AsyncIterable<ManagedObjectEvent> {
      calls.push({ target, resourceVersion });
      const script = scripts.shift() ?? ['hang'];
      for (const step of script) {
        if (step === 'hang') {
          await new Promise(resolve => signal.addEventListener('abort', resolve, { once: true }));
          return;
        }
        if (step instanceof Error) throw step;
        yield step;
      }
    },
  };
  return { gateway, calls };
}

describe('DeploymentWatch', () => {
  const logger = mockServices.logger.mock();

  it('watches the one Deployment from its current state and wakes the follower at each change', async () => {
    const { gateway, calls } = scriptedGateway([
      [{ type: 'ADDED', object: deployment(2, false, '10') }, { type: 'MODIFIED', object: deployment(2, true, '11') }, 'hang'],
    ]);
    const watch = new DeploymentWatch({ gateway, workload, logger });
    expect(watch.hasAnswered()).toBe(false);
    const woken = watch.next(5000);
    watch.start();
    await woken;
    expect(calls[0]).toEqual({ target: workload, resourceVersion: '' });
    expect(watch.hasAnswered()).toBe(true);
    for (let i = 0; i < 50 && watch.observe(2)?.state !== 'succeeded'; i++) await watch.next(100);
    expect(watch.observe(2)?.state).toBe('succeeded');
    // Another version's Deployment says nothing about this one.
    expect(watch.observe(3)).toBeUndefined();
    watch.stop();
  });

  it('starts again from the current state when the history is gone, and from where it was after a break', async () => {
    const { gateway, calls } = scriptedGateway([
      [{ type: 'ADDED', object: deployment(1, false, '20') }, new WatchExpiredError('410 Gone')],
      [{ type: 'ADDED', object: deployment(1, false, '30') }, { type: 'BOOKMARK', resourceVersion: '35' }],
      [{ type: 'MODIFIED', object: deployment(1, true, '40') }, 'hang'],
    ]);
    const watch = new DeploymentWatch({ gateway, workload, logger }).start();
    for (let i = 0; i < 50 && watch.observe(1)?.state !== 'succeeded'; i++) await watch.next(100);
    expect(watch.observe(1)?.state).toBe('succeeded');
    expect(calls.map(c => c.resourceVersion)).toEqual(['', '', '35']);
    watch.stop();
  });

  it('forgets a deleted Deployment, and stop ends the watch and wakes whoever waits', async () => {
    const { gateway } = scriptedGateway([
      [{ type: 'ADDED', object: deployment(1, true, '5') }, { type: 'DELETED', object: deployment(1, true, '6') }, 'hang'],
    ]);
    const watch = new DeploymentWatch({ gateway, workload, logger }).start();
    for (let i = 0; i < 50 && !watch.hasAnswered(); i++) await watch.next(100);
    await new Promise(r => setTimeout(r, 20));
    expect(watch.observe(1)).toBeUndefined();
    const waiting = watch.next(60_000);
    const started = Date.now();
    watch.stop();
    await waiting;
    // Woken by stop, not by the minute's time limit (a wide margin for a busy machine).
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
