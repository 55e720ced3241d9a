import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('@sal/test-utils', { setupFiles: ['./src/setup-backend.ts'] });
