/*
 * JSON Schemas of the subset of apps/v1 Deployment, v1 Service,
 * autoscaling/v2 HorizontalPodAutoscaler, networking.k8s.io/v1 Ingress,
 * gateway.networking.k8s.io/v1 HTTPRoute and policy/v1
 * PodDisruptionBudget that Shipyard renders, transcribed
 * from the Kubernetes OpenAPI v3 documents (required fields, types, enums,
 * int32 formats) plus the API server's validation of names, ports, replicas
 * and label syntax. additionalProperties: false everywhere, so a misspelt
 * field fails. For tests only.
 */

const int32 = { type: 'integer', minimum: -2147483648, maximum: 2147483647 };
const nonNegativeInt32 = { ...int32, minimum: 0 };
const int64 = { type: 'integer' };
const positiveInt32 = { ...int32, minimum: 1 };
const portNumber = { type: 'integer', minimum: 1, maximum: 65535 };
const dns1123Label = {
  type: 'string',
  maxLength: 63,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
};
const dns1123Subdomain = {
  type: 'string',
  maxLength: 253,
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
};
const ianaSvcName = {
  type: 'string',
  maxLength: 15,
  pattern: '^(?!.*--)(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$',
};
const qualifiedName =
  '^(([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$';
const labels = {
  type: 'object',
  propertyNames: { pattern: qualifiedName },
  additionalProperties: {
    type: 'string',
    maxLength: 63,
    pattern: '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$',
  },
};
const annotations = {
  type: 'object',
  propertyNames: { pattern: qualifiedName },
  additionalProperties: { type: 'string' },
};
const quantity = {
  type: 'string',
  pattern:
    '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
};
const intOrString = { anyOf: [{ type: 'integer' }, { type: 'string' }] };
const protocol = { type: 'string', enum: ['TCP', 'UDP', 'SCTP'] };

