import Ajv from 'ajv';
import fc from 'fast-check';
import { InputError } from '@backstage/errors';
import {
  serviceSpecArbitrary,
  workspaceFor,
} from '../__testUtils__/arbitraries';
import {
  deploymentSchema,
  horizontalPodAutoscalerSchema,
  httpRouteSchema,
  ingressSchema,
  podDisruptionBudgetSchema,
  serviceSchema,
} from '../__testUtils__/kubernetesSchemas';
import type { KubernetesObject, ServiceSpec } from '../types';
import {
  ENTITY_REF_HASH_LABEL,
  entityRefLabelValue,
  MANAGED_KINDS,
  renderManifests,
} from './renderManifests';
import {
  DEFAULT_CONTAINER_SECURITY_CONTEXT,
  DEFAULT_POD_SECURITY_CONTEXT,
} from './securityContext';

const prod = workspaceFor(2, {
  expose: { ingressClassName: 'nginx' },
});
const gatewayWorkspace = workspaceFor(2, {
  expose: { gateway: { name: 'public', namespace: 'gateways' } },
});
const ajv = new Ajv({
  allErrors: true,
  strict: true,
  strictTypes: false,
  strictRequired: false,
});
const validators: Record<string, ReturnType<Ajv['compile']>> = {
  Deployment: ajv.compile(deploymentSchema),
  Service: ajv.compile(serviceSchema),
  HorizontalPodAutoscaler: ajv.compile(horizontalPodAutoscalerSchema),
  Ingress: ajv.compile(ingressSchema),
  HTTPRoute: ajv.compile(httpRouteSchema),
  PodDisruptionBudget: ajv.compile(podDisruptionBudgetSchema),
};

function expectValidKubernetes(object: KubernetesObject) {
  const validate = validators[object.kind];
  expect(validate).toBeDefined();
  if (!validate(object)) {
    throw new Error(
      `${object.kind} is not valid: ${ajv.errorsText(
        validate.errors,
      )}\n${JSON.stringify(object, null, 2)}`,
    );
  }
}

const spec: ServiceSpec = {
  image: 'ghcr.io/acme/payments:1.4.2',
  command: ['node'],
  args: ['server.js'],
  ports: [
    { name: 'http', port: 80, targetPort: 8080 },
    { name: 'metrics', port: 9090, protocol: 'TCP' },
  ],
  env: {
    LOG_LEVEL: 'info',
    DB_PASSWORD: { secretKeyRef: { name: 'payments-db', key: 'password' } },
    FLAGS: {
      configMapKeyRef: { name: 'flags', key: 'payments', optional: true },
    },
  },
  resources: {
    requests: { cpu: '250m', memory: '256Mi' },
    limits: { cpu: '1', memory: '512Mi' },
  },
  autoscaling: {
    minReplicas: 2,
    maxReplicas: 10,
    targetCPUUtilizationPercentage: 70,
    targetMemoryUtilizationPercentage: 80,
  },
  readinessProbe: {
    httpGet: { path: '/ready', port: 'http' },
    periodSeconds: 5,
  },
  livenessProbe: { tcpSocket: { port: 8080 } },
  labels: { team: 'payments' },
  annotations: { 'example.com/owner': 'alice' },
};

function render(overrides: Partial<ServiceSpec> = {}, version = 4) {
  return renderManifests({
    entityRef: 'component:default/payments',
    name: 'payments',
    workspace: prod,
    version,
    spec: { ...spec, ...overrides },
  });
}

