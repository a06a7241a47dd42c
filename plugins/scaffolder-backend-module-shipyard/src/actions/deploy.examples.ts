import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description: 'Deploys an inline spec to dev and waits for the rollout',
    example: yaml.stringify({
      steps: [
        {
          id: 'deploy',
          action: 'shipyard:deploy',
          name: 'Deploy to dev',
          input: {
            entityRef: 'component:default/payments',
            workspace: 'dev',
            spec: {
              image: 'ghcr.io/acme/payments:1.4.2',
              ports: [{ name: 'http', port: 8080 }],
              env: { LOG_LEVEL: 'info' },
              replicas: 2,
              readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
            },
            message: 'First release',
            wait: true,
          },
        },
      ],
    }),
  },
  {
    description:
      'Deploys the spec file a previous step wrote into the task workspace',
    example: yaml.stringify({
      steps: [
        {
          id: 'deploy',
          action: 'shipyard:deploy',
          name: 'Deploy v1',
          input: {
            entityRef: '${{ steps.register.output.entityRef }}',
            workspace: 'dev',
            specFile: 'shipyard.yaml',
            message: 'Created from the New service template',
            wait: true,
          },
        },
      ],
      output: {
        links: [{ title: 'Versions', url: '${{ steps.deploy.output.url }}' }],
      },
    }),
  },
];
