import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('@sal/cores', { setupFiles: ['../test-utils/src/setup-backend.ts'] });
