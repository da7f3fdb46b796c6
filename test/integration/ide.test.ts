import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import express from 'express';
import { buildSchema, graphql } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { CDPSession, Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { mountIde } from '../../src/ide/ide';
import { DEFAULT_QUERY } from '../../src/ide/ide-page';
import { loadSavedOperations } from '../../src/ide/saved-operations';
import { itWithBrowser, useBrowser } from '../helpers/browser';
import { seeder, useTestServer } from '../helpers/seed';
import { OWN_DATABASE, startTestServer } from '../helpers/server';

const BROWSER_HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const ORGANISATIONS = '{ organisations(first: 3) { edges { node { name } } } }';

const browser = useBrowser();
const t = useTestServer(OWN_DATABASE);

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
  await page.$eval(
    '.graphiql-query-editor .CodeMirror',
    (element, text) => {
      (element as unknown as { CodeMirror: { setValue(value: string): void } }).CodeMirror.setValue(text);
    },
    query,
  );
}

/** Runs the editor's operation and waits until the response pane holds JSON with `needle`. */
async function runAndReadResponse(page: Page, needle: string): Promise<any> {
  await page.click('.graphiql-execute-button');
  await page
    .waitForFunction(
      (text) => {
        const element = (globalThis as any).document.querySelector('.graphiql-response .CodeMirror');
        return element?.CodeMirror?.getValue().includes(text) ?? false;
      },
      needle,
      { timeout: 10_000 },
    )
    .catch(async (error) => {
      throw new Error(
        `${error.message}\nresponse pane: ${await editorValue(page, '.graphiql-response').catch(() => '?')}\nquery: ${await editorValue(page, '.graphiql-query-editor').catch(() => '?')}`,
      );
    });
  return JSON.parse(await editorValue(page, '.graphiql-response'));
}

/** What Chromium drew one element's own text with: every font and how many glyphs from each. */
interface DrawnText {
  text: string;
  fonts: Array<{ familyName: string; isCustomFont: boolean; glyphCount: number }>;
  /** Advance widths, in the element's font, of the first Vietnamese word and of the same letters unmarked. */
  widths: { word: string; font: string; marked: number; unmarked: number };
}

/**
 * The element under `root` whose own text holds `needle` (the innermost such), as drawn:
 * its fonts come from DevTools (CSS.getPlatformFontsForNode). A letter the font lacks, such
 * as "ố" in GraphiQL's Fira Code, is drawn from another font, decomposed into its base and a
 * combining mark ("phô´"): a second font appears and the glyphs outnumber the characters.
 */
async function drawnText(page: Page, cdp: CDPSession, root: string, needle: string): Promise<DrawnText> {
  const probe = `probe-${Math.random().toString(36).slice(2)}`;
  const found = await page.evaluate(
    ([rootSelector, text, mark]) => {
      const doc = (globalThis as any).document;
      const walker = doc.createTreeWalker(doc.querySelector(rootSelector), 4 /* SHOW_TEXT */);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.nodeValue.includes(text)) continue;
        const element = node.parentElement;
        element.setAttribute('data-probe', mark);
        const own = [...element.childNodes]
          .filter((n: any) => n.nodeType === 3)
          .map((n: any) => n.nodeValue)
          .join('');
        const word = own.split(/[\s"',.:()]+/).find((w: string) => /[^\p{ASCII}]/u.test(w)) ?? text;
        const unmarked = word
          .normalize('NFD')
          .replace(/[\u0300-\u036f]/g, '')
          .replace(/đ/g, 'd')
          .replace(/Đ/g, 'D');
        const context = doc.createElement('canvas').getContext('2d');
        const style = (globalThis as any).getComputedStyle(element);
        // Not style.font: the shorthand reads '' for many elements, and canvas then measures in 10px sans-serif.
        context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        return { text: own, word, font: context.font, marked: context.measureText(word).width, unmarked: context.measureText(unmarked).width };
      }
      return null;
    },
    [root, needle, probe] as const,
  );
  if (!found) throw new Error(`No text "${needle}" under ${root}`);
  const { root: documentNode } = await cdp.send('DOM.getDocument', { depth: 0 });
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: documentNode.nodeId, selector: `[data-probe="${probe}"]` });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  return { text: found.text, fonts, widths: { word: found.word, font: found.font, marked: found.marked, unmarked: found.unmarked } };
}

/** Drawn whole: one font, the one wanted, and no more glyphs than characters (none split into base + mark). */
function drawnWhole(drawn: DrawnText, family: RegExp): boolean {
  const characters = [...drawn.text.normalize('NFC').replace(/\s+/g, ' ')].length;
  return drawn.fonts.length === 1 && family.test(drawn.fonts[0].familyName) && drawn.fonts[0].isCustomFont && drawn.fonts[0].glyphCount <= characters;
}

