import { rolloutStatus } from './rolloutStatus';

const deployment = (status: object, generation = 2, replicas = 3) => ({
  metadata: { generation },
  spec: { replicas },
  status,
});

describe('rolloutStatus', () => {
  it('waits until the controller observed the new generation', () => {
    expect(rolloutStatus(deployment({ observedGeneration: 1, updatedReplicas: 3, availableReplicas: 3, replicas: 3 }))).toMatchObject({
      state: 'progressing',
      message: 'Waiting for the deployment spec update to be observed',
    });
  });

  it('reports progress while replicas are updated, old ones terminate and new ones become available', () => {
    expect(rolloutStatus(deployment({ observedGeneration: 2, updatedReplicas: 1, replicas: 3 })).message).toBe('1 of 3 updated replicas');
    expect(rolloutStatus(deployment({ observedGeneration: 2, updatedReplicas: 3, replicas: 4 })).message).toBe(
      '1 old replicas are pending termination',
    );
    expect(
      rolloutStatus(deployment({ observedGeneration: 2, updatedReplicas: 3, replicas: 3, availableReplicas: 2 })),
    ).toMatchObject({ state: 'progressing', progress: { desiredReplicas: 3, updatedReplicas: 3, availableReplicas: 2 } });
  });

  it('succeeds when every desired replica is updated and available', () => {
    expect(
      rolloutStatus(
        deployment({
          observedGeneration: 2,
          updatedReplicas: 3,
          replicas: 3,
          readyReplicas: 3,
          availableReplicas: 3,
          conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet "p-1" has successfully progressed.' }],
        }),
      ),
    ).toEqual({
      state: 'succeeded',
      progress: { desiredReplicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 2, generation: 2 },
      message: 'ReplicaSet "p-1" has successfully progressed.',
    });
  });

  it('fails with the cluster’s message when the progress deadline is exceeded', () => {
    expect(
      rolloutStatus(
        deployment({
          observedGeneration: 2,
          updatedReplicas: 1,
          replicas: 4,
          conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "p-2" has timed out progressing.' }],
        }),
      ),
    ).toMatchObject({ state: 'failed', message: 'ReplicaSet "p-2" has timed out progressing.' });
  });
});
