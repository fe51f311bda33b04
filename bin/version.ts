/** The package version, read from package.json without loading anything else. */
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'rectify' && pkg.version) return pkg.version;
    } catch {
      // try the next location (dist/bin/ or bin/)
    }
  }
  return 'unknown';
}
