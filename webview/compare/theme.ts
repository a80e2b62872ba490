/**
 * Colours for canvases. Canvas charts can't use CSS variables, so the theme is read from the computed
 * style of <body> (where VS Code puts every theme colour as a `--vscode-*` variable) and read again when
 * VS Code switches theme (it changes body's class: vscode-light | vscode-dark | vscode-high-contrast).
 */
export interface Theme {
  kind: 'light' | 'dark' | 'high-contrast';
  foreground: string;
  background: string;
  muted: string;
  grid: string;
  border: string;
  fontFamily: string;
  fontSize: number;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

let probe: HTMLElement | undefined;

/** Resolves any CSS colour (including `var(--x)`) to what the canvas understands (`rgb(…)`). */
export function resolveColor(color: string, force = false): string {
  if (!force && !/var\(|currentcolor/i.test(color)) return color;
  if (!probe) {
    probe = document.createElement('span');
    probe.className = 'color-probe';
    document.body.append(probe);
  }
  probe.style.color = color;
  return getComputedStyle(probe).color || color;
}

/** `color` at `alpha`, for faint lines and fills. Works for #rgb, #rrggbb, rgb() and hsl(); else via the probe. */
export function withAlpha(color: string, alpha: number): string {
  let c = resolveColor(color).trim();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(c);
  if (hex) {
    let s = hex[1];
    if (s.length === 3) s = s.replace(/./g, (x) => x + x);
    const n = parseInt(s, 16);
    return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  if (!/^(rgb|hsl)a?\(/i.test(c)) c = resolveColor(c, true);
  const m = /^(rgb|hsl)a?\(([^)]*)\)$/i.exec(c);
  if (!m) return c;
  const parts = m[2]
    .split(/[\s,/]+/)
    .filter(Boolean)
    .slice(0, 3);
  return `${m[1].toLowerCase()}a(${parts.join(', ')}, ${alpha})`;
}

export function readTheme(): Theme {
  const body = document.body;
  const style = getComputedStyle(body);
  const kind =
    body.classList.contains('vscode-high-contrast') || body.classList.contains('vscode-high-contrast-light')
      ? 'high-contrast'
      : body.classList.contains('vscode-light')
        ? 'light'
        : 'dark';
  const dark = kind !== 'light';
  const foreground = cssVar(style, '--vscode-editor-foreground', dark ? '#cccccc' : '#333333');
  const background = cssVar(style, '--vscode-editor-background', dark ? '#1e1e1e' : '#ffffff');
  return {
    kind,
    foreground,
    background,
    muted: cssVar(style, '--vscode-descriptionForeground', dark ? '#9d9d9d' : '#717171'),
    grid: cssVar(style, '--vscode-editorWidget-border', dark ? '#454545' : '#c8c8c8'),
    border: cssVar(style, '--vscode-panel-border', dark ? '#2b2b2b' : '#e5e5e5'),
    fontFamily: cssVar(style, '--vscode-editor-font-family', cssVar(style, '--vscode-font-family', 'sans-serif')),
    fontSize: parseFloat(cssVar(style, '--vscode-editor-font-size', '12')) || 12,
  };
}

/** Calls `onChange` with the new theme whenever body's class or theme attribute changes. */
export function watchTheme(onChange: (t: Theme) => void): () => void {
  let last = JSON.stringify(readTheme());
  const obs = new MutationObserver(() => {
    const t = readTheme();
    const s = JSON.stringify(t);
    if (s === last) return;
    last = s;
    onChange(t);
  });
  obs.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-id', 'data-vscode-theme-kind'] });
  return () => obs.disconnect();
}
