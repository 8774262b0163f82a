import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `vite build` puts the page (`dist/web`): the same path from src/ (tests, tsx) and from dist/ (built). */
export const CONSOLE_DIR = fileURLToPath(new URL('../dist/web/', import.meta.url));

/** Bounds on what is read into memory: a console build is a handful of files, well under these. */
const MAX_FILES = 256;
const MAX_BYTES = 32 * 1024 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
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
 * The page's headers: it loads only its own scripts and styles and talks only to its own origin
 * (the API), and no other site may frame it.
 */
const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface ConsoleFile {
  body: Buffer;
  headers: Record<string, string>;
}

/** The built console, read once: URL path (`/`, `/assets/index-abc123.js`) to its bytes and headers. */
export interface ConsoleAssets {
  dir: string;
  files: ReadonlyMap<string, ConsoleFile>;
}

/**
 * Reads the built console from `dir` (default {@link CONSOLE_DIR}) into memory, or gives
 * undefined when it is not built (no `index.html`). Only the files found here are ever served:
 * a request path is looked up in this table, never joined onto the file system.
 */
export async function loadConsoleAssets(dir = CONSOLE_DIR): Promise<ConsoleAssets | undefined> {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const files = new Map<string, ConsoleFile>();
  let bytes = 0;
  for (const path of await listFiles(dir)) {
    const size = (await stat(path)).size;
    bytes += size;
    if (files.size >= MAX_FILES || bytes > MAX_BYTES) throw new Error(`the console build in ${dir} has more than ${MAX_FILES} files or ${MAX_BYTES} bytes: not a console build`);
    const body = await readFile(path);
    const url = `/${relative(dir, path).split(sep).join('/')}`;
    files.set(url === '/index.html' ? '/' : url, { body, headers: headersFor(url, body) });
  }
  return { dir, files };
}

/** The file a request path names, if the build has it (`/` and `/index.html` are the page). */
export function consoleFile(assets: ConsoleAssets, urlPath: string): ConsoleFile | undefined {
  const path = urlPath.split('?')[0] ?? '/';
  return assets.files.get(path === '/index.html' ? '/' : path);
}

function headersFor(url: string, body: Buffer): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': TYPES[extname(url)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    'x-content-type-options': 'nosniff',
  };
  // Vite names built assets by their content hash: they never change under their name.
  if (url.startsWith('/assets/')) headers['cache-control'] = 'public, max-age=31536000, immutable';
  else headers['cache-control'] = 'no-cache';
  if (url === '/index.html') {
    headers['content-security-policy'] = PAGE_CSP;
    headers['referrer-policy'] = 'no-referrer';
  }
  return headers;
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
    if (out.length > MAX_FILES) break;
  }
  return out.sort();
}
