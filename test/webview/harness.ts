/**
 * Serves dist/webview/ and a test page from 127.0.0.1 under the same Content-Security-Policy header as the
 * extension's compare panel, and drives Debian's Chromium with playwright-core. Used by the browser tests
 * and by bench/compare.ts.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { compareCsp, compareHtml, makeNonce } from '../../src/core/compare/html';

const root = path.resolve(__dirname, '../..');
const distWebview = path.join(root, 'dist', 'webview');
const fixtures = path.join(__dirname, 'fixtures');
export const CHROMIUM = process.env.MLOPS_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The page is the extension's own shell (src/core/compare/html.ts: its CSP meta tag, nonce, module script),
 * with the test stand-in of acquireVsCodeApi added as one more nonced script and a theme class on <body>
 * (VS Code adds both in a real webview). `strictScripts` drops cspSource from script-src: nonce only.
 */
export function strictCsp(nonce: string, cspSource: string): string {
  return compareCsp(cspSource, nonce).replace(`script-src 'nonce-${nonce}' ${cspSource}`, `script-src 'nonce-${nonce}'`);
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.html': 'text/html' };

export interface WebviewServer {
  origin: string;
  /** the policy of the last page served */
  lastCsp: string;
  close(): Promise<void>;
}

export interface ServerOptions {
  strictScripts?: boolean;
  /** extra scripts (path → JS text) loaded with the nonce before the webview, e.g. a bench helper */
  extraScripts?: Record<string, string>;
  bodyClass?: string;
}

export async function startWebviewServer(opts: ServerOptions = {}): Promise<WebviewServer> {
  const extra = opts.extraScripts ?? {};
  const srv: WebviewServer = { origin: '', lastCsp: '', close: async () => {} };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', srv.origin);
    const send = (status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
      res.end(body);
    };
    const page = url.pathname === '/compare.html' ? 'compare' : url.pathname === '/monitor.html' ? 'monitor' : undefined;
    if (page) {
      const nonce = makeNonce();
      const csp = opts.strictScripts ? strictCsp(nonce, srv.origin) : compareCsp(srv.origin, nonce);
      srv.lastCsp = csp;
      const scripts = ['/stub.js', ...Object.keys(extra)].map((s) => `  <script nonce="${nonce}" src="${s}"></script>`).join('\n');
      let html = compareHtml({
        cspSource: srv.origin,
        nonce,
        scriptUri: `/webview/${page}.js`,
        styleUris: ['/theme.css', '/webview/uPlot.min.css'],
        title: page,
      });
      html = html
        .replace(compareCsp(srv.origin, nonce), csp)
        .replace('</head>', `${scripts}\n</head>`)
        .replace('<body ', `<body class="${opts.bodyClass ?? 'vscode-dark'}" data-vscode-theme-id="test" `);
      if (!html.includes(csp) || !html.includes('/stub.js')) throw new Error('unexpected compare shell');
      return send(200, 'text/html; charset=utf-8', html);
    }
    if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
    if (url.pathname === '/stub.js') return send(200, TYPES['.js'], fs.readFileSync(path.join(fixtures, 'vscode-stub.js')));
    if (url.pathname === '/theme.css') return send(200, TYPES['.css'], fs.readFileSync(path.join(fixtures, 'theme.css')));
    if (extra[url.pathname] !== undefined) return send(200, TYPES['.js'], extra[url.pathname]);
    if (url.pathname.startsWith('/webview/')) {
      const file = path.join(distWebview, path.normalize(url.pathname.slice('/webview/'.length)));
      if (file.startsWith(distWebview + path.sep) && fs.existsSync(file))
        return send(200, TYPES[path.extname(file)] ?? 'application/octet-stream', fs.readFileSync(file));
    }
    send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  srv.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  srv.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return srv;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export interface ComparePage {
  page: Page;
  /** console errors, page errors and dialogs (an alert would mean injected markup ran) */
  problems: string[];
  /** every URL the page requested, in order */
  requests: string[];
  close(): Promise<void>;
}

export async function openComparePage(
  browser: Browser,
  server: WebviewServer,
  viewport = { width: 1280, height: 900 },
  pagePath = '/compare.html',
): Promise<ComparePage> {
  const ctx = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await ctx.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${server.origin}${pagePath}`);
  return { page, problems, requests, close: () => ctx.close() };
}
