import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('@sal/train', { setupFiles: ['../test-utils/src/setup-backend.ts'] });
