import fc from 'fast-check';
import { InputError } from '@backstage/errors';
import { serviceSpecArbitrary } from '../__testUtils__/arbitraries';
import type { ServiceSpec } from '../types';
import { parseSpec, serviceSpecSchema, validateSpec } from './schema';

const designExample: ServiceSpec = {
  image: 'ghcr.io/acme/payments:1.4.2',
  command: ['node'],
  args: ['server.js'],
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  env: {
    LOG_LEVEL: 'info',
    DB_PASSWORD: { secretKeyRef: { name: 'payments-db', key: 'password' } },
    FLAGS: { configMapKeyRef: { name: 'flags', key: 'payments' } },
  },
  resources: {
    requests: { cpu: '250m', memory: '256Mi' },
    limits: { cpu: '1', memory: '512Mi' },
  },
  autoscaling: {
    minReplicas: 2,
    maxReplicas: 10,
    targetCPUUtilizationPercentage: 70,
  },
  readinessProbe: {
    httpGet: { path: '/ready', port: 'http' },
    periodSeconds: 5,
  },
  livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
  labels: {},
  annotations: {},
};

function errorsOf(input: unknown) {
  const result = parseSpec(input);
  if (result.success) {
    throw new Error(`expected ${JSON.stringify(input)} to be refused`);
  }
  return result.errors;
}

const withImage = (fields: object) => ({ image: 'nginx:1.25', ...fields });

