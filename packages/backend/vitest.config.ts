import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('@sal/backend', { setupFiles: ['../test-utils/src/setup-backend.ts'] });