describe('renderManifests', () => {
  it('renders a Deployment, a Service and an HPA that pass the Kubernetes schemas', () => {
    const objects = render();
    expect(objects.map(o => `${o.apiVersion}/${o.kind}`)).toEqual([
      'apps/v1/Deployment',
      'v1/Service',
      'autoscaling/v2/HorizontalPodAutoscaler',
    ]);
    objects.forEach(expectValidKubernetes);
  });

  it('labels and annotates every object so the Kubernetes plugin and pruning find it', () => {
    for (const object of render()) {
      expect(object.metadata).toEqual({
        name: 'payments',
        namespace: 'payments-prod',
        labels: {
          team: 'payments',
          'backstage.io/kubernetes-id': 'payments',
          'app.kubernetes.io/name': 'payments',
          'app.kubernetes.io/managed-by': 'shipyard',
          'shipyard/version': '4',
          'shipyard/workspace': 'prod',
          'shipyard/entity-ref-hash': entityRefLabelValue(
            'component:default/payments',
          ),
        },
        annotations: {
          'example.com/owner': 'alice',
          'shipyard/entity-ref': 'component:default/payments',
        },
      });
    }
  });

  it('renders the Deployment with a minimal selector matching its pod template', () => {
    const [deployment] = render();
    const deploymentSpec = deployment.spec as any;
    expect(deploymentSpec.selector).toEqual({
      matchLabels: {
        'backstage.io/kubernetes-id': 'payments',
        'app.kubernetes.io/name': 'payments',
      },
    });
    expect(deploymentSpec.template.metadata.labels).toEqual(
      deployment.metadata.labels,
    );
    expect(deploymentSpec.template.metadata.labels).toMatchObject(
      deploymentSpec.selector.matchLabels,
    );
    expect(deploymentSpec.progressDeadlineSeconds).toBe(120);
    expect(deploymentSpec.revisionHistoryLimit).toBe(3);
    expect(deploymentSpec).not.toHaveProperty('replicas');
  });

  it('keeps the selector the same across versions, as Kubernetes requires', () => {
    const selector = (version: number) =>
      (render({ labels: { v: String(version) } }, version)[0].spec as any)
        .selector;
    expect(selector(1)).toEqual(selector(2));
  });

  it('renders the container: env sorted by name with references as valueFrom, ports, probes, resources', () => {
    const container = (render()[0].spec as any).template.spec.containers[0];
    expect(container).toEqual({
      name: 'payments',
      image: 'ghcr.io/acme/payments:1.4.2',
      command: ['node'],
      args: ['server.js'],
      ports: [
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
      ],
      env: [
        {
          name: 'DB_PASSWORD',
          valueFrom: { secretKeyRef: { name: 'payments-db', key: 'password' } },
        },
        {
          name: 'FLAGS',
          valueFrom: {
            configMapKeyRef: { name: 'flags', key: 'payments', optional: true },
          },
        },
        { name: 'LOG_LEVEL', value: 'info' },
      ],
      resources: spec.resources,
      readinessProbe: spec.readinessProbe,
      livenessProbe: spec.livenessProbe,
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      },
    });
  });

  it('gives the pod the restricted security context by default', () => {
    const podSpec = (render()[0].spec as any).template.spec;
    expect(podSpec.securityContext).toEqual({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(podSpec.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  it("uses the workspace's security contexts instead of the defaults, and none for an empty one", () => {
    const renderIn = (securityContext: typeof prod.securityContext) =>
      (
        renderManifests({
          entityRef: 'component:default/payments',
          name: 'payments',
          workspace: { ...prod, securityContext },
          version: 1,
          spec,
        })[0].spec as any
      ).template.spec;
    const replaced = renderIn({
      pod: { runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001 },
      container: {
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      },
    });
    expect(replaced.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      fsGroup: 10001,
    });
    expect(replaced.containers[0].securityContext).toEqual({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });

    const podOnly = renderIn({ pod: {} });
    expect(podOnly).not.toHaveProperty('securityContext');
    expect(podOnly.containers[0].securityContext).toEqual(
      DEFAULT_CONTAINER_SECURITY_CONTEXT,
    );

    const off = renderIn({ pod: {}, container: {} });
    expect(off).not.toHaveProperty('securityContext');
    expect(off.containers[0]).not.toHaveProperty('securityContext');
  });

  it('does not let a render change the default security contexts', () => {
    const podSpec = (render()[0].spec as any).template.spec;
    podSpec.securityContext.runAsNonRoot = false;
    podSpec.containers[0].securityContext.capabilities.drop.push('NONE');
    expect(DEFAULT_POD_SECURITY_CONTEXT).toEqual({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(DEFAULT_CONTAINER_SECURITY_CONTEXT).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect((render()[0].spec as any).template.spec.securityContext).toEqual(
      DEFAULT_POD_SECURITY_CONTEXT,
    );
  });

  it('renders the Service with target ports by name', () => {
    const service = render()[1];
    expect(service.spec).toEqual({
      type: 'ClusterIP',
      selector: {
        'backstage.io/kubernetes-id': 'payments',
        'app.kubernetes.io/name': 'payments',
      },
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
      ],
    });
  });

  it('targets the container port by number when the port is unnamed', () => {
    const service = render({
      ports: [{ port: 80, targetPort: 8080, protocol: 'UDP' }],
      readinessProbe: undefined,
      livenessProbe: undefined,
    })[1];
    expect((service.spec as any).ports).toEqual([
      { port: 80, targetPort: 8080, protocol: 'UDP' },
    ]);
  });

  it('renders the HPA with resource utilization metrics', () => {
    const hpa = render()[2];
    expect(hpa.spec).toEqual({
      scaleTargetRef: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'payments',
      },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: 70 },
          },
        },
        {
          type: 'Resource',
          resource: {
            name: 'memory',
            target: { type: 'Utilization', averageUtilization: 80 },
          },
        },
      ],
    });
  });

  it('renders replicas and no HPA without autoscaling, and no Service without ports', () => {
    const objects = renderManifests({
      entityRef: 'component:default/payments',
      name: 'payments',
      workspace: prod,
      version: 1,
      spec: { image: 'nginx:1.25', replicas: 0 },
    });
    expect(objects.map(o => o.kind)).toEqual(['Deployment']);
    expect((objects[0].spec as any).replicas).toBe(0);
    objects.forEach(expectValidKubernetes);
  });

  it('refuses a name that is not a Kubernetes name', () => {
    expect(() =>
      renderManifests({
        entityRef: 'component:default/x',
        name: 'Payments',
        workspace: prod,
        version: 1,
        spec,
      }),
    ).toThrow(InputError);
  });

  it('does not share objects between renders or with the spec', () => {
    const [deployment] = render();
    (deployment.spec as any).template.spec.containers[0].resources.limits.cpu =
      '9';
    expect(spec.resources!.limits!.cpu).toBe('1');
  });

  it('renders every valid spec to objects that pass the Kubernetes schemas', () => {
    fc.assert(
      fc.property(
        serviceSpecArbitrary(),
        fc.integer({ min: 1, max: 100000 }),
        fc.boolean(),
        (generated, version, viaGateway) => {
          const objects = renderManifests({
            entityRef: 'component:default/payments',
            name: 'payments',
            workspace: viaGateway ? gatewayWorkspace : prod,
            version,
            spec: generated,
          });
          objects.forEach(expectValidKubernetes);
          expect(objects.some(o => o.kind === 'Service')).toBe(
            Boolean(generated.ports?.length),
          );
          expect(objects.some(o => o.kind === 'HorizontalPodAutoscaler')).toBe(
            Boolean(generated.autoscaling),
          );
          const exposed = Boolean(generated.ports?.some(p => p.expose));
          expect(objects.some(o => o.kind === 'Ingress')).toBe(
            exposed && !viaGateway,
          );
          expect(objects.some(o => o.kind === 'HTTPRoute')).toBe(
            exposed && viaGateway,
          );
          expect(objects.some(o => o.kind === 'PodDisruptionBudget')).toBe(
            Boolean(generated.disruptionBudget),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    [
      'a misspelt field',
      (o: any) => {
        o[0].spec.progresDeadlineSeconds = 1;
      },
    ],
    [
      'negative replicas',
      (o: any) => {
        o[0].spec.replicas = -1;
      },
    ],
    [
      'an unknown protocol',
      (o: any) => {
        o[1].spec.ports[0].protocol = 'HTTP';
      },
    ],
    [
      'port 0',
      (o: any) => {
        o[1].spec.ports[0].port = 0;
      },
    ],
    [
      'a label value with a space',
      (o: any) => {
        o[0].metadata.labels.team = 'a b';
      },
    ],
    [
      'an env var with value and valueFrom',
      (o: any) => {
        o[0].spec.template.spec.containers[0].env[0].value = 'x';
      },
    ],
    [
      'an HPA minReplicas of 0',
      (o: any) => {
        o[2].spec.minReplicas = 0;
      },
    ],
    [
      'an unknown metric target type',
      (o: any) => {
        o[2].spec.metrics[0].resource.target.type = 'Percent';
      },
    ],
    [
      'a seccomp profile of an unknown type',
      (o: any) => {
        o[0].spec.template.spec.securityContext.seccompProfile.type = 'Strict';
      },
    ],
    [
      'a container security context with a misspelt field',
      (o: any) => {
        o[0].spec.template.spec.containers[0].securityContext.allowPrivilegeEscalaton =
          false;
      },
    ],
    [
      'a quantity that is a number',
      (o: any) => {
        o[0].spec.template.spec.containers[0].resources.limits.cpu = 1;
      },
    ],
  ])('makes the schemas refuse %s', (_, breakIt) => {
    const objects = render();
    breakIt(objects);
    expect(objects.every(object => validators[object.kind](object))).toBe(
      false,
    );
  });
});

describe('renderManifests: the fields of a real service', () => {
  const real: ServiceSpec = {
    image: 'ghcr.io/acme/payments:1.4.2',
    ports: [
      {
        name: 'http',
        port: 8080,
        expose: { host: 'payments.example.com', path: '/', tls: true },
      },
    ],
    envFrom: [
      { secret: 'payments-env' },
      { configMap: 'payments-flags', prefix: 'FLAG_' },
    ],
    mounts: [
      { path: '/etc/payments', configMap: 'payments-config' },
      { path: '/var/run/secrets/db', secret: 'payments-db', readOnly: true },
      { path: '/data', persistentVolumeClaim: 'payments-data' },
      { path: '/tmp/cache', emptyDir: { sizeLimit: '1Gi' } },
    ],
    resources: { limits: { 'nvidia.com/gpu': '1' } },
    strategy: { type: 'RollingUpdate', maxSurge: '25%', maxUnavailable: 0 },
    preStop: ['sh', '-c', 'sleep 5'],
    terminationGracePeriodSeconds: 30,
    sidecars: [
      {
        name: 'proxy',
        image: 'envoyproxy/envoy:v1.31.0',
        ports: [{ name: 'admin', port: 9901 }],
      },
    ],
    initContainers: [
      {
        name: 'migrate',
        image: 'ghcr.io/acme/payments-migrate:1.4.2',
        command: ['./migrate'],
      },
    ],
    serviceAccountName: 'payments',
    imagePullSecrets: ['ghcr-pull'],
    nodeSelector: { pool: 'general' },
    tolerations: [
      {
        key: 'dedicated',
        operator: 'Equal',
        value: 'payments',
        effect: 'NoSchedule',
      },
    ],
    disruptionBudget: { minAvailable: 1 },
  };
  const renderReal = (workspace = prod) =>
    renderManifests({
      entityRef: 'component:default/payments',
      name: 'payments',
      workspace,
      version: 2,
      spec: real,
    });

  it('renders the pod: mounts as volumes, envFrom, sidecars and init containers with the security context, placement and the service account', () => {
    const [deployment] = renderReal();
    const pod = (deployment.spec as any).template.spec;
    const [container, proxy] = pod.containers;
    expect(container.envFrom).toEqual([
      { secretRef: { name: 'payments-env' } },
      { prefix: 'FLAG_', configMapRef: { name: 'payments-flags' } },
    ]);
    expect(container.volumeMounts).toEqual([
      { name: 'mount-0', mountPath: '/etc/payments', readOnly: true },
      { name: 'mount-1', mountPath: '/var/run/secrets/db', readOnly: true },
      { name: 'mount-2', mountPath: '/data' },
      { name: 'mount-3', mountPath: '/tmp/cache' },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'mount-0', configMap: { name: 'payments-config' } },
      { name: 'mount-1', secret: { secretName: 'payments-db' } },
      {
        name: 'mount-2',
        persistentVolumeClaim: { claimName: 'payments-data' },
      },
      { name: 'mount-3', emptyDir: { sizeLimit: '1Gi' } },
    ]);
    expect(container.resources).toEqual({ limits: { 'nvidia.com/gpu': '1' } });
    expect(container.lifecycle).toEqual({
      preStop: { exec: { command: ['sh', '-c', 'sleep 5'] } },
    });
    expect(proxy).toEqual({
      name: 'proxy',
      image: 'envoyproxy/envoy:v1.31.0',
      ports: [{ name: 'admin', containerPort: 9901, protocol: 'TCP' }],
      securityContext: DEFAULT_CONTAINER_SECURITY_CONTEXT,
    });
    expect(pod.initContainers).toEqual([
      {
        name: 'migrate',
        image: 'ghcr.io/acme/payments-migrate:1.4.2',
        command: ['./migrate'],
        securityContext: DEFAULT_CONTAINER_SECURITY_CONTEXT,
      },
    ]);
    expect(pod).toMatchObject({
      serviceAccountName: 'payments',
      imagePullSecrets: [{ name: 'ghcr-pull' }],
      nodeSelector: { pool: 'general' },
      tolerations: real.tolerations,
      terminationGracePeriodSeconds: 30,
    });
    expect((deployment.spec as any).strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 },
    });
  });

  it("renders an Ingress of the workspace's class and a PodDisruptionBudget, all passing the schemas", () => {
    const objects = renderReal();
    objects.forEach(expectValidKubernetes);
    expect(objects.map(o => o.kind)).toEqual([
      'Deployment',
      'Service',
      'Ingress',
      'PodDisruptionBudget',
    ]);
    expect(objects[2].spec).toEqual({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['payments.example.com'], secretName: 'payments-tls' }],
      rules: [
        {
          host: 'payments.example.com',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: {
                  service: { name: 'payments', port: { name: 'http' } },
                },
              },
            ],
          },
        },
      ],
    });
    expect(objects[3].spec).toEqual({
      selector: {
        matchLabels: {
          'backstage.io/kubernetes-id': 'payments',
          'app.kubernetes.io/name': 'payments',
        },
      },
      minAvailable: 1,
    });
    expect(objects[3].metadata.labels?.[ENTITY_REF_HASH_LABEL]).toBe(
      entityRefLabelValue('component:default/payments'),
    );
  });

  it('renders an HTTPRoute on the Gateway where the workspace routes through one', () => {
    const objects = renderReal(gatewayWorkspace);
    objects.forEach(expectValidKubernetes);
    expect(objects.find(o => o.kind === 'HTTPRoute')?.spec).toEqual({
      parentRefs: [{ name: 'public', namespace: 'gateways' }],
      hostnames: ['payments.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [{ name: 'payments', port: 8080 }],
        },
      ],
    });
    expect(objects.some(o => o.kind === 'Ingress')).toBe(false);
  });

  it('refuses a sidecar named like the service, naming it', () => {
    expect(() =>
      renderManifests({
        entityRef: 'component:default/payments',
        name: 'payments',
        workspace: prod,
        version: 1,
        spec: { image: 'a:1', sidecars: [{ name: 'payments', image: 'b:1' }] },
      }),
    ).toThrow(
      /container name "payments" is used twice \(the service's own container is named payments\)/,
    );
  });
});

describe('MANAGED_KINDS', () => {
  it('lists exactly the kinds renderManifests can produce, in render order', () => {
    const full: Partial<ServiceSpec> = {
      ports: [
        {
          name: 'http',
          port: 80,
          targetPort: 8080,
          expose: { host: 'payments.example.com' },
        },
      ],
      disruptionBudget: { minAvailable: 1 },
    };
    const kinds = (objects: KubernetesObject[]) =>
      objects.map(o => ({ apiVersion: o.apiVersion, kind: o.kind }));
    const viaIngress = kinds(render(full));
    const viaGateway = kinds(
      renderManifests({
        entityRef: 'component:default/payments',
        name: 'payments',
        workspace: gatewayWorkspace,
        version: 1,
        spec: { ...spec, ...full },
      }),
    );
    const all = [...viaIngress];
    all.splice(3, 0, viaGateway[2]);
    expect(
      MANAGED_KINDS.map(({ apiVersion, kind }) => ({ apiVersion, kind })),
    ).toEqual(all);
  });
});