const definitions = {
  ObjectMeta: {
    type: 'object',
    required: ['name', 'namespace'],
    additionalProperties: false,
    properties: {
      name: dns1123Subdomain,
      namespace: dns1123Label,
      labels,
      annotations,
    },
  },
  TemplateMeta: {
    type: 'object',
    additionalProperties: false,
    properties: { labels, annotations },
  },
  LabelSelector: {
    type: 'object',
    additionalProperties: false,
    properties: { matchLabels: labels },
  },
  KeySelector: {
    type: 'object',
    required: ['key'],
    additionalProperties: false,
    properties: {
      key: { type: 'string' },
      name: dns1123Subdomain,
      optional: { type: 'boolean' },
    },
  },
  EnvVar: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1 },
      value: { type: 'string' },
      valueFrom: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        maxProperties: 1,
        properties: {
          secretKeyRef: { $ref: '#/definitions/KeySelector' },
          configMapKeyRef: { $ref: '#/definitions/KeySelector' },
        },
      },
    },
    not: { required: ['value', 'valueFrom'] },
  },
  ContainerPort: {
    type: 'object',
    required: ['containerPort'],
    additionalProperties: false,
    properties: { name: ianaSvcName, containerPort: portNumber, protocol },
  },
  ResourceRequirements: {
    type: 'object',
    additionalProperties: false,
    properties: {
      limits: { type: 'object', additionalProperties: quantity },
      requests: { type: 'object', additionalProperties: quantity },
    },
  },
  Probe: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      exec: {
        type: 'object',
        additionalProperties: false,
        properties: { command: { type: 'array', items: { type: 'string' } } },
      },
      grpc: {
        type: 'object',
        required: ['port'],
        additionalProperties: false,
        properties: { port: portNumber, service: { type: 'string' } },
      },
      httpGet: {
        type: 'object',
        required: ['port'],
        additionalProperties: false,
        properties: {
          path: { type: 'string' },
          port: intOrString,
          scheme: { type: 'string', enum: ['HTTP', 'HTTPS'] },
        },
      },
      tcpSocket: {
        type: 'object',
        required: ['port'],
        additionalProperties: false,
        properties: { port: intOrString },
      },
      initialDelaySeconds: nonNegativeInt32,
      periodSeconds: positiveInt32,
      timeoutSeconds: positiveInt32,
      successThreshold: positiveInt32,
      failureThreshold: positiveInt32,
    },
  },
  SeccompProfile: {
    type: 'object',
    required: ['type'],
    additionalProperties: false,
    properties: {
      type: {
        type: 'string',
        enum: ['Localhost', 'RuntimeDefault', 'Unconfined'],
      },
      localhostProfile: { type: 'string' },
    },
  },
  PodSecurityContext: {
    type: 'object',
    additionalProperties: false,
    properties: {
      fsGroup: int64,
      fsGroupChangePolicy: {
        type: 'string',
        enum: ['Always', 'OnRootMismatch'],
      },
      runAsGroup: int64,
      runAsNonRoot: { type: 'boolean' },
      runAsUser: int64,
      seccompProfile: { $ref: '#/definitions/SeccompProfile' },
      supplementalGroups: { type: 'array', items: int64 },
    },
  },
  SecurityContext: {
    type: 'object',
    additionalProperties: false,
    properties: {
      allowPrivilegeEscalation: { type: 'boolean' },
      capabilities: {
        type: 'object',
        additionalProperties: false,
        properties: {
          add: { type: 'array', items: { type: 'string' } },
          drop: { type: 'array', items: { type: 'string' } },
        },
      },
      privileged: { type: 'boolean' },
      readOnlyRootFilesystem: { type: 'boolean' },
      runAsGroup: int64,
      runAsNonRoot: { type: 'boolean' },
      runAsUser: int64,
      seccompProfile: { $ref: '#/definitions/SeccompProfile' },
    },
  },
  Container: {
    type: 'object',
    required: ['name', 'image'],
    additionalProperties: false,
    properties: {
      name: dns1123Label,
      image: { type: 'string', minLength: 1 },
      command: { type: 'array', items: { type: 'string' } },
      args: { type: 'array', items: { type: 'string' } },
      ports: { type: 'array', items: { $ref: '#/definitions/ContainerPort' } },
      env: { type: 'array', items: { $ref: '#/definitions/EnvVar' } },
      resources: { $ref: '#/definitions/ResourceRequirements' },
      readinessProbe: { $ref: '#/definitions/Probe' },
      livenessProbe: { $ref: '#/definitions/Probe' },
      startupProbe: { $ref: '#/definitions/Probe' },
      securityContext: { $ref: '#/definitions/SecurityContext' },
      envFrom: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            prefix: { type: 'string' },
            secretRef: { $ref: '#/definitions/LocalObjectReference' },
            configMapRef: { $ref: '#/definitions/LocalObjectReference' },
          },
          not: { required: ['secretRef', 'configMapRef'] },
        },
      },
      volumeMounts: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'mountPath'],
          additionalProperties: false,
          properties: {
            name: dns1123Label,
            mountPath: { type: 'string', pattern: '^/' },
            readOnly: { type: 'boolean' },
          },
        },
      },
      lifecycle: {
        type: 'object',
        additionalProperties: false,
        properties: {
          preStop: {
            type: 'object',
            additionalProperties: false,
            properties: {
              exec: {
                type: 'object',
                required: ['command'],
                additionalProperties: false,
                properties: {
                  command: {
                    type: 'array',
                    minItems: 1,
                    items: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  LocalObjectReference: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    properties: { name: dns1123Subdomain, optional: { type: 'boolean' } },
  },
  Volume: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    minProperties: 2,
    maxProperties: 2,
    properties: {
      name: dns1123Label,
      secret: {
        type: 'object',
        required: ['secretName'],
        additionalProperties: false,
        properties: { secretName: dns1123Subdomain },
      },
      configMap: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: { name: dns1123Subdomain },
      },
      persistentVolumeClaim: {
        type: 'object',
        required: ['claimName'],
        additionalProperties: false,
        properties: {
          claimName: dns1123Subdomain,
          readOnly: { type: 'boolean' },
        },
      },
      emptyDir: {
        type: 'object',
        additionalProperties: false,
        properties: {
          medium: { type: 'string', enum: ['', 'Memory'] },
          sizeLimit: quantity,
        },
      },
    },
  },
  Toleration: {
    type: 'object',
    additionalProperties: false,
    properties: {
      key: { type: 'string', pattern: qualifiedName },
      operator: { type: 'string', enum: ['Exists', 'Equal'] },
      value: { type: 'string' },
      effect: {
        type: 'string',
        enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
      },
      tolerationSeconds: int64,
    },
  },
};

const intOrPercent = {
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: '^[0-9]+%$' },
  ],
};

/** apps/v1 Deployment, as Shipyard renders it. */
export const deploymentSchema = {
  $id: 'apps.v1.Deployment',
  definitions,
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'apps/v1' },
    kind: { const: 'Deployment' },
    metadata: { $ref: '#/definitions/ObjectMeta' },
    spec: {
      type: 'object',
      required: ['selector', 'template'],
      additionalProperties: false,
      properties: {
        replicas: nonNegativeInt32,
        revisionHistoryLimit: nonNegativeInt32,
        progressDeadlineSeconds: positiveInt32,
        strategy: {
          type: 'object',
          additionalProperties: false,
          properties: {
            type: { type: 'string', enum: ['Recreate', 'RollingUpdate'] },
            rollingUpdate: {
              type: 'object',
              additionalProperties: false,
              properties: {
                maxSurge: intOrPercent,
                maxUnavailable: intOrPercent,
              },
            },
          },
          if: { properties: { type: { const: 'Recreate' } } },
          then: { not: { required: ['rollingUpdate'] } },
        },
        selector: { $ref: '#/definitions/LabelSelector' },
        template: {
          type: 'object',
          required: ['metadata', 'spec'],
          additionalProperties: false,
          properties: {
            metadata: { $ref: '#/definitions/TemplateMeta' },
            spec: {
              type: 'object',
              required: ['containers'],
              additionalProperties: false,
              properties: {
                securityContext: { $ref: '#/definitions/PodSecurityContext' },
                containers: {
                  type: 'array',
                  minItems: 1,
                  items: { $ref: '#/definitions/Container' },
                },
                initContainers: {
                  type: 'array',
                  items: { $ref: '#/definitions/Container' },
                },
                volumes: {
                  type: 'array',
                  items: { $ref: '#/definitions/Volume' },
                },
                serviceAccountName: dns1123Subdomain,
                imagePullSecrets: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['name'],
                    additionalProperties: false,
                    properties: { name: dns1123Subdomain },
                  },
                },
                nodeSelector: labels,
                tolerations: {
                  type: 'array',
                  items: { $ref: '#/definitions/Toleration' },
                },
                terminationGracePeriodSeconds: { type: 'integer', minimum: 0 },
              },
            },
          },
        },
      },
    },
  },
};

