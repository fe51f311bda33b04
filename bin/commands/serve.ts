/** `rectify serve`: the HTTP server from server/index.ts (loaded only when this command runs). */
import { defaultDbPath } from '../../model/registry.js';

export interface ServeOptions {
  host: string;
  port: number;
  db?: string;
  model?: string;
  apiKey?: string;
}

export async function runServe(opts: ServeOptions): Promise<void> {
  const { startServer } = await import('../../server/index.js');
  // startServer logs "listening on URL" itself, and handles SIGINT/SIGTERM with a graceful shutdown
  await startServer({
    host: opts.host,
    port: opts.port,
    db: opts.db ?? defaultDbPath(),
    modelDir: opts.model,
    apiKey: opts.apiKey,
    handleSignals: true,
  });
}
