/*
 * Backstage's jest configuration for the Node 22 run (scripts/node22.mjs), with
 * better-sqlite3 resolved to the build for Node 22's ABI that the script made:
 * the one in node_modules is built for the Node that installed it (20).
 */
const betterSqlite3 = process.env.SHIPYARD_BETTER_SQLITE3;
if (!betterSqlite3) {
  throw new Error('SHIPYARD_BETTER_SQLITE3 is not set: run the Node 22 suites with node scripts/node22.mjs');
}

module.exports = require('@backstage/cli/config/jest').then(root => ({
  ...root,
  projects: root.projects.map(project => ({
    ...project,
    moduleNameMapper: { ...project.moduleNameMapper, '^better-sqlite3$': betterSqlite3 },
  })),
}));