describe('parseSpec', () => {
  it('accepts the spec of DESIGN §4 and returns it unchanged', () => {
    expect(parseSpec(designExample)).toEqual({
      success: true,
      spec: designExample,
    });
  });

  it('accepts a spec with only an image', () => {
    expect(parseSpec({ image: 'nginx:1.25' })).toEqual({
      success: true,
      spec: { image: 'nginx:1.25' },
    });
  });

  it('accepts numeric probe ports that are container ports, and any number without ports', () => {
    expect(
      parseSpec(
        withImage({
          ports: [{ name: 'http', port: 80, targetPort: 8080 }],
          readinessProbe: { tcpSocket: { port: 8080 } },
        }),
      ).success,
    ).toBe(true);
    expect(
      parseSpec(withImage({ livenessProbe: { grpc: { port: 9000 } } })).success,
    ).toBe(true);
  });

  it('compares requests and limits as quantities, not as text', () => {
    expect(
      parseSpec(
        withImage({
          resources: {
            requests: { cpu: '1000m', memory: '1Gi' },
            limits: { cpu: '1', memory: '1024Mi' },
          },
        }),
      ).success,
    ).toBe(true);
    expect(
      errorsOf(
        withImage({
          resources: { requests: { memory: '2G' }, limits: { memory: '1Gi' } },
        }),
      ),
    ).toEqual([
      {
        path: 'resources.requests.memory',
        message: 'must be <= resources.limits.memory (1Gi)',
      },
    ]);
  });

  it('refuses input that is not an object', () => {
    for (const input of [null, 'image: x', 42, [], undefined]) {
      expect(errorsOf(input)[0].path).toBe('');
    }
  });

  it('reports every problem at once, field rules and rules across fields', () => {
    const errors = errorsOf({
      image: 'Bad Image',
      replicas: -1,
      ports: [{ name: 'http', port: 8080 }],
      readinessProbe: { httpGet: { port: 'web' } },
      autoscaling: { minReplicas: 5, maxReplicas: 2 },
    });
    expect(errors.map(e => e.path)).toEqual([
      'image',
      'replicas',
      'autoscaling.minReplicas',
      'readinessProbe.httpGet.port',
    ]);
  });

  describe('refuses bad input, naming the field', () => {
    const cases: Array<[string, unknown, string, RegExp]> = [
      ['a missing image', {}, 'image', /is required/],
      [
        'an image that is not a string',
        { image: 5 },
        'image',
        /must be a string/,
      ],
      [
        'an image with spaces',
        withImage({ image: 'nginx :1' }),
        'image',
        /spaces/,
      ],
      [
        'an image with uppercase',
        withImage({ image: 'ghcr.io/Acme/x:1' }),
        'image',
        /lowercase/,
      ],
      [
        'an image without tag or digest',
        withImage({ image: 'ghcr.io/acme/x' }),
        'image',
        /tag or a digest/,
      ],
      ['a short digest', withImage({ image: 'x@sha256:abc' }), 'image', /64/],
      [
        'an unknown field, suggesting the nearest known one',
        withImage({ replica: 2 }),
        'replica',
        /^unknown field; did you mean replicas\?$/,
      ],
      [
        'an unknown field that is like no known one',
        withImage({ colour: 'blue' }),
        'colour',
        /^unknown field$/,
      ],
      [
        'an unknown field in a probe, suggesting the probe field',
        withImage({
          readinessProbe: { httpGet: { port: 80 }, periodSecond: 5 },
        }),
        'readinessProbe.periodSecond',
        /did you mean periodSeconds\?$/,
      ],
      [
        'a swapped pair of letters',
        withImage({ imgae: 'x' }),
        'imgae',
        /did you mean image\?$/,
      ],
      [
        'an unknown nested field',
        withImage({ ports: [{ port: 80, nme: 'x' }] }),
        'ports[0].nme',
        /^unknown field; did you mean name\?$/,
      ],
      [
        'negative replicas',
        withImage({ replicas: -1 }),
        'replicas',
        /^must be >= 0$/,
      ],
      [
        'fractional replicas',
        withImage({ replicas: 1.5 }),
        'replicas',
        /integer/,
      ],
      [
        'too many replicas',
        withImage({ replicas: 1001 }),
        'replicas',
        /<= 1000/,
      ],
      [
        'replicas as text',
        withImage({ replicas: '2' }),
        'replicas',
        /must be a number/,
      ],
      [
        'replicas and autoscaling',
        withImage({
          replicas: 2,
          autoscaling: { minReplicas: 1, maxReplicas: 2 },
        }),
        'replicas',
        /autoscaling/,
      ],
      [
        'autoscaling min above max',
        withImage({ autoscaling: { minReplicas: 3, maxReplicas: 2 } }),
        'autoscaling.minReplicas',
        /<= autoscaling.maxReplicas/,
      ],
      [
        'autoscaling min 0',
        withImage({ autoscaling: { minReplicas: 0, maxReplicas: 2 } }),
        'autoscaling.minReplicas',
        />= 1/,
      ],
      [
        'autoscaling max above 1000',
        withImage({ autoscaling: { minReplicas: 1, maxReplicas: 1001 } }),
        'autoscaling.maxReplicas',
        /<= 1000/,
      ],
      [
        'autoscaling without max',
        withImage({ autoscaling: { minReplicas: 1 } }),
        'autoscaling.maxReplicas',
        /is required/,
      ],
      [
        'a CPU target above 100',
        withImage({
          autoscaling: {
            minReplicas: 1,
            maxReplicas: 2,
            targetCPUUtilizationPercentage: 101,
          },
        }),
        'autoscaling.targetCPUUtilizationPercentage',
        /<= 100/,
      ],
      [
        'a memory target of 0',
        withImage({
          autoscaling: {
            minReplicas: 1,
            maxReplicas: 2,
            targetMemoryUtilizationPercentage: 0,
          },
        }),
        'autoscaling.targetMemoryUtilizationPercentage',
        />= 1/,
      ],
      [
        'an env name with a dash',
        withImage({ env: { 'LOG-LEVEL': 'x' } }),
        'env.LOG-LEVEL',
        /C identifier/,
      ],
      [
        'an env name starting with a digit',
        withImage({ env: { '1X': 'x' } }),
        'env.1X',
        /C identifier/,
      ],
      [
        'env given as a list',
        withImage({ env: [{ name: 'A', value: '1' }] }),
        'env',
        /map of names to values, not a list/,
      ],
      [
        'an env value that is a number',
        withImage({ env: { PORT: 8080 } }),
        'env.PORT',
        /string or an object/,
      ],
      [
        'an env value with both references',
        withImage({
          env: {
            X: {
              secretKeyRef: { name: 'a', key: 'b' },
              configMapKeyRef: { name: 'a', key: 'b' },
            },
          },
        }),
        'env.X',
        /exactly one/,
      ],
      [
        'an empty env value object',
        withImage({ env: { X: {} } }),
        'env.X',
        /exactly one/,
      ],
      [
        'a secret name with uppercase',
        withImage({
          env: {
            DB_PASSWORD: {
              secretKeyRef: { name: 'Payments', key: 'password' },
            },
          },
        }),
        'env.DB_PASSWORD.secretKeyRef.name',
        /DNS-1123/,
      ],
      [
        'a secret key with a slash',
        withImage({
          env: { DB_PASSWORD: { secretKeyRef: { name: 'db', key: 'a/b' } } },
        }),
        'env.DB_PASSWORD.secretKeyRef.key',
        /letters, digits/,
      ],
      [
        'a secret reference without key',
        withImage({ env: { DB_PASSWORD: { secretKeyRef: { name: 'db' } } } }),
        'env.DB_PASSWORD.secretKeyRef.key',
        /is required/,
      ],
      [
        'a config map reference with an unknown field',
        withImage({
          env: { F: { configMapKeyRef: { name: 'a', key: 'b', value: 'c' } } },
        }),
        'env.F.configMapKeyRef.value',
        /unknown field/,
      ],
      ['port 0', withImage({ ports: [{ port: 0 }] }), 'ports[0].port', />= 1/],
      [
        'port 65536',
        withImage({ ports: [{ port: 65536 }] }),
        'ports[0].port',
        /<= 65535/,
      ],
      [
        'a port without number',
        withImage({ ports: [{ name: 'http' }] }),
        'ports[0].port',
        /is required/,
      ],
      [
        'an unknown protocol',
        withImage({ ports: [{ port: 80, protocol: 'HTTP' }] }),
        'ports[0].protocol',
        /TCP, UDP, SCTP/,
      ],
      [
        'a port name too long',
        withImage({ ports: [{ name: 'a-very-long-port-name', port: 80 }] }),
        'ports[0].name',
        /15/,
      ],
      [
        'a port name in uppercase',
        withImage({ ports: [{ name: 'HTTP', port: 80 }] }),
        'ports[0].name',
        /lowercase/,
      ],
      [
        'a port name of digits',
        withImage({ ports: [{ name: '8080', port: 80 }] }),
        'ports[0].name',
        /letter/,
      ],
      [
        'duplicate port names',
        withImage({
          ports: [
            { name: 'http', port: 80 },
            { name: 'http', port: 81 },
          ],
        }),
        'ports[1].name',
        /duplicate/,
      ],
      [
        'duplicate port numbers',
        withImage({
          ports: [
            { name: 'a', port: 80 },
            { name: 'b', port: 80, targetPort: 81 },
          ],
        }),
        'ports[1].port',
        /duplicate port 80\/TCP/,
      ],
      [
        'duplicate container ports',
        withImage({
          ports: [
            { name: 'a', port: 80, targetPort: 8080 },
            { name: 'b', port: 8080 },
          ],
        }),
        'ports[1].port',
        /already used/,
      ],
      [
        'an unnamed port among several',
        withImage({ ports: [{ name: 'a', port: 80 }, { port: 81 }] }),
        'ports[1].name',
        /more than one port/,
      ],
      [
        'a probe without handler',
        withImage({ readinessProbe: { periodSeconds: 5 } }),
        'readinessProbe',
        /exactly one handler/,
      ],
      [
        'a probe with two handlers',
        withImage({
          livenessProbe: {
            tcpSocket: { port: 80 },
            exec: { command: ['true'] },
          },
        }),
        'livenessProbe',
        /exactly one handler/,
      ],
      [
        'a probe on a port name that does not exist',
        withImage({
          ports: [{ name: 'http', port: 8080 }],
          readinessProbe: { httpGet: { path: '/ready', port: 'web' } },
        }),
        'readinessProbe.httpGet.port',
        /no port named "web"/,
      ],
      [
        'a named probe port without ports',
        withImage({ readinessProbe: { httpGet: { port: 'http' } } }),
        'readinessProbe.httpGet.port',
        /no port named/,
      ],
      [
        'a probe on a port number that does not exist',
        withImage({
          ports: [{ name: 'http', port: 8080 }],
          startupProbe: { tcpSocket: { port: 9090 } },
        }),
        'startupProbe.tcpSocket.port',
        /not a container port/,
      ],
      [
        'a grpc probe on another port',
        withImage({
          ports: [{ port: 8080 }],
          livenessProbe: { grpc: { port: 9090 } },
        }),
        'livenessProbe.grpc.port',
        /not a container port/,
      ],
      [
        'a probe path without slash',
        withImage({ readinessProbe: { httpGet: { path: 'ready', port: 80 } } }),
        'readinessProbe.httpGet.path',
        /start with/,
      ],
      [
        'a probe period of 0',
        withImage({
          readinessProbe: { exec: { command: ['true'] }, periodSeconds: 0 },
        }),
        'readinessProbe.periodSeconds',
        />= 1/,
      ],
      [
        'an empty exec command',
        withImage({ readinessProbe: { exec: { command: [] } } }),
        'readinessProbe.exec.command',
        /empty/,
      ],
      [
        'a liveness success threshold above 1',
        withImage({
          livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 },
        }),
        'livenessProbe.successThreshold',
        /must be 1/,
      ],
      [
        'an unknown scheme',
        withImage({ readinessProbe: { httpGet: { port: 80, scheme: 'FTP' } } }),
        'readinessProbe.httpGet.scheme',
        /HTTP, HTTPS/,
      ],
      [
        'a malformed quantity',
        withImage({ resources: { requests: { cpu: '250 m' } } }),
        'resources.requests.cpu',
        /quantity/,
      ],
      [
        'a negative quantity',
        withImage({ resources: { limits: { memory: '-1Gi' } } }),
        'resources.limits.memory',
        /negative/,
      ],
      [
        'a numeric quantity',
        withImage({ resources: { limits: { cpu: 1 } } }),
        'resources.limits.cpu',
        /must be a string/,
      ],
      [
        'an unknown resource',
        withImage({ resources: { limits: { gpu: '1' } } }),
        'resources.limits.gpu',
        /unknown field/,
      ],
      [
        'requests above limits',
        withImage({
          resources: { requests: { cpu: '2' }, limits: { cpu: '500m' } },
        }),
        'resources.requests.cpu',
        /<= resources.limits.cpu \(500m\)/,
      ],
      [
        'a label key with two slashes',
        withImage({ labels: { 'a/b/c': 'x' } }),
        'labels.a/b/c',
        /qualified name/,
      ],
      [
        'a label key with a bad prefix',
        withImage({ labels: { 'Acme.com/team': 'x' } }),
        'labels.Acme.com/team',
        /prefix/,
      ],
      [
        'a label value with spaces',
        withImage({ labels: { team: 'a b' } }),
        'labels.team',
        /letters, digits/,
      ],
      [
        'a label value too long',
        withImage({ labels: { team: 'a'.repeat(64) } }),
        'labels.team',
        /63/,
      ],
      [
        'the reserved label shipyard/version',
        withImage({ labels: { 'shipyard/version': '3' } }),
        'labels.shipyard/version',
        /reserved/,
      ],
      [
        'the reserved label backstage.io/kubernetes-id',
        withImage({ labels: { 'backstage.io/kubernetes-id': 'x' } }),
        'labels.backstage.io/kubernetes-id',
        /reserved/,
      ],
      [
        'the reserved label app.kubernetes.io/managed-by',
        withImage({ labels: { 'app.kubernetes.io/managed-by': 'helm' } }),
        'labels.app.kubernetes.io/managed-by',
        /reserved/,
      ],
      [
        'an annotation key with spaces',
        withImage({ annotations: { 'my note': 'x' } }),
        'annotations.my note',
        /name part/,
      ],
      [
        'an annotation value that is not a string',
        withImage({ annotations: { note: 1 } }),
        'annotations.note',
        /must be a string/,
      ],
      [
        'the reserved annotation shipyard/entity-ref',
        withImage({ annotations: { 'shipyard/entity-ref': 'x' } }),
        'annotations.shipyard/entity-ref',
        /reserved/,
      ],
      [
        'annotations over 256 KiB',
        withImage({ annotations: { big: 'x'.repeat(262145) } }),
        'annotations',
        /at most/,
      ],
      [
        'command that is not a list',
        withImage({ command: 'node server.js' }),
        'command',
        /must be a list/,
      ],
      [
        'args with a number',
        withImage({ args: ['--port', 8080] }),
        'args[1]',
        /must be a string/,
      ],
      [
        'an exposed host that is not a host name',
        withImage({ ports: [{ port: 80, expose: { host: 'Pay ments' } }] }),
        'ports[0].expose.host',
        /must be a host name/,
      ],
      [
        'an exposed path without a slash',
        withImage({
          ports: [{ port: 80, expose: { host: 'a.example.com', path: 'api' } }],
        }),
        'ports[0].expose.path',
        /must start with "\/"/,
      ],
      [
        'an exposed UDP port',
        withImage({
          ports: [
            { port: 53, protocol: 'UDP', expose: { host: 'a.example.com' } },
          ],
        }),
        'ports[0].expose',
        /must be TCP/,
      ],
      [
        'two ports exposed at the same host and path',
        withImage({
          ports: [
            { name: 'a', port: 80, expose: { host: 'a.example.com' } },
            { name: 'b', port: 81, expose: { host: 'a.example.com' } },
          ],
        }),
        'ports[1].expose',
        /already exposed by ports\[0\]/,
      ],
      [
        'a mount with two sources',
        withImage({
          mounts: [{ path: '/etc/a', secret: 'a', configMap: 'b' }],
        }),
        'mounts[0]',
        /exactly one of secret, configMap, persistentVolumeClaim, emptyDir/,
      ],
      [
        'a mount at a relative path',
        withImage({ mounts: [{ path: 'etc/a', secret: 'a' }] }),
        'mounts[0].path',
        /absolute path/,
      ],
      [
        'two mounts at one path',
        withImage({
          mounts: [
            { path: '/data', persistentVolumeClaim: 'a' },
            { path: '/data/', emptyDir: {} },
          ],
        }),
        'mounts[1].path',
        /already mounted by mounts\[0\]/,
      ],
      [
        'a writable Secret mount',
        withImage({ mounts: [{ path: '/s', secret: 'a', readOnly: false }] }),
        'mounts[0].readOnly',
        /read-only/,
      ],
      [
        'a Secret name that is not a Kubernetes name',
        withImage({ mounts: [{ path: '/s', secret: 'Bad_Name' }] }),
        'mounts[0].secret',
        /DNS-1123/,
      ],
      [
        'envFrom with neither secret nor configMap',
        withImage({ envFrom: [{ prefix: 'X_' }] }),
        'envFrom[0]',
        /exactly one of secret, configMap/,
      ],
      [
        'envFrom with a bad prefix',
        withImage({ envFrom: [{ secret: 'a', prefix: '1X' }] }),
        'envFrom[0].prefix',
        /env var name/,
      ],
      [
        'a sidecar without an image',
        withImage({ sidecars: [{ name: 'proxy' }] }),
        'sidecars[0].image',
        /is required/,
      ],
      [
        'a sidecar and an init container with one name',
        withImage({
          sidecars: [{ name: 'proxy', image: 'envoy:1' }],
          initContainers: [{ name: 'proxy', image: 'busybox:1' }],
        }),
        'initContainers[0].name',
        /duplicate container name "proxy" \(sidecars\[0\]\)/,
      ],
      [
        "a sidecar port the service's container uses",
        withImage({
          ports: [{ port: 8080 }],
          sidecars: [
            { name: 'proxy', image: 'envoy:1', ports: [{ port: 8080 }] },
          ],
        }),
        'sidecars[0].ports[0].port',
        /already used by ports\[0\]/,
      ],
      [
        'a sidecar probe on a port it does not have',
        withImage({
          sidecars: [
            {
              name: 'proxy',
              image: 'envoy:1',
              ports: [{ name: 'admin', port: 9901 }],
              readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
            },
          ],
        }),
        'sidecars[0].readinessProbe.httpGet.port',
        /no port named "http"/,
      ],
      [
        'a GPU of half a device',
        withImage({ resources: { limits: { 'nvidia.com/gpu': '500m' } } }),
        'resources.limits.nvidia.com/gpu',
        /whole number/,
      ],
      [
        'a GPU request without a limit',
        withImage({ resources: { requests: { 'nvidia.com/gpu': '1' } } }),
        'resources.limits.nvidia.com/gpu',
        /is required/,
      ],
      [
        'a GPU request other than its limit',
        withImage({
          resources: {
            requests: { 'nvidia.com/gpu': '1' },
            limits: { 'nvidia.com/gpu': '2' },
          },
        }),
        'resources.requests.nvidia.com/gpu',
        /cannot be overcommitted/,
      ],
      [
        'a service account name that is not a Kubernetes name',
        withImage({ serviceAccountName: 'Payments' }),
        'serviceAccountName',
        /DNS-1123/,
      ],
      [
        'an image pull secret twice',
        withImage({ imagePullSecrets: ['ghcr', 'ghcr'] }),
        'imagePullSecrets[1]',
        /duplicate Secret ghcr/,
      ],
      [
        'a node selector value with spaces',
        withImage({ nodeSelector: { pool: 'gpu nodes' } }),
        'nodeSelector.pool',
        /letters, digits/,
      ],
      [
        'a toleration with Exists and a value',
        withImage({
          tolerations: [{ key: 'dedicated', operator: 'Exists', value: 'x' }],
        }),
        'tolerations[0].value',
        /must not be set when operator is Exists/,
      ],
      [
        'a toleration of an unknown effect',
        withImage({ tolerations: [{ key: 'a', value: 'b', effect: 'Never' }] }),
        'tolerations[0].effect',
        /must be one of NoSchedule, PreferNoSchedule, NoExecute/,
      ],
      [
        'a Recreate strategy with maxSurge',
        withImage({ strategy: { type: 'Recreate', maxSurge: 1 } }),
        'strategy.maxSurge',
        /must not be set with type Recreate/,
      ],
      [
        'a rolling update that can never start',
        withImage({
          strategy: {
            type: 'RollingUpdate',
            maxSurge: 0,
            maxUnavailable: '0%',
          },
        }),
        'strategy.maxUnavailable',
        /could never start/,
      ],
      [
        'a strategy percentage above 100',
        withImage({ strategy: { type: 'RollingUpdate', maxSurge: '150%' } }),
        'strategy.maxSurge',
        /percentage/,
      ],
      [
        'a negative termination grace period',
        withImage({ terminationGracePeriodSeconds: -1 }),
        'terminationGracePeriodSeconds',
        /must be >= 0/,
      ],
      [
        'an empty preStop command',
        withImage({ preStop: [] }),
        'preStop',
        /must not be empty/,
      ],
      [
        'a disruption budget with both bounds',
        withImage({ disruptionBudget: { minAvailable: 1, maxUnavailable: 1 } }),
        'disruptionBudget',
        /exactly one of minAvailable, maxUnavailable/,
      ],
      [
        'a misspelt disruption budget field',
        withImage({ disruptionBudget: { minAvailible: 1 } }),
        'disruptionBudget.minAvailible',
        /did you mean minAvailable/,
      ],
    ];

    it.each(cases)('%s', (_, input, path, message) => {
      const errors = errorsOf(input);
      expect(errors).toContainEqual({
        path,
        message: expect.stringMatching(message),
      });
    });
  });

  it('refuses keys that name Object.prototype members or __proto__', () => {
    expect(
      errorsOf({ image: 'nginx:1', valueOf: 'x', constructor: 1 }),
    ).toEqual([
      { path: 'valueOf', message: 'unknown field' },
      { path: 'constructor', message: 'unknown field' },
    ]);
    expect(
      errorsOf(JSON.parse('{"image":"nginx:1","__proto__":{"replicas":1}}')),
    ).toEqual([{ path: '__proto__', message: 'unknown field' }]);
    expect(
      errorsOf(JSON.parse('{"image":"nginx:1","env":{"__proto__":"x"}}')),
    ).toEqual([{ path: 'env.__proto__', message: 'must not be __proto__' }]);
    expect(
      parseSpec({ image: 'nginx:1', env: { constructor: 'x', toString: 'y' } }),
    ).toEqual({
      success: true,
      spec: { image: 'nginx:1', env: { constructor: 'x', toString: 'y' } },
    });
  });

  it('accepts every generated valid spec and returns it unchanged after a JSON round trip', () => {
    fc.assert(
      fc.property(serviceSpecArbitrary(), spec => {
        const result = parseSpec(JSON.parse(JSON.stringify(spec)));
        if (!result.success) {
          throw new Error(JSON.stringify(result.errors));
        }
        expect(result.spec).toEqual(spec);
      }),
      { numRuns: 300 },
    );
  });
});

