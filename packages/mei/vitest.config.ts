import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('@sal/mei', { setupFiles: ['../test-utils/src/setup-backend.ts'] });
