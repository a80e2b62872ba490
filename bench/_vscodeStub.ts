// A stand-in for the 'vscode' module, only for timing the extension's activate() in plain Node (bench/activation.ts):
// every API answers with an inert object, events are real, the workspace folder is the one given.
import Module from 'node:module';

type Listener = (e: unknown) => void;

class EventEmitter {
  private listeners: Listener[] = [];
  event = (l: Listener) => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: unknown) {
    for (const l of [...this.listeners]) l(e);
  }
  dispose() {
    this.listeners = [];
  }
}

/** Any property, call or `new` gives another inert value; awaiting one gives itself; `get(key, fallback)` the fallback. */
function inert(): any {
  const fn = function () {} as unknown as object;
  return new Proxy(fn, {
    get(_t, prop) {
      if (prop === 'then') return undefined;
      if (prop === Symbol.toPrimitive) return () => '';
      if (prop === Symbol.iterator) return function* () {};
      if (prop === 'get') return (_k: unknown, fallback?: unknown) => fallback;
      if (prop === 'length') return 0;
      return inert();
    },
    set: () => true,
    apply: () => inert(),
    construct: () => inert(),
  });
}

const NAMES = (
  'window commands languages tasks env extensions debug scm l10n authentication Uri TreeItem TreeItemCollapsibleState ThemeIcon ThemeColor ' +
  'MarkdownString StatusBarAlignment ProgressLocation Task CustomExecution ShellExecution ProcessExecution TaskScope TaskRevealKind TaskPanelKind ' +
  'Range Position Location CodeLens Diagnostic DiagnosticSeverity FileDecoration RelativePattern ViewColumn QuickPickItemKind ' +
  'InputBoxValidationSeverity FileType FileSystemError FileChangeType TextEdit WorkspaceEdit Selection ExtensionMode UIKind ' +
  'ConfigurationTarget EnvironmentVariableMutatorType CancellationTokenSource DocumentLink Hover TabInputText TabInputWebview'
).split(' ');

/** Installs the stand-in; the returned function sets the workspace folder the next activation sees. */
export function installVscodeStub(): (folder: string) => void {
  const ws = { workspaceFolders: [] as unknown[], isTrusted: true, textDocuments: [] as unknown[] };
  const stub = new Proxy(
    {
      EventEmitter,
      Disposable: class {
        constructor(private readonly fn: () => void) {}
        dispose() {
          this.fn();
        }
        static from(...ds: { dispose(): void }[]) {
          return { dispose: () => ds.forEach((d) => d.dispose()) };
        }
      },
      // The bundle copies the module's own keys (esbuild's __toESM), so every namespace used is listed.
      ...Object.fromEntries(NAMES.map((n) => [n, inert()])),
      workspace: new Proxy(ws, { get: (t, p) => (p in t ? (t as Record<string | symbol, unknown>)[p] : inert()) }),
    } as Record<string | symbol, unknown>,
    { get: (t, p) => (p in t ? t[p] : inert()) },
  );
  const load = (Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown })._load;
  (Module as unknown as { _load: unknown })._load = function (req: string, ...rest: unknown[]) {
    return req === 'vscode' ? stub : load.call(this, req, ...rest);
  };
  return (folder) => {
    const uri = { scheme: 'file', fsPath: folder, path: folder, toString: () => `file://${folder}` };
    ws.workspaceFolders = [{ uri, name: 'bench', index: 0 }];
  };
}

/** An extension context good enough for activate(): inert apart from the package's version. */
export function fakeContext(extensionPath: string): any {
  const subscriptions: { dispose(): void }[] = [];
  return new Proxy(
    { subscriptions, extension: { packageJSON: { version: '0.0.0-bench' } }, extensionPath, extensionUri: { fsPath: extensionPath } },
    { get: (t, p) => (p in t ? (t as Record<string | symbol, unknown>)[p] : inert()) },
  );
}
