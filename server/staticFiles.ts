/**
 * The dashboard's files: `dist/ui` (built by `npm run build`, see vite.config.ts) served at `/`.
 * Only files under that folder can be reached: each path segment is decoded once and refused if
 * it could step outside (`..`, separators, NUL), and the joined path is checked to stay inside.
 * `/` is index.html. Vite's hashed assets are cached for good; index.html is revalidated so a
 * rebuilt dashboard is picked up on reload. Source maps (`*.map`) are not served unless asked
 * for: they publish the sources, and the build makes none unless KUBELIVE_SOURCEMAP=1.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname, extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * dist/ui beside the running code: from `dist/server/` (compiled) it is `dist/ui`; from
 * `server/` (the sources, as jest runs them) it is `<repo>/dist/ui`, never the `ui/` sources.
 */
export function defaultUiDir(): string {
  const parent = dirname(dirname(fileURLToPath(import.meta.url)));
  return basename(parent) === 'dist' ? join(parent, 'ui') : join(parent, 'dist', 'ui');
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kubelive</title></head>
<body>
<h1>kubelive</h1>
<p>The backend is running, but the dashboard has not been built: run <code>npm run build</code>
(<code>npm ci</code> does it) and reload. Meanwhile the API is here:</p>
<ul>
<li><a href="/api/v1/diagnostics">/api/v1/diagnostics</a></li>
<li><a href="/api/v1/snapshot/nodes">/api/v1/snapshot/nodes</a></li>
<li><a href="/healthz">/healthz</a></li>
</ul>
</body></html>
`;

/** The file a request path names inside `root`, or null when it names nothing servable. */
export function staticPath(root: string, pathname: string): string | null {
  if (pathname === '/' || pathname === '') return join(root, 'index.html');
  const segments: string[] = [];
  for (const raw of pathname.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return null;
    segments.push(segment);
  }
  if (segments.length === 0) return join(root, 'index.html');
  const file = join(root, ...segments);
  return file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : null;
}

/**
 * Serves a GET or HEAD for a dashboard file. Answers false (and writes nothing) when there is no
 * such file, so the caller can go on to its 404.
 */
export async function serveStatic(
  request: IncomingMessage,
  response: ServerResponse,
  pathname: string,
  options: { readonly sourceMaps?: boolean; readonly root?: string } = {},
): Promise<boolean> {
  const root = options.root ?? defaultUiDir();
  const file = staticPath(root, pathname);
  if (!file) return false;
  if (!options.sourceMaps && extname(file).toLowerCase() === '.map') return false;
  const info = await stat(file).catch(() => null);
  if (!info || !info.isFile()) {
    if (pathname !== '/' && pathname !== '/index.html') return false;
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
    response.end(request.method === 'HEAD' ? undefined : notBuiltPage);
    return true;
  }
  const type = contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream';
  // Vite names assets by content hash: a changed file is a new name.
  const immutable = file.includes(`${sep}assets${sep}`);
  response.writeHead(200, {
    'Content-Type': type,
    'Content-Length': String(info.size),
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  if (request.method === 'HEAD') {
    response.end();
    return true;
  }
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(file);
    stream.on('error', reject);
    response.on('close', resolve);
    stream.pipe(response);
  });
  return true;
}
