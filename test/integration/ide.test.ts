import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import { buildSchema, graphql } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { mountIde } from '../../src/ide/ide';
import { DEFAULT_QUERY } from '../../src/ide/ide-page';
import { itWithBrowser, useBrowser } from '../helpers/browser';
import { useTestServer } from '../helpers/seed';
import { startTestServer } from '../helpers/server';

const BROWSER_HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const ORGANISATIONS = '{ organisations(first: 3) { edges { node { name } } } }';

const browser = useBrowser();
const t = useTestServer();

interface Watched {
  page: Page;
  /** Every URL the page asked for (documents, scripts, styles, fonts, fetches, sockets). */
  requests: string[];
  /** Uncaught errors and console errors. */
  problems: string[];
  cspViolations(): Promise<string[]>;
}

/** A fresh browser context (empty localStorage) that records what the page does. */
async function openWatchedPage(): Promise<Watched> {
  const page = await (await browser()).newPage({ viewport: { width: 1400, height: 900 } });
  const requests: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('websocket', (socket) => requests.push(socket.url()));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  // Browser-side code as text: this project compiles without the DOM library.
  await page.addInitScript({
    content: `window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.effectiveDirective + ' ' + e.blockedURI));`,
  });
  const cspViolations = () => page.evaluate('window.cspViolations') as Promise<string[]>;
  return { page, requests, problems, cspViolations };
}

