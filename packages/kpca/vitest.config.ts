import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('@sal/kpca', { setupFiles: ['../test-utils/src/setup-backend.ts'] });
