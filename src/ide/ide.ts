import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Config } from '../shared/config';
import { DEFAULT_QUERY, IDE_CLIENT_SCRIPT, IDE_FAVICON, IDE_STYLES, renderIdePage, type IdePageSettings } from './ide-page';
import { loadSavedOperations } from './saved-operations';

const gzip = promisify(gzipCallback);

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const SOURCE_MAP = 'application/json; charset=utf-8';
const SVG = 'image/svg+xml';
const WOFF2 = 'font/woff2';
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The one inline <style> GraphiQL writes: react-remove-scroll-bar's, while a dialog is open
 * (settings, shortcuts). Its text depends only on the page's scrollbar gap and body margins,
 * which our stylesheet holds at 0 (no body scrollbar, no margin), so one hash allows it and
 * nothing else. test/integration/ide.test.ts opens a dialog and fails on any CSP violation.
 */
const SCROLL_LOCK_STYLE_HASH = "'sha256-Y/huXlwoYkVyQlxwSVcCi1RCDGDCSVBzDt0hYP9qlTc='";

/**
 * Only our origin. GraphiQL 3 (CodeMirror 5, React) needs no eval and no worker, and styles
 * elements through the CSSOM, which CSP does not govern (the explorer plugin too). Fonts: the
 * editor's monospace font is ours (`'self'`, Roboto Mono from @fontsource, see MONO_FONT); the
 * sans-serif Roboto stays the data: URLs inside graphiql.min.css, which already cover
 * Vietnamese. `connect-src 'self'` covers the same-origin ws:/wss: socket for subscriptions
 * (CSP Level 3).
 */
