import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('@sal/test-utils', { setupFiles: ['../test-utils/src/setup-backend.ts'] });
