import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('@sal/readouts', { setupFiles: ['../test-utils/src/setup-backend.ts'] });
