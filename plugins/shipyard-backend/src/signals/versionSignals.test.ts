import { mockCredentials, TestDatabases } from '@backstage/backend-test-utils';
import { createBackendModule } from '@backstage/backend-plugin-api';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import request from 'supertest';
import {
  FakeClusterGateway,
  failed,
} from '../__testUtils__/FakeClusterGateway';
import { baseSpec, startShipyard } from '../__testUtils__/startShipyard';

jest.setTimeout(60_000);

const PAYMENTS = '/api/shipyard/services/component/default/payments';
const auth = mockCredentials.user.header();

interface Received {
  channel: string;
  recipients: unknown;
  message: { workspace: string; number: number };
  /** The version's status in the database when the signal arrived. */
  storedStatus?: string;
}

describe('version signals', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  /**
   * The plugin with the real SignalsService (plugin-signals-node's default
   * factory, as in an app without the signals backend), and a module that
   * listens on the events topic the signals backend reads.
   */
  async function start() {
    const knex = await databases.init('SQLITE_3');
    const received: Received[] = [];
    const listener = createBackendModule({
      pluginId: 'shipyard',
      moduleId: 'signals-listener',
      register(env) {
        env.registerInit({
          deps: { events: eventsServiceRef },
          async init({ events }) {
            await events.subscribe({
              id: 'test-signals-listener',
              topics: ['signals'],
              async onEvent({ eventPayload }) {
                const signal = eventPayload as Received;
                const row = await knex('shipyard_versions')
                  .where({
                    workspace: signal.message.workspace,
                    number: signal.message.number,
                  })
                  .first();
                received.push({ ...signal, storedStatus: row?.status });
              },
            });
          },
        });
      },
    });
    const gateway = new FakeClusterGateway();
    const { backend, server } = await startShipyard(knex, {
      gateway,
      features: [listener],
    });
    return { backend, server, gateway, received };
  }

  async function waitForStatus(
    server: any,
    workspace: string,
    number: number,
    status: string,
  ) {
    for (let i = 0; i < 200; i++) {
      const res = await request(server)
        .get(`${PAYMENTS}/workspaces/${workspace}/versions/${number}`)
        .set('Authorization', auth);
      if (res.body.status === status) return;
      await new Promise(r => setTimeout(r, 50));
    }
    throw new Error(`v${number} in ${workspace} never became ${status}`);
  }

  it('publishes on the service channel for each status change of a deploy, after it is stored', async () => {
    const { backend, server, received } = await start();
    try {
      const deploy = await request(server)
        .post(`${PAYMENTS}/workspaces/dev/versions`)
        .set('Authorization', auth)
        .send({ spec: baseSpec });
      expect(deploy.status).toBe(201);
      await waitForStatus(server, 'dev', 1, 'succeeded');
      // The last signal is published after the last write; give it a moment to arrive.
      for (
        let i = 0;
        i < 100 && !received.some(r => r.storedStatus === 'succeeded');
        i++
      ) {
        await new Promise(r => setTimeout(r, 20));
      }

      expect(received.length).toBeGreaterThanOrEqual(2);
      for (const signal of received) {
        expect(signal).toMatchObject({
          channel: 'shipyard:component:default/payments',
          recipients: { type: 'broadcast' },
          message: { workspace: 'dev', number: 1 },
        });
        // The version only: its status and spec are read through the API, with its permission.
        expect(Object.keys(signal.message).sort()).toEqual([
          'number',
          'workspace',
        ]);
      }
      expect(received.map(r => r.storedStatus)).toContain('succeeded');
    } finally {
      await backend.stop();
    }
  });

  it('publishes a failed rollout and the rollback that follows it', async () => {
    const { backend, server, gateway, received } = await start();
    try {
      await request(server)
        .post(`${PAYMENTS}/workspaces/dev/versions`)
        .set('Authorization', auth)
        .send({ spec: baseSpec });
      await waitForStatus(server, 'dev', 1, 'succeeded');
      gateway.rollouts = [failed()];
      await request(server)
        .post(`${PAYMENTS}/workspaces/dev/versions`)
        .set('Authorization', auth)
        .send({ spec: { ...baseSpec, image: 'ghcr.io/acme/payments:2.0.0' } });
      await waitForStatus(server, 'dev', 2, 'failed');
      const rollback = await request(server)
        .post(`${PAYMENTS}/workspaces/dev/versions/1/rollback`)
        .set('Authorization', auth)
        .send({ reason: '2.0.0 does not start' });
      expect(rollback.status).toBe(201);
      for (
        let i = 0;
        i < 100 && !received.some(r => r.message.number === 3);
        i++
      ) {
        await new Promise(r => setTimeout(r, 20));
      }

      expect(
        received.filter(r => r.message.number === 2).map(r => r.storedStatus),
      ).toContain('failed');
      expect(received.some(r => r.message.number === 3)).toBe(true);
    } finally {
      await backend.stop();
    }
  });
});
