/**
 * What the browser receives for the IDE: the HTML shell, the boot script and a few styles.
 * The boot script and styles are served as files of our own (never inline), so the page's
 * Content-Security-Policy can forbid inline script and style altogether.
 */

/** Shown in a fresh editor: a tour of the demo data that also shows the nested, batched reads. */
export const DEFAULT_QUERY = `# Dân vận khéo: organisations, the models they run, and their figures.
# Run with Ctrl-Enter or the ▶ button; the book icon on the left opens the schema docs.
# Mutations need "Authorization: Bearer <token>" in Headers (npm run token prints one).

query Overview {
  organisations(first: 10, orderBy: { field: NAME }) {
    totalCount
    edges {
      node {
        name
        kind
        parent { name }
        summary(period: "2023-H1") {
          totalModels
          byDomain { domain count }
          startedInPeriod
          replicatedInPeriod
        }
        models(first: 3, orderBy: { field: REPLICA_COUNT, direction: DESC }) {
          totalCount
          edges {
            node {
              name
              domain
              status
              replicaCount
              replicas(first: 3) { edges { node { name leadOrganisation { name } } } }
            }
          }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;

/** What the boot script reads from the page (a JSON block, not executable, so CSP-neutral). */
export interface IdePageSettings {
  /** Path of the GraphQL endpoint; HTTP and WebSocket URLs are built from it in the browser. */
  endpoint: string;
  defaultQuery: string;
  /**
   * The saved questions (schema/operations/*.graphql, comments included), opened as tabs after
   * the default query in a browser that has no tabs stored yet.
   */
  savedQuestions: string[];
  /** From `?query=…&variables=…&operationName=…`, so a link can open the IDE on a given operation. */
  query?: string;
  variables?: string;
  operationName?: string;
}

export interface IdePageAssets {
  stylesheets: string[];
  scripts: string[];
  favicon: string;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON safe inside <script>: no `<` survives, so neither `</script>` nor `<!--` can appear. */
const jsonForScript = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

export function renderIdePage(settings: IdePageSettings, assets: IdePageAssets): string {
  const links = assets.stylesheets.map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`).join('\n');
  // `defer` keeps document order, so React, ReactDOM, graphql-ws and GraphiQL are ready for the boot script.
  const scripts = assets.scripts.map((src) => `<script defer src="${escapeHtml(src)}"></script>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Dân vận khéo · GraphQL IDE</title>
<link rel="icon" type="image/svg+xml" href="${escapeHtml(assets.favicon)}">
${links}
<script id="ide-settings" type="application/json">${jsonForScript(settings)}</script>
${scripts}
</head>
<body>
<div id="graphiql"><p class="ide-loading">Loading the GraphQL IDE…</p>
<noscript><p class="ide-loading">The IDE needs JavaScript. Without it, POST queries to ${escapeHtml(settings.endpoint)} with any GraphQL client.</p></noscript></div>
</body>
</html>
`;
}

/**
 * The editors, results, docs and explorer use --font-family-mono (GraphiQL defines it on these
 * same elements): Roboto Mono, served by us with its Vietnamese subset, instead of GraphiQL's
 * Fira Code, which has none. Fira Code stays second for anything Roboto Mono lacks.
 */
export const IDE_STYLES = `html, body { height: 100%; margin: 0; }
#graphiql { height: 100vh; }
.ide-loading { font-family: system-ui, sans-serif; padding: 2rem; color: #555; }
.graphiql-container, .CodeMirror-info, .CodeMirror-lint-tooltip, .graphiql-dialog, .graphiql-dialog-overlay,
.graphiql-tooltip, [data-radix-popper-content-wrapper] {
  --font-family-mono: 'Roboto Mono', 'Fira Code', monospace;
}
`;

