import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('@sal/study', { setupFiles: ['../test-utils/src/setup-backend.ts'] });