const IDE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'self' ${SCROLL_LOCK_STYLE_HASH}`,
  "font-src 'self' data:",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  type: string;
  cache: string;
  /** A file inside node_modules, read on first request... */
  file?: string;
  /** ...or content of our own. */
  content?: string;
  /** False for files that are compressed already (woff2): sent as they are. */
  gzip?: boolean;
}

interface LoadedAsset {
  /**
   * The file as it is, kept only when it is what gets sent (content of our own, files sent as
   * they are): a compressed file's original (GraphiQL's bundle is 3.5 MB, its source map 5.9 MB)
   * is read again for the rare client that does not take gzip, instead of being held for the
   * process's life.
   */
  body: Buffer | null;
  /** Null when the asset is sent as it is. */
  gzipped: Buffer | null;
  /** Content hash, quoted into the ETag. */
  etag: string;
}

function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(path.join(packageDir(name), 'package.json'), 'utf8')) as { version: string }).version;
}

const shortHash = (content: string) => createHash('sha256').update(content).digest('hex').slice(0, 12);

/**
 * The editor's monospace font. GraphiQL inlines Fira Code, which has no Vietnamese subset: a
 * letter with two marks ("ố", "ẩ", "ự") is drawn as its base and a detached combining mark
 * ("phô´"). Roboto Mono (Roboto's monospace sibling, the sans-serif GraphiQL already uses)
 * ships a `vietnamese` subset; @fontsource splits each weight into unicode-range subsets, so
 * the browser fetches only the files the text needs. Weights: 400 (text), 500 (GraphiQL's
 * medium) and 700 (bold tokens), plus 400 italic.
 */
const MONO_FONT = { pkg: '@fontsource/roboto-mono', stylesheets: ['400.css', '400-italic.css', '500.css', '700.css'] };

/**
 * @fontsource's @font-face rules with every url() pointing at our own copy of the woff2 file
 * (served beside the stylesheet, so a relative URL) and the woff fallback dropped: every
 * browser GraphiQL 3 runs in reads woff2.
 */
function monoFontFaces(): { css: string; files: Map<string, string> } {
  const dir = packageDir(MONO_FONT.pkg);
  const version = packageVersion(MONO_FONT.pkg);
  const stem = MONO_FONT.pkg.split('/').pop()!;
  const files = new Map<string, string>();
  const css = MONO_FONT.stylesheets
    .map((sheet) => readFileSync(path.join(dir, sheet), 'utf8'))
    .join('\n')
    .replace(/src:\s*url\(\.\/files\/([\w.-]+\.woff2)\)\s*format\('woff2'\)(?:\s*,\s*url\([^)]*\)\s*format\('woff'\))?/g, (_all, file: string) => {
      // roboto-mono-vietnamese-400-normal.woff2 -> roboto-mono-5.3.0-vietnamese-400-normal.woff2
      const name = `${stem}-${version}-${file.startsWith(`${stem}-`) ? file.slice(stem.length + 1) : file}`;
      files.set(name, path.join(dir, 'files', file));
      return `src: url(${name}) format('woff2')`;
    });
  if (files.size === 0 || /\.woff\)|\.\/files\//.test(css)) throw new Error(`Unexpected @font-face rules in ${MONO_FONT.pkg}; update monoFontFaces().`);
  return { css, files };
}

/**
 * Every file the page loads, by the name it is served under. Names carry the package version
 * or a content hash, so they can be cached for a year and a new release is fetched anew.
 */
function ideAssets(): { assets: Map<string, Asset>; stylesheets: string[]; scripts: string[]; favicon: string } {
  const graphiql = packageDir('graphiql');
  const explorer = packageDir('@graphiql/plugin-explorer');
  const versioned = (pkg: string, suffix: string) => `${pkg.replace(/^@/, '').replace('/', '-')}-${packageVersion(pkg)}${suffix}`;
  const own = (stem: string, suffix: string, content: string) => `${stem}-${shortHash(content)}${suffix}`;
  const mono = monoFontFaces();
  const names = {
    graphiqlCss: versioned('graphiql', '.min.css'),
    explorerCss: versioned('@graphiql/plugin-explorer', '.css'),
    monoFontCss: own('roboto-mono', '.css', mono.css),
    ideCss: own('ide', '.css', IDE_STYLES),
    react: versioned('react', '.production.min.js'),
    reactDom: versioned('react-dom', '.production.min.js'),
    graphqlWs: versioned('graphql-ws', '.min.js'),
    graphiqlJs: versioned('graphiql', '.min.js'),
    explorerJs: versioned('@graphiql/plugin-explorer', '.umd.js'),
    ideJs: own('ide', '.js', IDE_CLIENT_SCRIPT),
    favicon: own('favicon', '.svg', IDE_FAVICON),
  };
  const assets = new Map<string, Asset>([
    [names.graphiqlCss, { type: CSS, cache: IMMUTABLE, file: path.join(graphiql, 'graphiql.min.css') }],
    [names.explorerCss, { type: CSS, cache: IMMUTABLE, file: path.join(explorer, 'dist', 'style.css') }],
    [names.monoFontCss, { type: CSS, cache: IMMUTABLE, content: mono.css }],
    ...[...mono.files].map(([name, file]): [string, Asset] => [name, { type: WOFF2, cache: IMMUTABLE, file, gzip: false }]),
    [names.ideCss, { type: CSS, cache: IMMUTABLE, content: IDE_STYLES }],
    [names.react, { type: JS, cache: IMMUTABLE, file: path.join(packageDir('react'), 'umd', 'react.production.min.js') }],
    [names.reactDom, { type: JS, cache: IMMUTABLE, file: path.join(packageDir('react-dom'), 'umd', 'react-dom.production.min.js') }],
    [names.graphqlWs, { type: JS, cache: IMMUTABLE, file: path.join(packageDir('graphql-ws'), 'umd', 'graphql-ws.min.js') }],
    [names.graphiqlJs, { type: JS, cache: IMMUTABLE, file: path.join(graphiql, 'graphiql.min.js') }],
    // Expects the globals React and GraphiQL (GraphiQL.React, GraphiQL.GraphQL): loaded after them.
    [names.explorerJs, { type: JS, cache: IMMUTABLE, file: path.join(explorer, 'dist', 'index.umd.js') }],
    [names.ideJs, { type: JS, cache: IMMUTABLE, content: IDE_CLIENT_SCRIPT }],
    [names.favicon, { type: SVG, cache: IMMUTABLE, content: IDE_FAVICON }],
    // GraphiQL's bundles name their source maps without a version; only DevTools asks for them.
    ['graphiql.min.js.map', { type: SOURCE_MAP, cache: 'no-cache', file: path.join(graphiql, 'graphiql.min.js.map') }],
    ['graphiql.min.css.map', { type: SOURCE_MAP, cache: 'no-cache', file: path.join(graphiql, 'graphiql.min.css.map') }],
  ]);
  return {
    assets,
    stylesheets: [names.graphiqlCss, names.explorerCss, names.monoFontCss, names.ideCss],
    scripts: [names.react, names.reactDom, names.graphqlWs, names.graphiqlJs, names.explorerJs, names.ideJs],
    favicon: names.favicon,
  };
}

/** A browser navigating here: it names text/html and prefers it to the JSON a GraphQL client asks for. */
function wantsHtml(req: Request): boolean {
  if (!/\btext\/html\b/i.test(req.headers.accept ?? '')) return false;
  return req.accepts(['text/html', 'application/graphql-response+json', 'application/json']) === 'text/html';
}

function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * Serves the offline GraphQL IDE (GraphiQL) to browsers on `GET <endpoint>`, from files in
 * node_modules under `<endpoint>/ide/assets/`; nothing is fetched from another origin. Any other
 * GET (a GraphQL client's query) falls through to the next handler. Mount it before the GraphQL
 * middleware. With `ideEnabled` false it mounts nothing.
 */
export function mountIde(app: Express, config: Pick<Config, 'ideEnabled'>, endpoint = '/graphql'): void {
  if (!config.ideEnabled) return;
  const { assets, stylesheets, scripts, favicon } = ideAssets();
  const base = `${endpoint}/ide/assets`;
  const url = (name: string) => `${base}/${name}`;
  const pageAssets = { stylesheets: stylesheets.map(url), scripts: scripts.map(url), favicon: url(favicon) };
  // Read once at mount: editing a question takes a restart, as any change to the server does.
  const savedQuestions = loadSavedOperations().map((operation) => operation.document);

  // Read and compress each file once, on first request: no start-up cost when nobody opens the IDE.
  const loaded = new Map<string, Promise<LoadedAsset>>();
  const load = (name: string, asset: Asset): Promise<LoadedAsset> => {
    let entry = loaded.get(name);
    if (!entry) {
      entry = (async () => {
        const body = asset.file ? await readFile(asset.file) : Buffer.from(asset.content ?? '', 'utf8');
        const etag = createHash('sha256').update(body).digest('base64url').slice(0, 27);
        return { body: asset.file && asset.gzip !== false ? null : body, gzipped: asset.gzip === false ? null : await gzip(body), etag };
      })();
      entry.catch(() => loaded.delete(name)); // a failed read is retried next time
      loaded.set(name, entry);
    }
    return entry;
  };

  app.get(`${base}/:name`, async (req: Request, res: Response) => {
    const name = String(req.params.name);
    const asset = assets.get(name);
    res.set('X-Content-Type-Options', 'nosniff');
    if (!asset) {
      res.status(404).type('text/plain').send(`No IDE asset named "${name}". Reload ${endpoint} to get the current names.`);
      return;
    }
    const { body, gzipped, etag } = await load(name, asset);
    const useGzip = gzipped !== null && req.acceptsEncodings('gzip', 'identity') === 'gzip';
    const sent = useGzip && gzipped ? gzipped : (body ?? (await readFile(asset.file as string)));
    res.set({
      'Content-Type': asset.type,
      'Cache-Control': asset.cache,
      'Cross-Origin-Resource-Policy': 'same-origin',
      // Each encoding is its own representation, so its own validator.
      ETag: useGzip ? `"${etag}-gz"` : `"${etag}"`,
      Vary: 'Accept-Encoding',
    });
    if (useGzip) res.set('Content-Encoding', 'gzip');
    // res.send answers 304 itself when the request's If-None-Match matches the ETag.
    res.send(sent);
  });

  app.get(endpoint, (req: Request, res: Response, next: NextFunction) => {
    res.vary('Accept'); // the same URL answers HTML or JSON depending on Accept
    if (!wantsHtml(req)) {
      next();
      return;
    }
    const settings: IdePageSettings = {
      endpoint,
      defaultQuery: DEFAULT_QUERY,
      savedQuestions,
      query: stringParam(req.query.query),
      variables: stringParam(req.query.variables),
      operationName: stringParam(req.query.operationName),
    };
    res
      .status(200)
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': IDE_CONTENT_SECURITY_POLICY,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        'X-Frame-Options': 'DENY',
        'Referrer-Policy': 'no-referrer',
        'Cross-Origin-Opener-Policy': 'same-origin',
      })
      .send(renderIdePage(settings, pageAssets));
  });
}