export const IDE_FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#da251d"/><path d="M16 5l3.1 6.9 7.4.6-5.6 4.9 1.7 7.3L16 20.9l-6.6 3.8 1.7-7.3-5.6-4.9 7.4-.6z" fill="#ffde00"/></svg>
`;

/**
 * Runs in the browser after the UMD bundles (globals React, ReactDOM, graphqlWs, GraphiQL,
 * GraphiQLPluginExplorer).
 * Queries and mutations go over HTTP to the endpoint. Subscriptions go over graphql-ws 6
 * (protocol graphql-transport-ws) at the same path: one socket per running subscription,
 * closed when it stops, whose connection_init payload carries the Headers editor's contents
 * (a browser WebSocket cannot send headers). We iterate the socket ourselves rather than hand
 * GraphiQL a client, so a failed socket shows as a readable error, not an unhandled rejection.
 */
export const IDE_CLIENT_SCRIPT = `(function () {
  'use strict';
  var settings = JSON.parse(document.getElementById('ide-settings').textContent);
  var httpUrl = new URL(settings.endpoint, window.location.href);
  var wsUrl = new URL(httpUrl.href);
  wsUrl.protocol = httpUrl.protocol === 'https:' ? 'wss:' : 'ws:';

  // GraphiQL works out the document and operation name 100 ms after an edit, so a query pasted
  // and run at once would go with the previous tab's operationName (refused by the server) or
  // be sent over the wrong transport. Parse what is actually sent instead.
  var parseOperations = function (query) {
    try {
      var ast = GraphiQL.GraphQL.parse(query);
      return { document: ast, operations: ast.definitions.filter(function (d) { return d.kind === 'OperationDefinition'; }) };
    } catch (error) {
      return null; // the server explains syntax errors
    }
  };

  // graphql-ws rejects with GraphQL errors (kept) or with socket events (made readable).
  var readableError = function (error) {
    if (Array.isArray(error) || error instanceof Error) return error;
    var message = error && typeof error.code === 'number'
      ? 'The subscription socket closed (code ' + error.code + (error.reason ? ': ' + error.reason : '') + ').'
      : 'Could not open a WebSocket to ' + wsUrl.href + ' (graphql-transport-ws). Queries and mutations still work over HTTP.';
    return [{ message: message }];
  };

  var subscribe = function (params, headers) {
    var client = graphqlWs.createClient({ url: wsUrl.href, connectionParams: headers || {}, lazy: true, retryAttempts: 0 });
    var events = client.iterate(params);
    var result = {
      next: function () {
        return events.next().then(
          function (step) { if (step.done) client.dispose(); return step; },
          function (error) { client.dispose(); throw readableError(error); });
      },
      return: function () {
        var done = events.return ? events.return() : Promise.resolve({ done: true, value: undefined });
        client.dispose();
        return done;
      }
    };
    result[Symbol.asyncIterator] = function () { return result; };
    return result;
  };

  var fetchOverHttp = GraphiQL.createFetcher({ url: httpUrl.href });
  var fetcher = function (params, options) {
    var parsed = parseOperations(params.query);
    if (!parsed) return fetchOverHttp(params, options);
    var named = function (op) { return op.name && op.name.value === params.operationName; };
    if (params.operationName && parsed.operations.length === 1 && !named(parsed.operations[0])) {
      params = Object.assign({}, params, { operationName: undefined });
    }
    var operation = parsed.operations.length === 1 ? parsed.operations[0] : parsed.operations.filter(named)[0];
    if (operation && operation.operation === 'subscription') return subscribe(params, options && options.headers);
    return fetchOverHttp(params, Object.assign({}, options, { documentAST: parsed.document }));
  };

  // Tabs for a browser with none stored: Overview, then the saved questions. GraphiQL ignores
  // the query prop when it opens on defaultTabs, so a link's operation goes first, in front.
  var defaultTabs = [{ query: settings.defaultQuery }].concat(settings.savedQuestions.map(function (document) {
    return { query: document };
  }));
  if (settings.query !== undefined) defaultTabs.unshift({ query: settings.query, variables: settings.variables });

  var props = {
    fetcher: fetcher,
    defaultQuery: settings.defaultQuery,
    defaultTabs: defaultTabs,
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: false
  };
  if (settings.query !== undefined) props.query = settings.query;
  if (settings.variables !== undefined) props.variables = settings.variables;
  if (settings.operationName !== undefined) props.operationName = settings.operationName;
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props));
})();
`;
