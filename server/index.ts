/**
 * startServer: the app listening on host:port, with graceful shutdown (stop accepting, let in-flight
 * requests finish, cancel the running job, close the store), on SIGTERM/SIGINT when handleSignals.
 * Refuses a non-loopback address without an API key.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultDbPath } from '../model/registry.js';
import { createApp, type AppConfig } from './app.js';

export { createApp, type AppConfig, type AppHandle } from './app.js';

export interface ServerOptions {
  host: string;
  port: number;
  db: string;
  modelDir?: string;
  /** Defaults to RECTIFY_API_KEY. */
  apiKey?: string;
  handleSignals?: boolean;
  log?: (line: string) => void;
  /** Further app settings (backend, limits, …). */
  app?: Partial<AppConfig>;
  /** How long in-flight requests may take to finish at shutdown before their connections are cut (ms). Default 10 s. */
  drainMs?: number;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;

/**
 * The environment equivalents of the serve flags (flags win): HOST, PORT, RECTIFY_DB (else
 * RECTIFY_HOME/rectify.db), RECTIFY_MODEL, RECTIFY_API_KEY.
 */
export function serveDefaults(env: NodeJS.ProcessEnv = process.env): Pick<ServerOptions, 'host' | 'port' | 'db' | 'modelDir' | 'apiKey'> {
  const port = env.PORT === undefined || env.PORT === '' ? DEFAULT_PORT : Number(env.PORT);
  return { host: env.HOST || DEFAULT_HOST, port, db: defaultDbPath(env), modelDir: env.RECTIFY_MODEL || undefined, apiKey: env.RECTIFY_API_KEY || undefined };
}

/** 127.0.0.0/8, ::1 and localhost. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(h);
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const reason = err.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use` : err.code === 'EACCES' ? `no permission to listen on port ${port}` : err.message;
      reject(new Error(`cannot listen on ${host}:${port}: ${reason}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const apiKey = options.apiKey || process.env.RECTIFY_API_KEY || undefined;
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new Error(`port: must be an integer from 0 to 65535, got ${options.port}`);
  if (!isLoopback(options.host) && !apiKey) {
    throw new Error(`refusing to listen on ${options.host || 'all interfaces'} without an API key: set RECTIFY_API_KEY (or --api-key), or listen on 127.0.0.1`);
  }
  const handle = createApp({ ...options.app, db: options.db, modelDir: options.modelDir, apiKey, log });
  const server = createServer(handle.app);
  try {
    await handle.ready;
    const address = await listen(server, options.port, options.host);
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    log(`rectify serve: listening on ${url}${apiKey ? ' (write endpoints need the API key)' : ''}`);

    let closing: Promise<void> | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (closing) {
        log(`rectify serve: ${signal} again, exiting now`);
        process.exit(1);
      }
      log(`rectify serve: ${signal}: shutting down`);
      close().then(
        () => setTimeout(() => process.exit(0), 1000).unref(),
        (err: Error) => {
          log(`rectify serve: shutdown failed: ${err.message}`);
          process.exit(1);
        },
      );
    };
    const close = () =>
      (closing ??= (async () => {
        if (options.handleSignals) for (const s of ['SIGTERM', 'SIGINT'] as const) process.off(s, onSignal);
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        // keep-alive connections go as soon as their in-flight request is answered; stragglers are cut after drainMs
        server.closeIdleConnections();
        const sweep = setInterval(() => server.closeIdleConnections(), 25);
        const cut = setTimeout(() => server.closeAllConnections(), options.drainMs ?? 10_000);
        cut.unref();
        void drained.then(() => clearInterval(sweep));
        const jobStopped = handle.context.jobs.shutdown(); // cancel the job while requests drain
        await drained;
        await jobStopped;
        await handle.close();
        clearTimeout(cut);
        log('rectify serve: stopped');
      })());
    if (options.handleSignals) for (const s of ['SIGTERM', 'SIGINT'] as const) process.on(s, onSignal);
    return { url, close };
  } catch (err) {
    server.close();
    await handle.close();
    throw err;
  }
}
