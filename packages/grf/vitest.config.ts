import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('@sal/grf', { setupFiles: ['../test-utils/src/setup-backend.ts'] });
