import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('@sal/cli', { setupFiles: ['../test-utils/src/setup-backend.ts'], testTimeout: 300_000 });
