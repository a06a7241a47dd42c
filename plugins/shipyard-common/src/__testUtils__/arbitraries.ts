/*
 * fast-check arbitraries of valid Shipyard values, for property tests here
 * and in the backend (through a relative import; not exported from the
 * package). Free of jest globals.
 */
import fc from 'fast-check';
import type {
  ContainerPort,
  DeploymentStrategy,
  ExtraContainer,
  Mount,
  Autoscaling,
  EnvValue,
  Probe,
  Resources,
  ServicePort,
  ServiceSpec,
  Workspace,
} from '../types';

const pathComponent = fc.stringMatching(/^[a-z0-9]{1,8}([._-][a-z0-9]{1,8})?$/);

/** A valid image reference with a tag, a digest or both. */
export const imageArbitrary: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(
      undefined,
      'ghcr.io',
      'registry.example.com:5000',
      'localhost:5000',
    ),
    fc.array(pathComponent, { minLength: 1, maxLength: 3 }),
    fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/), {
      nil: undefined,
    }),
    fc.option(fc.stringMatching(/^[a-f0-9]{64}$/), { nil: undefined }),
  )
  .map(([registry, path, tag, digest]) => {
    const name = [registry, ...path].filter(Boolean).join('/');
    const withTag = tag === undefined && digest === undefined ? '1.0.0' : tag;
    return `${name}${withTag !== undefined ? `:${withTag}` : ''}${
      digest !== undefined ? `@sha256:${digest}` : ''
    }`;
  });

/** A valid environment variable name. */
export const envNameArbitrary: fc.Arbitrary<string> = fc.stringMatching(
  /^[A-Z_][A-Z0-9_]{0,15}$/,
);

const dnsName = fc.stringMatching(/^[a-z]([-a-z0-9]{0,10}[a-z0-9])?$/);
const referenceBody = fc.record(
  {
    name: dnsName,
    key: fc.stringMatching(/^[-._a-zA-Z0-9]{1,12}$/),
    optional: fc.boolean(),
  },
  { requiredKeys: ['name', 'key'], noNullPrototype: true },
);

/** A valid env value: a literal, a secretKeyRef or a configMapKeyRef. */
export const envValueArbitrary: fc.Arbitrary<EnvValue> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  {
    weight: 1,
    arbitrary: referenceBody.map(secretKeyRef => ({ secretKeyRef })),
  },
  {
    weight: 1,
    arbitrary: referenceBody.map(configMapKeyRef => ({ configMapKeyRef })),
  },
);

/** A valid env map. */
export function envArbitrary(
  maxKeys = 8,
): fc.Arbitrary<Record<string, EnvValue>> {
  return fc.dictionary(envNameArbitrary, envValueArbitrary, {
    maxKeys,
    noNullPrototype: true,
  });
}

const labelKey = fc
  .tuple(
    fc.option(fc.constantFrom('example.com', 'team.acme.io', 'a'), {
      nil: undefined,
    }),
    fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?$/),
  )
  .map(([prefix, name]) => (prefix ? `${prefix}/${name}` : name));
const labelValue = fc.stringMatching(
  /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?)?$/,
);

/** Valid labels, none of them reserved. */
export const labelsArbitrary: fc.Arbitrary<Record<string, string>> =
  fc.dictionary(labelKey, labelValue, { maxKeys: 5, noNullPrototype: true });

/** Valid annotations, none of them reserved. */
export const annotationsArbitrary: fc.Arbitrary<Record<string, string>> =
  fc.dictionary(labelKey, fc.string({ unit: 'grapheme', maxLength: 40 }), {
    maxKeys: 5,
    noNullPrototype: true,
  });

const PORT_NAMES = ['http', 'grpc', 'metrics', 'admin', 'web', 'udp-dns'];

/** Valid ports: unique names (all named when more than one), unique service and container ports. */
export const portsArbitrary: fc.Arbitrary<ServicePort[]> = fc
  .integer({ min: 0, max: 4 })
  .chain(count =>
    fc.tuple(
      fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), {
        minLength: count * 2,
        maxLength: count * 2,
      }),
      fc.array(
        fc.record({
          named: fc.boolean(),
          targeted: fc.boolean(),
          protocol: fc.constantFrom(
            undefined,
            'TCP',
            'UDP',
            'SCTP',
          ) as fc.Arbitrary<ServicePort['protocol']>,
          expose: fc.option(
            fc.record({
              wildcard: fc.boolean(),
              path: fc.option(fc.stringMatching(/^\/[a-z]{0,6}$/), {
                nil: undefined,
              }),
              tls: fc.option(fc.boolean(), { nil: undefined }),
            }),
            { nil: undefined },
          ),
        }),
        { minLength: count, maxLength: count },
      ),
    ),
  )
  .map(([numbers, options]) =>
    options.map((option, index) => {
      const port: ServicePort = { port: numbers[index] };
      if (option.named || options.length > 1) {
        port.name = `${PORT_NAMES[index % PORT_NAMES.length]}${index}`;
      }
      if (option.targeted) {
        port.targetPort = numbers[options.length + index];
      }
      if (option.protocol) {
        port.protocol = option.protocol;
      }
      if (option.expose && (port.protocol ?? 'TCP') === 'TCP') {
        port.expose = {
          host: option.expose.wildcard
            ? `*.p${index}.example.com`
            : `p${index}.example.com`,
          ...(option.expose.path ? { path: option.expose.path } : {}),
          ...(option.expose.tls !== undefined
            ? { tls: option.expose.tls }
            : {}),
        };
      }
      return port;
    }),
  );

