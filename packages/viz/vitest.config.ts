import { packageTestConfig } from '../../vitest.shared.ts';

export default packageTestConfig('@sal/viz', { setupFiles: ['./test/setup-rasterizer.ts'] });
