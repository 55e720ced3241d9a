import { packageTestConfig } from '../../vitest.shared.ts';

const config = packageTestConfig('@sal/jobs', { testTimeout: 60_000 });
// one real PostgreSQL server for the suite, started and stopped by the global setup
(config.test as { globalSetup?: string[] }).globalSetup = ['./test/global-setup.ts'];
// pg (CommonJS) requires pg-pool, whose "import" condition is an ES module: Node must resolve it as require does
const ssr = config.ssr as { resolve: { conditions: string[]; externalConditions: string[] } };
ssr.resolve.conditions = ssr.resolve.conditions.filter((c) => c !== 'import' && c !== 'module');
ssr.resolve.externalConditions = ssr.resolve.conditions;
export default config;