/** v1 Service, as Shipyard renders it. */
export const serviceSchema = {
  $id: 'v1.Service',
  definitions,
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'v1' },
    kind: { const: 'Service' },
    metadata: {
      allOf: [
        { $ref: '#/definitions/ObjectMeta' },
        { properties: { name: dns1123Label } },
      ],
    },
    spec: {
      type: 'object',
      required: ['ports'],
      additionalProperties: false,
      properties: {
        type: {
          type: 'string',
          enum: ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'],
        },
        selector: labels,
        ports: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['port'],
            additionalProperties: false,
            properties: {
              name: ianaSvcName,
              port: portNumber,
              targetPort: { anyOf: [portNumber, ianaSvcName] },
              protocol,
            },
          },
        },
      },
    },
  },
};

/** autoscaling/v2 HorizontalPodAutoscaler, as Shipyard renders it. */
export const horizontalPodAutoscalerSchema = {
  $id: 'autoscaling.v2.HorizontalPodAutoscaler',
  definitions,
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'autoscaling/v2' },
    kind: { const: 'HorizontalPodAutoscaler' },
    metadata: { $ref: '#/definitions/ObjectMeta' },
    spec: {
      type: 'object',
      required: ['scaleTargetRef', 'maxReplicas'],
      additionalProperties: false,
      properties: {
        scaleTargetRef: {
          type: 'object',
          required: ['kind', 'name'],
          additionalProperties: false,
          properties: {
            apiVersion: { type: 'string' },
            kind: { type: 'string' },
            name: { type: 'string' },
          },
        },
        minReplicas: positiveInt32,
        maxReplicas: positiveInt32,
        metrics: {
          type: 'array',
          items: {
            type: 'object',
            required: ['type'],
            additionalProperties: false,
            properties: {
              type: {
                type: 'string',
                enum: [
                  'ContainerResource',
                  'External',
                  'Object',
                  'Pods',
                  'Resource',
                ],
              },
              resource: {
                type: 'object',
                required: ['name', 'target'],
                additionalProperties: false,
                properties: {
                  name: { type: 'string' },
                  target: {
                    type: 'object',
                    required: ['type'],
                    additionalProperties: false,
                    properties: {
                      type: {
                        type: 'string',
                        enum: ['AverageValue', 'Utilization', 'Value'],
                      },
                      averageUtilization: positiveInt32,
                      averageValue: quantity,
                      value: quantity,
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const hostName = {
  type: 'string',
  maxLength: 253,
  pattern:
    '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
};

/** networking.k8s.io/v1 Ingress, as Shipyard renders it. */
export const ingressSchema = {
  $id: 'networking.v1.Ingress',
  definitions,
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'networking.k8s.io/v1' },
    kind: { const: 'Ingress' },
    metadata: { $ref: '#/definitions/ObjectMeta' },
    spec: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ingressClassName: { type: 'string' },
        tls: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              hosts: { type: 'array', items: hostName },
              secretName: dns1123Subdomain,
            },
          },
        },
        rules: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              host: hostName,
              http: {
                type: 'object',
                required: ['paths'],
                additionalProperties: false,
                properties: {
                  paths: {
                    type: 'array',
                    minItems: 1,
                    items: {
                      type: 'object',
                      required: ['pathType', 'backend'],
                      additionalProperties: false,
                      properties: {
                        path: { type: 'string', pattern: '^/' },
                        pathType: {
                          type: 'string',
                          enum: ['Exact', 'Prefix', 'ImplementationSpecific'],
                        },
                        backend: {
                          type: 'object',
                          required: ['service'],
                          additionalProperties: false,
                          properties: {
                            service: {
                              type: 'object',
                              required: ['name', 'port'],
                              additionalProperties: false,
                              properties: {
                                name: dns1123Label,
                                port: {
                                  type: 'object',
                                  minProperties: 1,
                                  maxProperties: 1,
                                  additionalProperties: false,
                                  properties: {
                                    name: ianaSvcName,
                                    number: portNumber,
                                  },
                                },
                              },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

/** gateway.networking.k8s.io/v1 HTTPRoute, as Shipyard renders it. */
export const httpRouteSchema = {
  $id: 'gateway.v1.HTTPRoute',
  definitions,
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'gateway.networking.k8s.io/v1' },
    kind: { const: 'HTTPRoute' },
    metadata: { $ref: '#/definitions/ObjectMeta' },
    spec: {
      type: 'object',
      additionalProperties: false,
      properties: {
        parentRefs: {
          type: 'array',
          maxItems: 32,
          items: {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: { name: dns1123Subdomain, namespace: dns1123Label },
          },
        },
        hostnames: { type: 'array', maxItems: 16, items: hostName },
        rules: {
          type: 'array',
          maxItems: 16,
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              matches: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  properties: {
                    path: {
                      type: 'object',
                      additionalProperties: false,
                      properties: {
                        type: {
                          type: 'string',
                          enum: ['Exact', 'PathPrefix', 'RegularExpression'],
                        },
                        value: {
                          type: 'string',
                          pattern: '^/',
                          maxLength: 1024,
                        },
                      },
                    },
                  },
                },
              },
              backendRefs: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name'],
                  additionalProperties: false,
                  properties: { name: dns1123Subdomain, port: portNumber },
                },
              },
            },
          },
        },
      },
    },
  },
};

/** policy/v1 PodDisruptionBudget, as Shipyard renders it. */
export const podDisruptionBudgetSchema = {
  $id: 'policy.v1.PodDisruptionBudget',
  definitions,
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'policy/v1' },
    kind: { const: 'PodDisruptionBudget' },
    metadata: { $ref: '#/definitions/ObjectMeta' },
    spec: {
      type: 'object',
      additionalProperties: false,
      properties: {
        selector: { $ref: '#/definitions/LabelSelector' },
        minAvailable: intOrPercent,
        maxUnavailable: intOrPercent,
      },
      not: { required: ['minAvailable', 'maxUnavailable'] },
    },
  },
};
