import { packageTestConfig } from '../../vitest.shared.ts';

const config = packageTestConfig('@sal/cli', { setupFiles: ['../test-utils/src/setup-backend.ts'], testTimeout: 300_000 });
// pg (CommonJS, under @sal/jobs) requires pg-pool, whose "import" condition is an ES module: Node must resolve it as require does
const ssr = config.ssr as { resolve: { conditions: string[]; externalConditions: string[] } };
ssr.resolve.conditions = ssr.resolve.conditions.filter((c) => c !== 'import' && c !== 'module');
ssr.resolve.externalConditions = ssr.resolve.conditions;
export default config;
