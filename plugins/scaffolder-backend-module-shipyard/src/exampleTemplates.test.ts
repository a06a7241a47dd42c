import { Entity } from '@backstage/catalog-model';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  ScaffolderWithShipyard,
  startScaffolderWithShipyard,
} from './__testUtils__/startScaffolderWithShipyard';

/*
 * The example templates of examples/templates, run by the real scaffolder as
 * the demo catalog registers them: from their files, with the local catalog
 * directory the demo's app-config.yaml configures.
 */

jest.setTimeout(60_000);

const TEMPLATES = resolve(__dirname, '../../../examples/templates');

async function loadTemplate(name: string): Promise<Entity> {
  const file = join(TEMPLATES, name, 'template.yaml');
  const entity = parse(await readFile(file, 'utf8')) as Entity;
  entity.metadata.namespace = 'default';
  entity.metadata.annotations = {
    ...entity.metadata.annotations,
    'backstage.io/managed-by-location': `file:${file}`,
  };
  return entity;
}

/** A template's directory as the template editor sends it to a dry run. */
async function filesOf(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, {
    recursive: true,
    withFileTypes: true,
  })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files[relative(dir, path)] = await readFile(path, 'utf8');
    }
  }
  return files;
}

describe('the example templates', () => {
  let app: ScaffolderWithShipyard;
  let directory: string;
  let newService: Entity;
  let release: Entity;
  const versionsOf = async (name: string, workspace: string) =>
    (
      await app.shipyard(
        'get',
        `/services/component/default/${name}/workspaces/${workspace}/versions`,
      )
    ).items;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'scaffolded-services-'));
    newService = await loadTemplate('new-service');
    release = await loadTemplate('release');
    app = await startScaffolderWithShipyard({
      templates: [newService, release],
      localCatalog: {
        directory,
        location: 'location:default/scaffolded-services',
      },
    });
  });
  afterAll(async () => {
    await app.stop();
    await rm(directory, { recursive: true, force: true });
  });

  const newServiceValues = (name: string) => ({
    name,
    description: 'Counts what is in stock',
    owner: 'group:default/team-a',
    image: `ghcr.io/acme/${name}:1.0.0`,
    port: 8080,
    replicas: 1,
  });

  it('"New service" in a dry run validates the spec file and registers and deploys nothing', async () => {
    const result = await app.dryRun(
      newService,
      newServiceValues('stock'),
      await filesOf(join(TEMPLATES, 'new-service')),
    );
    expect(result.error).toBeUndefined();
    expect(result.log).toContainEqual(
      expect.stringMatching(
        /^Dry run: would write component:default\/stock to .*component\.default\.stock\.yaml$/,
      ),
    );
    expect(result.log).toContainEqual(
      'Dry run: would deploy component:default/stock to dev as v1',
    );
    expect(await readdir(directory)).toEqual([]);
  });

  it('"New service" creates the catalog entity with the shipyard annotations, registers it and deploys v1 to dev', async () => {
    const task = await app.run(
      'shipyard-new-service',
      newServiceValues('inventory'),
    );
    expect(task.error).toBeUndefined();
    expect(task.status).toBe('completed');
    expect(task.output).toMatchObject({
      links: [
        {
          title: 'Versions',
          url: 'http://localhost:3000/catalog/default/component/inventory/versions?workspace=dev',
        },
        { title: 'Open in catalog', entityRef: 'component:default/inventory' },
      ],
      text: [{ title: 'Deployed', content: 'v1 in dev is succeeded' }],
    });
    const written = parse(
      await readFile(
        join(directory, 'component.default.inventory.yaml'),
        'utf8',
      ),
    );
    expect(written).toMatchObject({
      kind: 'Component',
      metadata: {
        name: 'inventory',
        description: 'Counts what is in stock',
        annotations: {
          'shipyard/workspaces': 'dev, staging, prod',
          'shipyard/promotion': 'dev -> staging -> prod',
        },
      },
      spec: { type: 'service', owner: 'group:default/team-a' },
    });
    const [v1] = await versionsOf('inventory', 'dev');
    expect(v1).toMatchObject({
      number: 1,
      status: 'succeeded',
      origin: { type: 'scaffolder' },
      spec: {
        image: 'ghcr.io/acme/inventory:1.0.0',
        ports: [{ name: 'http', port: 8080 }],
        replicas: 1,
      },
    });
  });

  it('"Release" plans, then promotes exactly that plan', async () => {
    await app.shipyard(
      'post',
      '/services/component/default/inventory/workspaces/dev/versions?wait=true',
      {
        spec: {
          image: 'ghcr.io/acme/inventory:1.1.0',
          ports: [{ name: 'http', port: 8080 }],
          env: { NEW_FLAG: 'on' },
          replicas: 1,
        },
      },
    );
    const task = await app.run('shipyard-release', {
      service: 'component:default/inventory',
      source: 'dev',
      target: 'staging',
      reason: 'release 1.1.0',
    });
    expect(task.error).toBeUndefined();
    const [v1] = await versionsOf('inventory', 'staging');
    expect(v1).toMatchObject({
      status: 'succeeded',
      origin: { type: 'promotion', workspace: 'dev', version: 2 },
      message: 'release 1.1.0',
      spec: { image: 'ghcr.io/acme/inventory:1.1.0' },
    });
    expect(task.output.text[0].content).toMatch(
      /^v1 in staging is succeeded \(plan [0-9a-f]{64}\)$/,
    );
  });

  it('"Release" stops at the plan while a new env key has no value, and runs once the form gives it', async () => {
    await app.shipyard(
      'post',
      '/services/component/default/inventory/workspaces/dev/versions?wait=true',
      {
        spec: {
          image: 'ghcr.io/acme/inventory:1.2.0',
          ports: [{ name: 'http', port: 8080 }],
          env: { NEW_FLAG: 'on', CACHE_URL: 'redis://cache.dev' },
          replicas: 1,
        },
      },
    );
    const values = {
      service: 'component:default/inventory',
      source: 'dev',
      target: 'staging',
    };
    const blocked = await app.run('shipyard-release', values);
    expect(blocked.status).toBe('failed');
    expect(blocked.error).toContain('env.CACHE_URL is new in dev');
    expect(blocked.log).toContainEqual('Beginning step Plan');
    expect(blocked.log).not.toContainEqual('Beginning step Promote');

    const task = await app.run('shipyard-release', {
      ...values,
      env: { CACHE_URL: 'redis://cache.staging' },
    });
    expect(task.error).toBeUndefined();
    expect((await versionsOf('inventory', 'staging'))[0].spec.env).toEqual({
      NEW_FLAG: 'on',
      CACHE_URL: 'redis://cache.staging',
    });
  });
});
