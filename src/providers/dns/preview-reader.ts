/**
 * What a DNS provider folder supplies to read its own record resources back from the document
 * `pulumi preview --json` prints (`dmsctl diff --from-preview`): the resource types it creates and
 * a reader that turns one state of such a resource into the plan's canonical values. The
 * registry of readers is `./readers.ts`; the diff that uses them is `../../diff/preview.ts`.
 *
 * Plain parsing only: modules implementing this never load `@pulumi/*` or a cloud SDK, so the
 * preview path needs no provider package and no credentials.
 */
import type { DnsProviderKind, RecordPurpose, RecordType } from "../../records/types";

/** A JSON value as the preview document holds it. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** A JSON object: a resource state's `inputs` or `outputs`. */
export type JsonObject = { [k: string]: Json };

/** What the engine prints for a value not known until deploy (`plugin.UnknownStringValue`). */
export const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** What the engine prints for a secret value in JSON output. */
export const SECRET_MARK = "[secret]";

/** One record resource as read from a state: its values and where it lives. */
export interface PreviewRecordState {
  /** The provider's zone id; `""` when the state has none. */
  readonly zoneId: string;
  /** As written in the state, lowercase: an FQDN, a relative name or `@`. */
  readonly name: string;
  readonly type: RecordType;
  /**
   * Canonical values (see `DnsRecord.values`); a value the engine masks stays as printed
   * ({@link UNKNOWN_SENTINEL}, {@link SECRET_MARK}).
   */
  readonly values: readonly string[];
  readonly ttl?: number;
  /** Cloudflare proxying, when the provider has it. */
  readonly proxied?: boolean;
  /** The purpose our own records carry (Cloudflare's `comment`). */
  readonly purposeHint?: RecordPurpose;
}

/** A provider's reader of its own record resources in a preview. */
export interface PreviewRecordReader {
  readonly kind: DnsProviderKind;
  /** The Pulumi resource types (URN type tokens) this reader understands. */
  readonly resourceTypes: readonly string[];
  /** Reads one state; `undefined` when its record type is not one the library models. */
  readState(props: JsonObject): PreviewRecordState | undefined;
}

/** Record types the plan can hold, the only ones the readers report. */
export const PREVIEW_RECORD_TYPES: readonly RecordType[] = [
  "A",
  "AAAA",
  "MX",
  "TXT",
  "CNAME",
  "SRV",
  "CAA",
  "PTR",
];

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A number, or a string of digits as the engine sometimes prints one. */
export function jsonNumber(v: Json | undefined): number | undefined {
  return typeof v === "number"
    ? v
    : typeof v === "string" && /^\d+$/.test(v)
      ? Number(v)
      : undefined;
}

export function jsonString(v: Json | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Whether the engine masked a value (unknown until deploy, or secret). */
export function isMasked(value: string): boolean {
  return value.includes(UNKNOWN_SENTINEL) || value === SECRET_MARK;
}

/** The record type of a state, when it is one the plan models. */
export function stateRecordType(props: JsonObject): RecordType | undefined {
  const type = jsonString(props.type)?.toUpperCase() as RecordType | undefined;
  return type !== undefined && PREVIEW_RECORD_TYPES.includes(type) ? type : undefined;
}

/**
 * Parses a value with the value module of its type and renders it back canonically; text the
 * parser does not accept (a provider quirk, a hand-made record) is kept as the provider shows it,
 * so the diff still reports it rather than failing.
 */
export function canonicalOr<T>(
  text: string,
  parse: (t: string) => T | undefined,
  render: (v: T) => string,
): string {
  const v = parse(text);
  return v === undefined ? text.trim() : renderOr(() => render(v), text.trim());
}

/** `render()`, or `fallback` when the fields read from a state are out of the type's range. */
export function renderOr(render: () => string, fallback: string): string {
  try {
    return render();
  } catch {
    return fallback;
  }
}
