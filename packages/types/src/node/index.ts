/** Node-only helpers shared by the packages' `./node` entries (files); the main entry stays portable. */
export { writeFileAtomic, tempNameBeside } from './atomic.js';
