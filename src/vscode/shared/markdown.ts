/**
 * Escapes text that comes from data (experiment, run and model names, descriptions, tags, paths) for the
 * Markdown of hovers and pages, so nothing in it becomes a link, a command, emphasis, a heading or HTML.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&:]/g, '\\$&').replace(/\r?\n/g, ' ');
}
