/*
 * Preloaded (--require) into every Node 22 process of the Node 22 run that
 * jest does not load itself, e.g. the backends some tests spawn: resolves
 * better-sqlite3 to the build for Node 22's ABI, as jest.config.cjs does
 * inside jest.
 */
const Module = require('node:module');

const betterSqlite3 = process.env.SHIPYARD_BETTER_SQLITE3;
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveBetterSqlite3(request, ...rest) {
  return resolveFilename.call(this, request === 'better-sqlite3' && betterSqlite3 ? betterSqlite3 : request, ...rest);
};
