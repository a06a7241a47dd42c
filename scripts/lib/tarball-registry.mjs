/*
 * A read-only npm registry on 127.0.0.1 that serves the packages of a folder
 * of tarballs (the ones `npm pack` wrote), so that an app installs them with
 * the same `yarn add @shipyard/…` an adopter types against the real registry.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

// Older than any package manager's minimal-age gate (a new app's yarn refuses packages younger than 3 days).
const PUBLISHED = '2020-01-01T00:00:00.000Z';

/** Starts the registry on a free port; resolves to its URL, the package names and a stop function. */
export async function startTarballRegistry(dir) {
  const packages = new Map();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(req.url.split('?')[0]).slice(1);
    const tarball = [...packages.values()].find(p => path === `-/${p.file}`);
    if (tarball) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(tarball.data);
      return;
    }
    const pkg = packages.get(path);
    if (!pkg) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not found"}');
      return;
    }
    const { version } = pkg.manifest;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        name: path,
        'dist-tags': { latest: version },
        versions: { [version]: pkg.manifest },
        time: { created: PUBLISHED, modified: PUBLISHED, [version]: PUBLISHED },
      }),
    );
  });
  await new Promise(resolvePromise => server.listen(0, '127.0.0.1', resolvePromise));
  const url = `http://127.0.0.1:${server.address().port}`;
  for (const file of readdirSync(dir).filter(f => f.endsWith('.tgz'))) {
    const data = readFileSync(join(dir, file));
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', join(dir, file), 'package/package.json'], { encoding: 'utf8' }));
    manifest.dist = {
      tarball: `${url}/-/${file}`,
      shasum: createHash('sha1').update(data).digest('hex'),
      integrity: `sha512-${createHash('sha512').update(data).digest('base64')}`,
    };
    packages.set(manifest.name, { file, data, manifest });
  }
  return { url, names: [...packages.keys()], stop: () => new Promise(r => server.close(r)) };
}
