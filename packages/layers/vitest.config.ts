import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('@sal/layers', { setupFiles: ['../test-utils/src/setup-backend.ts'] });
