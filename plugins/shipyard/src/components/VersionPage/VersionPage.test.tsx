import {
  kubernetesApiRef,
  kubernetesProxyApiRef,
} from '@backstage/plugin-kubernetes-react';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  ENTITY_REF,
  mockShipyardApi,
  renderForEntity,
  state,
  version,
} from '../../__testUtils__/fixtures';
import { EntityVersionsContent } from '../EntityVersionsContent';
import { timelineSteps } from './RolloutTimeline';
import { clusterMessage } from './VersionPods';

const v3 = version(3);
const v4 = version(4, {
  message: 'raise the pool size',
  createdBy: 'user:default/ana',
  appliedAt: new Date(Date.now() - 4 * 60_000).toISOString(),
  finishedAt: new Date(Date.now() - 3 * 60_000).toISOString(),
  statusMessage: 'Deployment has successfully progressed',
  rollout: {
    desiredReplicas: 2,
    updatedReplicas: 2,
    readyReplicas: 2,
    availableReplicas: 2,
  },
});
const v5 = version(5);

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'payments', namespace: 'shipyard-dev' },
  spec: {
    selector: {
      matchLabels: {
        'backstage.io/kubernetes-id': 'payments',
        'app.kubernetes.io/name': 'payments',
      },
    },
    template: {
      metadata: {
        labels: {
          'backstage.io/kubernetes-id': 'payments',
          'app.kubernetes.io/name': 'payments',
          'shipyard/version': '4',
        },
      },
    },
  },
};

const pod = {
  metadata: {
    name: 'payments-7d9f-abcde',
    creationTimestamp: new Date(Date.now() - 3 * 60_000).toISOString(),
  },
  spec: { nodeName: 'kwok-node-0', containers: [{ name: 'payments' }] },
  status: {
    phase: 'Running',
    containerStatuses: [
      { ready: true, restartCount: 1, state: { running: {} } },
    ],
  },
};

function kubernetes() {
  const proxy = jest.fn(async () => ({
    ok: true,
    status: 200,
    statusText: 'OK',
    json: async () => ({ items: [pod] }),
    text: async () => '',
  }));
  const kubernetesApi = { proxy };
  const proxyApi = {
    getEventsByInvolvedObjectName: jest.fn(async ({ involvedObjectName }) =>
      involvedObjectName === pod.metadata.name
        ? [
            {
              type: 'Normal',
              reason: 'Started',
              message: 'Started container payments',
              involvedObject: { kind: 'Pod', name: pod.metadata.name },
              lastTimestamp: new Date(Date.now() - 60_000).toISOString(),
              count: 1,
            },
          ]
        : [],
    ),
    getPodLogs: jest.fn(async () => ({
      text: Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n'),
    })),
    deletePod: jest.fn(),
  };
  return {
    proxy,
    proxyApi,
    apis: [
      [kubernetesApiRef, kubernetesApi],
      [kubernetesProxyApiRef, proxyApi],
    ] as Array<[any, any]>,
  };
}

function api() {
  return mockShipyardApi({
    getServiceWorkspaces: jest.fn().mockResolvedValue([
      state('dev', {
        currentVersion: v5,
        latestVersion: v5,
        versionCount: 5,
      }),
      state('staging'),
      state('prod'),
    ]),
    listVersions: jest
      .fn()
      .mockResolvedValue({ items: [v5, v4, v3], totalCount: 3 }),
    getVersion: jest.fn(async (_ref, _ws, n) =>
      n === 4 ? { ...v4, manifests: [deployment] } : undefined,
    ),
    diff: jest.fn().mockResolvedValue({
      from: { workspace: 'dev', version: 3 },
      to: { workspace: 'dev', version: 4 },
      changes: [
        {
          path: 'image',
          kind: 'changed',
          before: 'ghcr.io/acme/payments:1.3.0',
          after: 'ghcr.io/acme/payments:1.4.0',
        },
      ],
    }),
  });
}