/** Waits, without running anything, until the response pane holds JSON with `needle` (a running subscription's latest event). */
async function runningResponse(page: Page, needle: string): Promise<any> {
  await page.waitForFunction(
    (text) => (globalThis as any).document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror?.getValue().includes(text) ?? false,
    needle,
    { timeout: 10_000 },
  );
  return JSON.parse(await editorValue(page, '.graphiql-response'));
}

/** A GET whose body is left as sent (fetch would decompress it). */
function getRaw(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
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

  itWithBrowser('draws Vietnamese whole in the editor, the results and the docs, in fonts this server serves', async () => {
    // Arrange
    const origin = new URL(t.server.url).origin;
    const { page, requests, problems, cspViolations } = await openWatchedPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const query =
      '# phố Kỳ Sơn, Hòa Bình: đổi mới\n{ models(first: 5, filter: { search: "pho van minh" }, orderBy: { field: NAME }) { edges { node { name } } } }';

    // Act: a Vietnamese comment in the editor, Vietnamese names in the results, the docs of
    // ModelFilter.search, whose description quotes "Phân loại rác"
    await page.goto(t.server.url);
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');
    await setQuery(page, query);
    const result = await runAndReadResponse(page, 'phố');
    await page.click('[aria-label="Show Documentation Explorer"]');
    await page.locator('.graphiql-doc-explorer-search input').fill('ModelFilter');
    await page
      .locator('.graphiql-doc-explorer-search [role="option"]', { hasText: /^ModelFilter$/ })
      .first()
      .click();
    await page.locator('.graphiql-doc-explorer', { hasText: 'Phân loại rác' }).waitFor();
    await page.evaluate('document.fonts.ready');
    const editor = await drawnText(page, cdp, '.graphiql-query-editor .CodeMirror-code', 'phố');
    const results = await drawnText(page, cdp, '.graphiql-response .CodeMirror-code', 'Tuyến phố văn minh');
    const docs = await drawnText(page, cdp, '.graphiql-doc-explorer', 'Phân loại rác');
    // The control: the same check on GraphiQL's own Fira Code must see "phố" drawn apart, or it proves nothing.
    await page.evaluate(`(() => {
      const span = document.createElement('span');
      span.textContent = 'phố';
      span.style.fontFamily = "'Fira Code'";
      span.id = 'fira-control';
      document.querySelector('.graphiql-container').appendChild(span);
      return document.fonts.load("14px 'Fira Code'", 'phố');
    })()`);
    const control = await drawnText(page, cdp, '#fira-control', 'phố');
    const vietnameseFace = await page.evaluate(
      `[...document.fonts].some((f) => f.family.replace(/['"]/g, '') === 'Roboto Mono' && f.status === 'loaded' && /1EA0-1EF9/i.test(f.unicodeRange))`,
    );
    await page.evaluate(`document.getElementById('fira-control').remove()`);
    const screenshot = `/tmp/ide-vietnamese-${process.pid}.png`;
    await page.screenshot({ path: screenshot });
    await page
      .locator('.graphiql-response .CodeMirror-line', { hasText: 'phố' })
      .first()
      .screenshot({ path: `/tmp/ide-vietnamese-results-line-${process.pid}.png` });

    // Assert
    console.log(
      `[ide] Vietnamese as drawn (screenshot ${screenshot}, a results line /tmp/ide-vietnamese-results-line-${process.pid}.png):\n${JSON.stringify({ editor, results, docs, control }, null, 1)}`,
    );
    expect(result.data.models.edges.map((e: any) => e.node.name)).toContain('Tuyến phố văn minh');
    expect(drawnWhole(editor, /^Roboto Mono$/)).toBe(true);
    expect(drawnWhole(results, /^Roboto Mono$/)).toBe(true);
    expect(drawnWhole(docs, /^Roboto$/)).toBe(true);
    // Monospace: "phố" takes exactly the three cells of "pho" (a detached mark takes room of its own).
    expect(editor.widths.marked).toBe(editor.widths.unmarked);
    expect(results.widths.marked).toBe(results.widths.unmarked);
    expect(editor.widths.font).toMatch(/Roboto Mono/);
    expect(drawnWhole(control, /^Fira Code/)).toBe(false);
    expect(control.widths.marked).not.toBe(control.widths.unmarked);
    expect(vietnameseFace).toBe(true);
    expect(requests.some((url) => url.startsWith(`${origin}/graphql/ide/assets/`) && /roboto-mono-[\d.]+-vietnamese-400-normal\.woff2$/.test(url))).toBe(true);
    expect(await cspViolations()).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  itWithBrowser('opens the saved questions as tabs after Overview, and runs them from there (a query, and the subscription over the real API)', async () => {
    // Arrange
    const saved = loadSavedOperations();
    const { page, problems, cspViolations, requests } = await openWatchedPage();
    await page.goto(t.server.url);
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');
    const tabs = page.locator('.graphiql-tab');

    // Act + Assert: the tabs, Overview first and active
    expect(await tabs.allInnerTexts()).toEqual(['Overview', ...saved.map((op) => op.operationNames[0])]);
    expect(await editorValue(page, '.graphiql-query-editor')).toBe(DEFAULT_QUERY);

    // The city's figures, as the tab holds them
    await tabs.filter({ hasText: 'CityFigures2023H1' }).click();
    expect(await editorValue(page, '.graphiql-query-editor')).toBe(saved[0].document);
    const figures = await runAndReadResponse(page, '"reportingPeriod"');
    expect(figures.data.reportingPeriod.reports[0].reported.total).toBe(179);

    // Following changes: the tab's subscription, resumed (as its comment says) after the cursor
    // read before a change made over HTTP, so the change is replayed to it however soon the
    // socket opens; the pane shows it.
    await tabs.filter({ hasText: 'FollowChanges' }).click();
    expect(await editorValue(page, '.graphiql-query-editor')).toBe(saved.find((op) => op.operationNames[0] === 'FollowChanges')!.document);
    const { latestChangeCursor } = await t.server.ok('{ latestChangeCursor }');
    const seed = seeder(t.server);
    const org = await seed.organisation();
    const model = await seed.model({ leadOrganisationId: org.id, name: `Tuyến phố văn minh ${org.name}` });
    await page.$eval(
      '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror',
      (element, variables) => {
        (element as unknown as { CodeMirror: { setValue(value: string): void } }).CodeMirror.setValue(variables);
      },
      JSON.stringify({ after: latestChangeCursor, filter: { organisationId: org.id, types: ['MODEL_CREATED'] } }),
    );
    await page.click('.graphiql-execute-button');
    const event = await runningResponse(page, model.name);
    expect(event.data.changes).toMatchObject({ type: 'MODEL_CREATED', entityId: model.id, model: { name: model.name } });
    expect(requests).toContain(t.server.url.replace(/^http/, 'ws'));
    await page.click('.graphiql-execute-button'); // stop
    expect(await cspViolations()).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  itWithBrowser('shows the GraphiQL explorer, which builds a query from the schema', async () => {
    const { page, problems, cspViolations, requests } = await openWatchedPage();
    await page.goto(t.server.url);
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');
    await setQuery(page, '');

    await page.click('[aria-label="Show GraphiQL Explorer"]');
    const explorer = page.locator('.graphiql-explorer-root');
    await explorer.getByText('latestChangeCursor', { exact: true }).click();
    await page.waitForFunction(() =>
      (globalThis as any).document.querySelector('.graphiql-query-editor .CodeMirror')?.CodeMirror?.getValue().includes('latestChangeCursor'),
    );
    const built = await editorValue(page, '.graphiql-query-editor');
    const result = await runAndReadResponse(page, 'latestChangeCursor');
    await page.screenshot({ path: `/tmp/ide-explorer-${process.pid}.png` });

    console.log(`[ide] explorer screenshot /tmp/ide-explorer-${process.pid}.png`);
    const fields = await explorer.innerText();
    for (const field of ['organisations', 'models', 'topReplicated', 'reportingPeriod', 'changes']) expect(fields).toContain(field);
    expect(built).toMatch(/latestChangeCursor/);
    expect(typeof result.data.latestChangeCursor).toBe('string');
    expect(requests.some((url) => /\/graphql\/ide\/assets\/graphiql-plugin-explorer-[\d.]+\.umd\.js$/.test(url))).toBe(true);
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
    const fontCssPath = assetPaths.find((p) => /\/roboto-mono-[0-9a-f]{12}\.css$/.test(p))!;
    const fontCss = await (await fetch(origin + fontCssPath)).text();
    const vietnameseFile = /url\(([^)]+-vietnamese-400-normal\.woff2)\)/.exec(fontCss)?.[1];
    const font = await getRaw(new URL(vietnameseFile!, origin + fontCssPath).href, { 'accept-encoding': 'gzip' });

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
    // The editor font: @fontsource's Roboto Mono, its Vietnamese subset among the files, from our origin only.
    expect(csp).toContain("font-src 'self' data:;");
    expect(fontCss).not.toMatch(/url\((?!roboto-mono-[\d.]+-[\w-]+\.woff2\))/);
    expect(font.status).toBe(200);
    expect(font.headers['content-type']).toBe('font/woff2');
    expect(font.headers['content-encoding']).toBeUndefined(); // woff2 is compressed already
    expect(font.body.equals(readFileSync(require.resolve('@fontsource/roboto-mono/files/roboto-mono-vietnamese-400-normal.woff2')))).toBe(true);
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
      res.json(
        await graphql({ schema, source: req.body.query, variableValues: req.body.variables, operationName: req.body.operationName, rootValue: roots.query }),
      );
    });
    const httpServer = http.createServer(app);
    const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
    const connectionParams: unknown[] = [];
    const ws = useServer(
      {
        schema,
        roots,
        onConnect: (ctx) => {
          connectionParams.push(ctx.connectionParams);
        },
      },
      wss,
    );
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
