/**
 * The registry of preview readers: for each DNS provider folder, the reader of its own record
 * resources in `pulumi preview --json`. Importing this module loads no Pulumi package and no
 * cloud SDK (a test enforces it), so `dmsctl diff --from-preview` runs without them.
 */
import { cloudflarePreviewReader } from "./cloudflare/preview";
import type { PreviewRecordReader } from "./preview-reader";
import { route53PreviewReader } from "./route53/preview";

/** Every provider's preview reader. Adding a provider with resources adds its reader here. */
export const PREVIEW_READERS: readonly PreviewRecordReader[] = [
  cloudflarePreviewReader,
  route53PreviewReader,
];

/** DNS record resource types the preview path reads. */
export const RECORD_RESOURCE_TYPES: readonly string[] = PREVIEW_READERS.flatMap(
  (r) => r.resourceTypes,
);

/** The reader of a resource type (a URN's type token), or `undefined` for any other resource. */
export function previewReaderFor(resourceType: string): PreviewRecordReader | undefined {
  return PREVIEW_READERS.find((r) => r.resourceTypes.includes(resourceType));
}