describe('the page of a version', () => {
  it('shows who and why, the rollout timeline, the diff from the previous version and the actions', async () => {
    const shipyard = api();
    const k8s = kubernetes();
    await renderForEntity(<EntityVersionsContent />, shipyard, {
      routeEntries: ['/dev/4'],
      apis: k8s.apis,
    });
    expect(
      await screen.findByRole('heading', { name: 'dev v4' }),
    ).toBeInTheDocument();
    expect(screen.getByText(/raise the pool size/)).toHaveTextContent(
      'Deployed by ana',
    );
    const timeline = screen.getByRole('list', { name: 'Rollout timeline' });
    expect(
      within(timeline)
        .getAllByRole('listitem')
        .map(step => step.querySelector('strong')?.textContent),
    ).toEqual([
      'Recorded',
      'Applied to the cluster',
      'Rolling out',
      'Succeeded',
    ]);
    expect(timeline).toHaveTextContent(
      'Deployment has successfully progressed',
    );
    expect(timeline).toHaveTextContent('2 of 2 updated · 2 ready');
    await waitFor(() =>
      expect(shipyard.diff).toHaveBeenCalledWith(
        ENTITY_REF,
        { workspace: 'dev', version: 3 },
        { workspace: 'dev', version: 4 },
      ),
    );
    expect(await screen.findByTestId('change-image')).toHaveTextContent(
      '1.3.0',
    );
    expect(
      screen.getByRole('button', { name: 'Roll back to v4' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Edit from v4' }),
    ).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Promote v4' })).toHaveAttribute(
      'href',
      '/promote?source=dev&version=4',
    );
  });

  it("lists the version's pods and events through the Kubernetes plugin, and a pod's last log lines", async () => {
    const shipyard = api();
    const k8s = kubernetes();
    await renderForEntity(<EntityVersionsContent />, shipyard, {
      routeEntries: ['/dev/4'],
      apis: k8s.apis,
    });
    const row = await screen.findByTestId('pod-payments-7d9f-abcde');
    expect(row).toHaveTextContent('Running');
    expect(row).toHaveTextContent('1/1');
    expect(row).toHaveTextContent('kwok-node-0');
    expect(k8s.proxy).toHaveBeenCalledWith({
      clusterName: 'local',
      path: `/api/v1/namespaces/shipyard-dev/pods?labelSelector=${encodeURIComponent(
        'backstage.io/kubernetes-id=payments,app.kubernetes.io/name=payments,shipyard/version=4',
      )}`,
    });
    expect(
      await screen.findByRole('table', { name: 'Recent events' }),
    ).toHaveTextContent('Started container payments');
    await userEvent.click(within(row).getByRole('button', { name: 'Logs' }));
    await userEvent.click(
      screen.getByRole('button', {
        name: 'Last log lines of payments-7d9f-abcde',
      }),
    );
    const logs = await screen.findByTestId('pod-logs');
    expect(logs.textContent?.split('\n')).toEqual(
      Array.from({ length: 20 }, (_, i) => `line ${i + 11}`),
    );
    expect(k8s.proxyApi.getPodLogs).toHaveBeenCalledWith({
      podName: 'payments-7d9f-abcde',
      namespace: 'shipyard-dev',
      clusterName: 'local',
      containerName: 'payments',
    });
  });

  it('says what is missing when the app has no Kubernetes plugin', async () => {
    await renderForEntity(<EntityVersionsContent />, api(), {
      routeEntries: ['/dev/4'],
    });
    expect(
      await screen.findByText(/This app has no Kubernetes plugin/),
    ).toBeInTheDocument();
  });

  it("links the Versions tab to the Kubernetes tab, where the service's objects are", async () => {
    await renderForEntity(<EntityVersionsContent />, api(), {
      apis: kubernetes().apis,
    });
    expect(
      await screen.findByRole('button', { name: 'Pods on the Kubernetes tab' }),
    ).toHaveAttribute('href', '/kubernetes');
  });

  it('says a rejected version is rejected, by whom and why, and offers neither rollback nor promotion to it', async () => {
    const shipyard = api();
    shipyard.getVersion.mockImplementation(async (_ref, _ws, n) =>
      n === 4
        ? {
            ...v4,
            manifests: [deployment],
            rejection: {
              by: 'user:default/ben',
              at: new Date().toISOString(),
              reason: 'leaks memory',
            },
          }
        : undefined,
    );
    await renderForEntity(<EntityVersionsContent />, shipyard, {
      routeEntries: ['/dev/4'],
    });
    expect(await screen.findByTestId('version-rejection')).toHaveTextContent(
      'Rejected by ben: leaks memory',
    );
    expect(
      screen.queryByRole('button', { name: 'Roll back to v4' }),
    ).not.toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Promote v4' }),
    ).not.toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Edit from v4' }),
    ).toBeInTheDocument();
  });

  it('is linked from the history rows', async () => {
    await renderForEntity(<EntityVersionsContent />, api());
    expect(
      await screen.findByRole('link', { name: 'Open v4' }),
    ).toHaveAttribute('href', '/dev/4');
  });
});

describe('timelineSteps', () => {
  it('stops at the apply when the cluster refused the version', () => {
    expect(
      timelineSteps(
        version(6, {
          status: 'failed',
          statusMessage: 'Apply failed: 422 invalid',
        }),
      ).map(step => [step.title, step.state, step.detail]),
    ).toEqual([
      ['Recorded', 'done', 'by alice'],
      ['Applied to the cluster', 'failed', 'Apply failed: 422 invalid'],
    ]);
  });
});

describe('clusterMessage', () => {
  it("takes the cluster's own words out of a failed proxy request", () => {
    expect(
      clusterMessage(
        new Error(
          'Proxy request failed with 400 Bad Request, { "kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "no logs found for container \\"ledger\\"", "code": 400 }',
        ),
      ),
    ).toBe('no logs found for container "ledger"');
    expect(clusterMessage(new Error('socket hang up'))).toBe('socket hang up');
  });
});