const cpu = fc.oneof(
  fc
    .integer({ min: 1, max: 8000 })
    .map(milli => ({ value: milli, text: `${milli}m` })),
  fc
    .integer({ min: 1, max: 8 })
    .map(cores => ({ value: cores * 1000, text: `${cores}` })),
);
const memory = fc.oneof(
  fc
    .integer({ min: 1, max: 4096 })
    .map(mi => ({ value: mi * 1024, text: `${mi}Mi` })),
  fc
    .integer({ min: 1, max: 4 })
    .map(gi => ({ value: gi * 1024 * 1024, text: `${gi}Gi` })),
  fc
    .integer({ min: 1, max: 4000 })
    .map(m => ({ value: (m * 1e6) / 1024, text: `${m}M` })),
);

function boundedPair(quantity: typeof cpu) {
  return fc
    .tuple(quantity, quantity)
    .map(([a, b]) =>
      a.value <= b.value ? [a.text, b.text] : [b.text, a.text],
    );
}

/** Valid resources: requests never above limits, GPUs whole and not overcommitted. */
export const resourcesArbitrary: fc.Arbitrary<Resources> = fc
  .record(
    {
      cpu: boundedPair(cpu),
      memory: boundedPair(memory),
      gpu: fc.integer({ min: 0, max: 8 }),
    },
    { requiredKeys: [], noNullPrototype: true },
  )
  .chain(pairs =>
    fc
      .record({ requests: fc.boolean(), limits: fc.boolean() })
      .map(({ requests, limits }) => {
        const resources: Resources = {};
        if (requests) {
          resources.requests = {};
          if (pairs.cpu) resources.requests.cpu = pairs.cpu[0];
          if (pairs.memory) resources.requests.memory = pairs.memory[0];
          if (pairs.gpu !== undefined && limits) {
            resources.requests['nvidia.com/gpu'] = String(pairs.gpu);
          }
        }
        if (limits) {
          resources.limits = {};
          if (pairs.cpu) resources.limits.cpu = pairs.cpu[1];
          if (pairs.memory) resources.limits.memory = pairs.memory[1];
          if (pairs.gpu !== undefined) {
            resources.limits['nvidia.com/gpu'] = String(pairs.gpu);
          }
        }
        return resources;
      }),
  );

/** Valid autoscaling settings. */
export const autoscalingArbitrary: fc.Arbitrary<Autoscaling> = fc
  .tuple(
    fc.integer({ min: 1, max: 1000 }),
    fc.integer({ min: 1, max: 1000 }),
    fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
    fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
  )
  .map(([a, b, cpuTarget, memoryTarget]) => {
    const autoscaling: Autoscaling = {
      minReplicas: Math.min(a, b),
      maxReplicas: Math.max(a, b),
    };
    if (cpuTarget !== undefined) {
      autoscaling.targetCPUUtilizationPercentage = cpuTarget;
    }
    if (memoryTarget !== undefined) {
      autoscaling.targetMemoryUtilizationPercentage = memoryTarget;
    }
    return autoscaling;
  });

const probePath = fc.stringMatching(/^\/[a-z]{0,8}$/);
const probeScheme = fc.constantFrom<'HTTP' | 'HTTPS'>('HTTP', 'HTTPS');
const execProbe = fc
  .array(fc.string({ maxLength: 10 }), { minLength: 1, maxLength: 3 })
  .map(command => ({ exec: { command } }));
const anyPort = fc.integer({ min: 1, max: 65535 });
const probeTiming = (readiness: boolean) =>
  fc.record(
    {
      initialDelaySeconds: fc.integer({ min: 0, max: 600 }),
      periodSeconds: fc.integer({ min: 1, max: 60 }),
      timeoutSeconds: fc.integer({ min: 1, max: 60 }),
      successThreshold: readiness
        ? fc.integer({ min: 1, max: 5 })
        : fc.constant(1),
      failureThreshold: fc.integer({ min: 1, max: 10 }),
    },
    { requiredKeys: [], noNullPrototype: true },
  );
