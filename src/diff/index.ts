/**
 * `dmsctl diff` as a library: compare a plan with live DNS or a `pulumi preview --json`, and
 * render the result for pull requests, machines or terminals.
 *
 * @packageDocumentation
 */
export * from "./types";
export { describeChange } from "./describe";
export type { Description, DescribeContext } from "./describe";
export { computeDiff, liveQuestions, assembleDiff, compareSlot } from "./compute";
export type { ComputeOptions, Question, Slot } from "./compute";
export { renderMarkdown, GITHUB_COMMENT_LIMIT, MARKER, markerFor } from "./render/markdown";
export type { MarkdownOptions } from "./render/markdown";
export { renderJson, DIFF_JSON_VERSION } from "./render/json";
export { renderTable } from "./render/table";
export { diffLive, queryLive } from "./live";
export type { LiveDiffOptions } from "./live";
export {
  diffFromPreview,
  diffFromPreviewStream,
  parsePreview,
  PreviewError,
  RECORD_RESOURCE_TYPES,
} from "./preview";
export type { PreviewDiffOptions } from "./preview";
