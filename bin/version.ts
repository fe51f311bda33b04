/** The package version (reads package.json only; loads nothing heavy). */
export { packageVersion } from '../model/package.js';