/** The text of one of GraphiQL's CodeMirror editors, read through CodeMirror itself. */
function editorValue(page: Page, selector: string): Promise<string> {
  return page.$eval(`${selector} .CodeMirror`, (element) => (element as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue());
}

async function setQuery(page: Page, query: string): Promise<void> {
  await page.$eval('.graphiql-query-editor .CodeMirror', (element, text) => {
    (element as unknown as { CodeMirror: { setValue(value: string): void } }).CodeMirror.setValue(text);
  }, query);
}

/** Runs the editor's operation and waits until the response pane holds JSON with `needle`. */
async function runAndReadResponse(page: Page, needle: string): Promise<any> {
  await page.click('.graphiql-execute-button');
  await page.waitForFunction(
    (text) => {
      const element = (globalThis as any).document.querySelector('.graphiql-response .CodeMirror');
      return element?.CodeMirror?.getValue().includes(text) ?? false;
    },
    needle,
    { timeout: 10_000 },
  ).catch(async (error) => {
    throw new Error(`${error.message}\nresponse pane: ${await editorValue(page, '.graphiql-response').catch(() => '?')}\nquery: ${await editorValue(page, '.graphiql-query-editor').catch(() => '?')}`);
  });
  return JSON.parse(await editorValue(page, '.graphiql-response'));
}

/** A GET whose body is left as sent (fetch would decompress it). */
function getRaw(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

describe('the GraphQL IDE on GET /graphql', () => {
  itWithBrowser('renders GraphiQL from our origin only, runs a query like HTTP does, and loads the schema docs', async () => {
    // Arrange
    const origin = new URL(t.server.url).origin;
    const overHttp = await t.server.ok(ORGANISATIONS);
    const names: string[] = overHttp.organisations.edges.map((e: any) => e.node.name);
    expect(names).toHaveLength(3);
    const { page, requests, problems, cspViolations } = await openWatchedPage();

    // Act: open the page, run a query, open the docs and a dialog
    const started = Date.now();
    const response = await page.goto(t.server.url);
    await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror');
    const rendered = Date.now() - started;
    const defaultQuery = await editorValue(page, '.graphiql-query-editor');
    // Run at once, as paste + Ctrl-Enter does: GraphiQL has not yet noticed the edit, and the
    // page must not send the default query's operation name with it.
    await setQuery(page, ORGANISATIONS);
    const result = await runAndReadResponse(page, names[0]);
    await page.click('[aria-label="Show Documentation Explorer"]');
    await page.getByText('Root Types').waitFor();
    const docs = await page.locator('.graphiql-doc-explorer').innerText();
    // The settings dialog makes GraphiQL insert its one inline <style>, which the CSP must allow.
    await page.click('[aria-label="Open settings dialog"]');
    await page.getByText('Clear storage').waitFor();
    await page.keyboard.press('Escape');
    await page.screenshot({ path: `/tmp/ide-test-${process.pid}.png` });

    // Assert
    console.log(`[ide] GraphiQL rendered ${rendered} ms after navigation; ${requests.length} requests; screenshot /tmp/ide-test-${process.pid}.png`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/^text\/html/);
    expect(defaultQuery).toBe(DEFAULT_QUERY);
    expect(result.data).toEqual(overHttp);
    expect(docs).toContain('query: Query');
    expect(docs).toContain('mutation: Mutation');
    expect(await page.locator('.graphiql-doc-explorer-error').count()).toBe(0);
    expect(requests.filter((url) => new URL(url).origin !== origin && !url.startsWith(`${origin.replace('http', 'ws')}/`))).toEqual([]);
    expect(requests.some((url) => url.includes('/graphql/ide/assets/graphiql-'))).toBe(true);
    expect(await cspViolations()).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  itWithBrowser('opens a link with ?query=…&variables=… on that operation', async () => {
    const { page, problems } = await openWatchedPage();
    const query = 'query One($n: Int) { organisations(first: $n) { totalCount } }';
    await page.goto(`${t.server.url}?query=${encodeURIComponent(query)}&variables=${encodeURIComponent('{"n": 1}')}`);
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');
    expect(await editorValue(page, '.graphiql-query-editor')).toBe(query);
    const result = await runAndReadResponse(page, 'totalCount');
    expect(result.data.organisations.totalCount).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('sends the page with a self-only CSP, and the assets from node_modules with long caching and gzip', async () => {
    // Act
    const pageResponse = await fetch(t.server.url, { headers: { accept: BROWSER_HTML } });
    const html = await pageResponse.text();
    const assetPaths = [...html.matchAll(/(?:src|href)="(\/graphql\/ide\/assets\/[^"]+)"/g)].map((m) => m[1]);
    const origin = new URL(t.server.url).origin;
    const script = assetPaths.find((p) => /graphiql-[\d.]+\.min\.js$/.test(p))!;
    const plain = await fetch(origin + script, { headers: { 'accept-encoding': 'identity' } });
    const plainBody = Buffer.from(await plain.arrayBuffer());
    const zipped = await getRaw(origin + script, { 'accept-encoding': 'gzip' });
    const revalidated = await getRaw(origin + script, { 'accept-encoding': 'gzip', 'if-none-match': String(zipped.headers.etag) });
    const css = await fetch(origin + assetPaths.find((p) => p.endsWith('.css'))!);
    const missing = await fetch(`${origin}/graphql/ide/assets/graphiql-0.0.0.min.js`);

    // Assert: the page
    expect(pageResponse.status).toBe(200);
    const csp = pageResponse.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(pageResponse.headers.get('vary')).toMatch(/accept/i);
    expect(html).not.toMatch(/<script>|<style|style="|(src|href)="(https?:)?\/\//);
    expect(assetPaths.length).toBeGreaterThanOrEqual(7);
    // Assert: the assets
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(plain.headers.get('x-content-type-options')).toBe('nosniff');
    expect(plainBody.equals(readFileSync(require.resolve('graphiql/graphiql.min.js')))).toBe(true);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(plainBody.length / 3);
    expect(gunzipSync(zipped.body).equals(plainBody)).toBe(true);
    expect(zipped.headers.etag).not.toBe(plain.headers.get('etag'));
    expect(revalidated.status).toBe(304);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(missing.status).toBe(404);
  });

  it('leaves GET queries from GraphQL clients to the API', async () => {
    const url = `${t.server.url}?query=${encodeURIComponent(ORGANISATIONS)}`;
    for (const accept of ['application/json', 'application/graphql-response+json, application/json;q=0.9', '*/*']) {
      // apollo-require-preflight: Apollo's CSRF guard refuses GET operations without it (or a JSON content-type).
      const res = await fetch(url, { headers: { accept, 'apollo-require-preflight': 'true' } });
      expect(res.headers.get('content-type')).toMatch(/json/);
      const body = (await res.json()) as any;
      expect(body.errors).toBeUndefined();
      expect(body.data.organisations.edges).toHaveLength(3);
    }
  });

  it('opens on a default query that runs over the demo data', async () => {
    const res = await t.server.gql(DEFAULT_QUERY);
    expect(res.errors).toBeUndefined();
    expect(res.data.organisations.edges.length).toBeGreaterThan(0);
    expect(res.data.organisations.edges.some((e: any) => e.node.models.totalCount > 0)).toBe(true);
  });
});

describe('IDE_ENABLED=false', () => {
  it('serves no HTML and no assets: a browser GET reaches the API', async () => {
    // No demo data needed: the request never reaches a resolver.
    const server = await startTestServer({ seedDemo: false }, { ...process.env, IDE_ENABLED: 'false' });
    try {
      const page = await fetch(server.url, { headers: { accept: BROWSER_HTML } });
      const asset = await fetch(`${new URL(server.url).origin}/graphql/ide/assets/graphiql-0.0.0.min.js`, { headers: { accept: '*/*' } });
      expect(server.url).toMatch(/\/graphql$/);
      expect(page.headers.get('content-type') ?? '').not.toMatch(/html/);
      expect(await page.text()).not.toMatch(/graphiql/i);
      expect(asset.headers.get('content-type') ?? '').not.toMatch(/javascript/);
    } finally {
      await server.stop();
    }
  });
});

describe('IDE subscriptions', () => {
  // The API's own WebSocket endpoint is not in this file's scope, so a small graphql-ws server
  // stands in for it: the IDE must speak graphql-transport-ws to the same origin and path.
  itWithBrowser('streams a subscription over graphql-ws at the same path, with the Headers editor as connection params', async () => {
    // Arrange
    const schema = buildSchema('type Query { hello: String } type Subscription { ticks(to: Int!): Int! }');
    const roots = {
      query: { hello: () => 'xin chào' },
      subscription: {
        async *ticks({ to }: { to: number }) {
          for (let i = 1; i <= to; i += 1) {
            await new Promise((resolve) => setTimeout(resolve, 50));
            yield { ticks: i };
          }
        },
      },
    };
    const app = express();
    mountIde(app, { ideEnabled: true });
    app.post('/graphql', express.json(), async (req, res) => {
      res.json(await graphql({ schema, source: req.body.query, variableValues: req.body.variables, operationName: req.body.operationName, rootValue: roots.query }));
    });
    const httpServer = http.createServer(app);
    const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
    const connectionParams: unknown[] = [];
    const ws = useServer({ schema, roots, onConnect: (ctx) => { connectionParams.push(ctx.connectionParams); } }, wss);
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
    const { page, requests, problems, cspViolations } = await openWatchedPage();
    try {
      // Act
      await page.goto(`${origin}/graphql?query=${encodeURIComponent('subscription { ticks(to: 4) }')}`);
      await page.waitForSelector('.graphiql-query-editor .CodeMirror');
      await page.getByText('Headers', { exact: true }).click();
      await page.$eval('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror', (element) => {
        (element as unknown as { CodeMirror: { setValue(value: string): void } }).CodeMirror.setValue('{"Authorization": "Bearer ide-test-token"}');
      });
      const last = await runAndReadResponse(page, '"ticks": 4');

      // Assert
      expect(last).toEqual({ data: { ticks: 4 } });
      expect(connectionParams).toEqual([{ Authorization: 'Bearer ide-test-token' }]);
      expect(requests).toContain(`${origin.replace('http:', 'ws:')}/graphql`);
      expect(requests.every((url) => url.startsWith(`${origin}/`) || url.startsWith(`${origin.replace('http:', 'ws:')}/`))).toBe(true);
      expect(await cspViolations()).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.context().close();
      await ws.dispose();
      await new Promise((resolve) => httpServer.close(resolve));
    }
  });
});
