import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Promotes staging to prod, giving the value of an env key that is new in staging',
    example: yaml.stringify({
      steps: [
        {
          id: 'promote',
          action: 'shipyard:promote',
          name: 'Promote to prod',
          input: {
            entityRef: 'component:default/payments',
            source: 'staging',
            target: 'prod',
            inputs: {
              env: {
                FLAGS_URL: 'https://flags.acme.com',
                API_KEY: { secretKeyRef: { name: 'payments-api', key: 'key' } },
              },
            },
            reason: 'Release 1.4.2',
            wait: true,
          },
        },
      ],
    }),
  },
  {
    description:
      'Shows the plan in one step, then executes exactly that plan in the next',
    example: yaml.stringify({
      steps: [
        {
          id: 'plan',
          action: 'shipyard:promote',
          name: 'Plan',
          input: {
            entityRef: '${{ parameters.service }}',
            source: 'dev',
            target: 'staging',
            planOnly: true,
          },
        },
        {
          id: 'promote',
          action: 'shipyard:promote',
          name: 'Promote',
          input: {
            entityRef: '${{ parameters.service }}',
            source: 'dev',
            target: 'staging',
            planHash: '${{ steps.plan.output.plan.planHash }}',
            wait: true,
          },
        },
      ],
    }),
  },
];