const readinessTiming = probeTiming(true);
const otherTiming = probeTiming(false);

/** A valid probe for the given ports: its port is one of them, by name or number. */
export function probeArbitrary(
  ports: ServicePort[],
  readiness: boolean,
): fc.Arbitrary<Probe> {
  const names = ports.flatMap(port => (port.name ? [port.name] : []));
  const numbers = ports.map(port => port.targetPort ?? port.port);
  const portReference: fc.Arbitrary<number | string> = ports.length
    ? fc.constantFrom<number | string>(...names, ...numbers)
    : anyPort;
  const handler: fc.Arbitrary<Probe> = fc.oneof(
    fc
      .record(
        {
          path: probePath,
          port: portReference,
          scheme: probeScheme,
        },
        { requiredKeys: ['port'], noNullPrototype: true },
      )
      .map(httpGet => ({ httpGet })),
    portReference.map(port => ({ tcpSocket: { port } })),
    execProbe,
    (ports.length ? fc.constantFrom(...numbers) : anyPort).map(port => ({
      grpc: { port },
    })),
  );
  return fc
    .tuple(handler, readiness ? readinessTiming : otherTiming)
    .map(([probeHandler, timing]) => ({ ...probeHandler, ...timing }));
}

const stringList = fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), {
  maxLength: 4,
});

const countOrPercent = fc.oneof(
  fc.integer({ min: 0, max: 10 }),
  fc.integer({ min: 0, max: 100 }).map(percent => `${percent}%`),
);

const mountArbitrary = (index: number): fc.Arbitrary<Mount> =>
  fc
    .oneof(
      dnsName.map(secret => ({ secret })),
      dnsName.map(configMap => ({ configMap })),
      fc
        .tuple(dnsName, fc.option(fc.boolean(), { nil: undefined }))
        .map(([persistentVolumeClaim, readOnly]) => ({
          persistentVolumeClaim,
          ...(readOnly !== undefined ? { readOnly } : {}),
        })),
      fc
        .record(
          {
            sizeLimit: memory.map(m => m.text),
            medium: fc.constant<'Memory'>('Memory'),
          },
          { requiredKeys: [], noNullPrototype: true },
        )
        .map(emptyDir => ({ emptyDir })),
    )
    .map(source => ({ path: `/mnt/m${index}`, ...source }));

/** A valid sidecar or init container named `<prefix>-<index>`, its ports from `ports`. */
function extraContainerArbitrary(
  name: string,
  ports: ContainerPort[],
): fc.Arbitrary<ExtraContainer> {
  return fc
    .record(
      {
        image: imageArbitrary,
        command: stringList,
        args: stringList,
        env: envArbitrary(3),
        resources: resourcesArbitrary,
        readinessProbe: probeArbitrary(ports, true),
        livenessProbe: probeArbitrary(ports, false),
      },
      { requiredKeys: ['image'], noNullPrototype: true },
    )
    .map(container => ({
      name,
      ...container,
      ...(ports.length ? { ports } : {}),
    }));
}