describe('validateSpec', () => {
  it('returns the spec when valid', () => {
    expect(validateSpec(designExample)).toEqual(designExample);
  });

  it('throws an InputError whose message starts with the field path', () => {
    expect(() => validateSpec(withImage({ replicas: -1 }))).toThrow(InputError);
    expect(() => validateSpec(withImage({ replicas: -1 }))).toThrow(
      /^Invalid spec: replicas: must be >= 0$/,
    );
  });

  it('joins several errors with "; "', () => {
    expect(() => validateSpec({ replicas: -1 })).toThrow(
      'Invalid spec: image: is required; replicas: must be >= 0',
    );
  });

  it('rolls back exactly: a stored spec validates to itself', () => {
    fc.assert(
      fc.property(serviceSpecArbitrary(), spec => {
        expect(validateSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws anything but an InputError for arbitrary JSON', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({
            image: fc.jsonValue(),
            env: fc.jsonValue(),
            ports: fc.jsonValue(),
          }),
          serviceSpecArbitrary().chain(spec =>
            fc
              .tuple(fc.constantFrom(...Object.keys(spec)), fc.jsonValue())
              .map(([key, value]) => ({ ...spec, [key]: value })),
          ),
        ),
        input => {
          let thrown: unknown;
          try {
            validateSpec(input);
          } catch (error) {
            thrown = error;
          }
          expect(
            thrown === undefined ||
              (thrown instanceof InputError &&
                /^Invalid spec: /.test(thrown.message)),
          ).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('serviceSpecSchema', () => {
  it('is a strict zod schema usable on its own', () => {
    expect(
      serviceSpecSchema.safeParse({ image: 'nginx:1', extra: 1 }).success,
    ).toBe(false);
    expect(serviceSpecSchema.safeParse({ image: 'nginx:1' }).success).toBe(
      true,
    );
  });
});
