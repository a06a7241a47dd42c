import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Rolls prod back to the previous version that succeeded, with a reason',
    example: yaml.stringify({
      steps: [
        {
          id: 'rollback',
          action: 'shipyard:rollback',
          name: 'Roll back prod',
          input: {
            entityRef: 'component:default/payments',
            workspace: 'prod',
            toVersion: 'previous',
            reason: 'v12 leaks connections',
            wait: true,
          },
        },
      ],
    }),
  },
  {
    description: "Restores version 5's spec in staging as a new version",
    example: yaml.stringify({
      steps: [
        {
          id: 'rollback',
          action: 'shipyard:rollback',
          name: 'Roll back staging to v5',
          input: {
            entityRef: 'component:default/payments',
            workspace: 'staging',
            toVersion: 5,
          },
        },
      ],
    }),
  },
];
