/**
 * The pipeline graph panel's messages (src/vscode/pipelines/dagPanel.ts ↔ webview/pipelines.ts). Pure types.
 * The extension posts nothing before the webview's `ready`.
 */
import type { Layout } from '../core/pipelines/layout';

export const PIPELINE_VIEW_TYPE = 'mlops.pipelineDag';

export type PipelineHostMessage = { type: 'graph'; layout: Layout; running?: string[] };

export type PipelineViewMessage = { type: 'ready' } | { type: 'open'; stage: string } | { type: 'reproduce'; stage: string };

export function isPipelineViewMessage(m: unknown): m is PipelineViewMessage {
  if (!m || typeof m !== 'object') return false;
  const o = m as Record<string, unknown>;
  if (o.type === 'ready') return true;
  return (o.type === 'open' || o.type === 'reproduce') && typeof o.stage === 'string' && o.stage.length < 1000;
}