/** The fields of DESIGN §11 beside `ports` and `resources`, valid with the given ports. */
export function podFieldsArbitrary(
  ports: ServicePort[],
): fc.Arbitrary<Partial<ServiceSpec>> {
  const used = new Set(ports.map(p => p.targetPort ?? p.port));
  const sidecarPort = (index: number) =>
    fc
      .integer({ min: 1, max: 65535 })
      .filter(port => !used.has(port))
      .map(port => ({ name: `side${index}`, port }));
  return fc.record(
    {
      mounts: fc
        .integer({ min: 0, max: 3 })
        .chain(count =>
          fc.tuple(
            ...Array.from({ length: count }, (_, i) => mountArbitrary(i)),
          ),
        ),
      envFrom: fc.array(
        fc.oneof(
          dnsName.map(secret => ({ secret })),
          fc.tuple(dnsName, fc.boolean()).map(([configMap, optional]) => ({
            configMap,
            optional,
            prefix: 'CFG_',
          })),
        ),
        { maxLength: 2 },
      ),
      sidecars: fc
        .integer({ min: 0, max: 2 })
        .chain(count =>
          fc.tuple(
            ...Array.from({ length: count }, (_, i) =>
              fc
                .option(sidecarPort(i), { nil: undefined })
                .chain(port =>
                  extraContainerArbitrary(`side-${i}`, port ? [port] : []),
                ),
            ),
          ),
        )
        .map(sidecars => {
          // Sidecars share the pod's network: a port another one took is dropped, with the probes on it.
          const seen = new Set<number>();
          return sidecars.map(sidecar => {
            if (!sidecar.ports?.some(p => seen.has(p.port))) {
              sidecar.ports?.forEach(p => seen.add(p.port));
              return sidecar;
            }
            const {
              ports: _ports,
              readinessProbe: _readiness,
              livenessProbe: _liveness,
              ...rest
            } = sidecar;
            return rest;
          });
        }),
      initContainers: fc
        .integer({ min: 0, max: 2 })
        .chain(count =>
          fc.tuple(
            ...Array.from({ length: count }, (_, i) =>
              extraContainerArbitrary(`init-${i}`, []),
            ),
          ),
        ),
      serviceAccountName: dnsName,
      imagePullSecrets: fc.uniqueArray(dnsName, { maxLength: 2 }),
      nodeSelector: labelsArbitrary,
      tolerations: fc.array(
        fc.oneof(
          fc.tuple(labelKey, labelValue).map(([key, value]) => ({
            key,
            operator: 'Equal' as const,
            value,
            effect: 'NoSchedule' as const,
          })),
          fc.constant({ operator: 'Exists' as const }),
        ),
        { maxLength: 2 },
      ),
      strategy: fc.oneof(
        fc.constant<DeploymentStrategy>({ type: 'Recreate' }),
        fc
          .tuple(countOrPercent, fc.integer({ min: 1, max: 5 }))
          .map(([maxSurge, maxUnavailable]) => ({
            type: 'RollingUpdate' as const,
            maxSurge,
            maxUnavailable,
          })),
      ),
      terminationGracePeriodSeconds: fc.integer({ min: 0, max: 600 }),
      preStop: fc.array(fc.string({ maxLength: 10 }), {
        minLength: 1,
        maxLength: 3,
      }),
      disruptionBudget: fc.oneof(
        countOrPercent.map(minAvailable => ({ minAvailable })),
        countOrPercent.map(maxUnavailable => ({ maxUnavailable })),
      ),
    },
    { requiredKeys: [], noNullPrototype: true },
  );
}

/** A valid service spec, every optional field present or not. */
export function serviceSpecArbitrary(
  options: { maxEnvKeys?: number; podFields?: boolean } = {},
): fc.Arbitrary<ServiceSpec> {
  const scaling = fc.oneof(
    fc.constant({}),
    fc.integer({ min: 0, max: 1000 }).map(replicas => ({ replicas })),
    autoscalingArbitrary.map(autoscaling => ({ autoscaling })),
  );
  return fc
    .tuple(
      fc.record(
        {
          image: imageArbitrary,
          command: stringList,
          args: stringList,
          env: envArbitrary(options.maxEnvKeys),
          resources: resourcesArbitrary,
          labels: labelsArbitrary,
          annotations: annotationsArbitrary,
        },
        { requiredKeys: ['image'], noNullPrototype: true },
      ),
      fc.option(portsArbitrary, { nil: undefined }),
      scaling,
    )
    .chain(([base, ports, scale]) =>
      fc
        .tuple(
          fc.record(
            {
              readinessProbe: probeArbitrary(ports ?? [], true),
              livenessProbe: probeArbitrary(ports ?? [], false),
              startupProbe: probeArbitrary(ports ?? [], false),
            },
            { requiredKeys: [], noNullPrototype: true },
          ),
          options.podFields === false
            ? fc.constant({})
            : podFieldsArbitrary(ports ?? []),
        )
        .map(([probes, podFields]) => {
          const spec: ServiceSpec = {
            image: base.image,
            ...(base.command ? { command: base.command } : {}),
            ...(base.args ? { args: base.args } : {}),
            ...(ports ? { ports } : {}),
            ...(base.env ? { env: base.env } : {}),
            ...(base.resources ? { resources: base.resources } : {}),
            ...scale,
            ...probes,
            ...podFields,
            ...(base.labels ? { labels: base.labels } : {}),
            ...(base.annotations ? { annotations: base.annotations } : {}),
          };
          return spec;
        }),
    );
}

const ENVIRONMENTS = [
  { environment: 'dev', tier: 0 },
  { environment: 'staging', tier: 1 },
  { environment: 'prod', tier: 2 },
];

/** A workspace of the given environment tier (dev 0, staging 1, prod 2). */
export function workspaceFor(
  tier: number,
  overrides: Partial<Workspace> = {},
): Workspace {
  const { environment } = ENVIRONMENTS[tier] ?? { environment: `tier${tier}` };
  return {
    name: environment,
    environment,
    tier,
    cluster: 'local',
    namespace: `payments-${environment}`,
    protected: environment === 'prod',
    autoRollback: false,
    ...overrides,
  };
}
