import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { ConflictError, InputError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { examples } from './registerLocal.examples';
import { waitForEntity } from './waitForEntity';

/** Where `shipyard:catalog:register-local` writes, from `shipyard.scaffolder.localCatalog`. @public */
export interface LocalCatalogOptions {
  catalog: CatalogService;
  /** The directory a `file` Location's glob covers. */
  directory: string;
  /** That Location's entity ref, refreshed after each write. */
  location: string;
}

/**
 * `shipyard:catalog:register-local`: for installations without a Git host,
 * such as the local demo. Writes the workspace's catalog-info.yaml into a
 * directory that a `file` catalog Location reads, refreshes that Location and
 * waits until the catalog has the entity. The stock `catalog:register` only
 * takes URLs that a URL reader can fetch (a Git host or an allowed HTTP
 * host), and the catalog API only accepts `url` locations.
 * @public
 */
export function createShipyardRegisterLocalAction(
  options: LocalCatalogOptions,
) {
  const { catalog, location } = options;
  const directory = resolve(options.directory);
  return createTemplateAction({
    id: 'shipyard:catalog:register-local',
    description:
      "Writes the workspace's catalog-info.yaml to the local catalog directory and waits until the catalog has the entity (local development; not for production)",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        catalogInfoPath: z =>
          z
            .string()
            .optional()
            .describe(
              'The entity file in the task workspace; defaults to catalog-info.yaml',
            ),
      },
      output: {
        entityRef: z =>
          z
            .string()
            .describe('The registered entity, e.g. component:default/x'),
        filePath: z => z.string().describe('Where the file was written'),
      },
    },
    async handler(ctx) {
      const source = ctx.input.catalogInfoPath ?? 'catalog-info.yaml';
      const text = await readFile(
        resolveSafeChildPath(ctx.workspacePath, source),
        'utf8',
      ).catch(error => {
        throw new InputError(
          `catalogInfoPath: cannot read ${source} in the task workspace: ${error.message}`,
        );
      });
      const entity = mainEntity(text, source);
      const entityRef = stringifyEntityRef(entity);
      const filePath = join(
        directory,
        `${entityRef.replace(/[:/]/g, '.').toLocaleLowerCase('en-US')}.yaml`,
      );
      const credentials = await ctx.getInitiatorCredentials();
      if (await catalog.getEntityByRef(entityRef, { credentials })) {
        throw new ConflictError(`${entityRef} is already in the catalog`);
      }
      ctx.output('entityRef', entityRef);
      ctx.output('filePath', filePath);
      if (ctx.isDryRun) {
        ctx.logger.info(`Dry run: would write ${entityRef} to ${filePath}`);
        return;
      }

      await mkdir(directory, { recursive: true });
      await writeFile(filePath, text, { flag: 'wx' }).catch(error => {
        throw error.code === 'EEXIST'
          ? new ConflictError(
              `${filePath} already exists; the catalog has not ingested it yet, or it is invalid`,
            )
          : error;
      });
      ctx.logger.info(
        `Wrote ${entityRef} to ${filePath}; refreshing ${location}`,
      );
      await catalog.refreshEntity(location, { credentials });
      await waitForEntity(catalog, entityRef, credentials, {
        logger: ctx.logger,
        signal: ctx.signal,
        timeoutMs: 120_000,
      });
      ctx.logger.info(`The catalog has ${entityRef}`);
    },
  });
}

/** The file's Component, or its first entity. */
function mainEntity(text: string, source: string): Entity {
  const entities = parseAllDocuments(text).map(document => {
    if (document.errors.length) {
      throw new InputError(`${source}: ${document.errors[0].message}`);
    }
    return document.toJS() as Entity;
  });
  const valid = entities.filter(
    e =>
      e && typeof e.kind === 'string' && typeof e.metadata?.name === 'string',
  );
  const entity = valid.find(e => e.kind === 'Component') ?? valid[0];
  if (!entity) {
    throw new InputError(`${source}: no entity with a kind and metadata.name`);
  }
  return entity;
}
