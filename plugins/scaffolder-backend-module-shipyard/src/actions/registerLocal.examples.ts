import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Registers the catalog-info.yaml a fetch:template step wrote, in a demo without a Git host',
    example: yaml.stringify({
      steps: [
        {
          id: 'fetch',
          action: 'fetch:template',
          name: 'Fetch skeleton',
          input: {
            url: './skeleton',
            values: { name: '${{ parameters.name }}' },
          },
        },
        {
          id: 'register',
          action: 'shipyard:catalog:register-local',
          name: 'Register',
          input: { catalogInfoPath: 'catalog-info.yaml' },
        },
      ],
    }),
  },
];
