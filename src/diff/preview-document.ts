/**
 * Reads the document `pulumi preview --json` prints a piece at a time and hands over its steps one
 * by one, so `dmsctl diff --from-preview` never holds the whole document: memory is bounded by the
 * largest single step plus what the caller keeps, whatever the document's size.
 *
 * The JSON is tokenized by `@streamparser/json` (a streaming parser of UTF-8 bytes, the split of a
 * multi-byte character across chunks included); only the elements of the top-level `steps` array
 * are assembled into values, each dropped once handed over. Everything else (`config`,
 * `diagnostics`, `changeSummary`) is dropped as it is read; only its top-level keys are noted, to
 * tell a preview document from another JSON file. The checks and their messages are those of the
 * document as a whole: the root must be an object, `steps` an array (or absent, as the engine
 * omits it for an empty program) of objects with a string `op` and `urn`; JSON errors name the line
 * and column (in bytes) where they are found.
 */
import type * as StreamParser from "@streamparser/json";
import type { ParsedTokenInfo } from "@streamparser/json";
import { isJsonObject, type JsonObject } from "../providers/dns/preview-reader";

let streamParser: typeof StreamParser | undefined;
/**
 * `@streamparser/json`, loaded on first use: only `dmsctl diff --from-preview` reads a preview,
 * and importing the package should not load the parser's nine modules for every Pulumi program.
 */
function parserModule(): typeof StreamParser {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (streamParser ??= require("@streamparser/json") as typeof StreamParser);
}

/** A bad preview document: the message names the file and what is wrong. */
export class PreviewError extends Error {}

/** Step problems listed in one error; a document where every step is wrong says how many more. */
const MAX_PROBLEMS = 20;
/** Top-level keys of `PreviewDigest` that tell a preview without steps from other JSON. */
const PREVIEW_KEYS = ["changeSummary", "config", "diagnostics"];
/** Bytes kept from the start of the document, to recognise a stream of engine events. */
const HEAD_BYTES = 4096;

/** What a token is called in an error message. */
function describeToken(t: Omit<ParsedTokenInfo, "offset">): string {
  const { TokenType } = parserModule();
  switch (t.token) {
    case TokenType.STRING:
      return `string ${JSON.stringify(t.value)}`;
    case TokenType.NUMBER:
      return `number ${String(t.value)}`;
    default:
      return JSON.stringify(String(t.value));
  }
}

/** The JSON type of a value that starts with this token, as `typeof` would name it. */
function typeOfToken(token: StreamParser.TokenType): string {
  const { TokenType } = parserModule();
  switch (token) {
    case TokenType.LEFT_BRACKET:
      return "array";
    case TokenType.STRING:
      return "string";
    case TokenType.NUMBER:
      return "number";
    case TokenType.TRUE:
    case TokenType.FALSE:
      return "boolean";
    default:
      // `{` and `null` (typeof null is "object", as the whole-document check said)
      return "object";
  }
}

/**
 * A push reader of one preview document: {@link write} its bytes (or text) in order, then
 * {@link end}. `onStep` gets each valid step while the document is read; every problem is thrown
 * as a {@link PreviewError} (JSON errors at once, shape problems by {@link end}, all together).
 */
export class PreviewDocumentReader {
  private readonly tokenizer = new (parserModule().Tokenizer)();
  /** The parser's token enum, read once per reader rather than once per token. */
  private readonly tokenTypes = parserModule().TokenType;
  // keepStack: false drops each value from its parent once complete, so nothing accumulates.
  private readonly parser = new (parserModule().TokenParser)({
    paths: ["$.steps.*"],
    keepStack: false,
  });
  private readonly problems: string[] = [];
  private moreProblems = 0;
  /** Bytes before the current chunk, and newlines in them (for error positions). */
  private bytesBefore = 0;
  private linesBefore = 0;
  /** Offset of the last newline before the current chunk (-1: none yet). */
  private lastNewline = -1;
  private chunk: Uint8Array = new Uint8Array(0);
  private head = Buffer.alloc(0);
  /** Nesting depth before the current token; 1 inside the root object. */
  private depth = 0;
  private rootKind: string | undefined;
  /** At depth 1: the next string is a key (after `{` or `,`), or the next token starts a value. */
  private expect: "key" | "value" | "other" = "other";
  private key: string | undefined;
  /** Whether a key only a preview has besides `steps` was seen at the top level. */
  private previewKey = false;
  private stepsType: string | undefined;
  private steps = 0;
  /** The token being parsed, to name it when the parser refuses it. */
  private current: ParsedTokenInfo | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly file: string,
    private readonly onStep: (step: JsonObject) => void,
  ) {
    this.tokenizer.onToken = (t) => this.token(t);
    this.tokenizer.onError = (err) =>
      this.fail(
        /ended in the middle of a token/.test(err.message)
          ? this.endsEarly()
          : this.jsonError(err.message),
      );
    // The parser's own messages name its states: say which token it did not expect, and where.
    this.parser.onError = (err) =>
      this.fail(
        this.current === undefined
          ? this.jsonError(err.message)
          : this.jsonError(`unexpected ${describeToken(this.current)}`, this.current.offset),
      );
    this.parser.onValue = ({ value, key }) => this.step(value, key);
  }

  /** Reads the next piece of the document. */
  write(piece: Uint8Array | string): void {
    if (this.failure) throw this.failure;
    const bytes = typeof piece === "string" ? Buffer.from(piece, "utf8") : piece;
    if (this.head.length < HEAD_BYTES) {
      this.head = Buffer.concat([this.head, bytes.subarray(0, HEAD_BYTES - this.head.length)]);
    }
    this.chunk = bytes;
    try {
      this.tokenizer.write(bytes);
    } finally {
      this.bytesBefore += bytes.length;
      this.linesBefore += countNewlines(bytes, bytes.length);
      const nl = bytes.lastIndexOf(10);
      if (nl !== -1) this.lastNewline = this.bytesBefore - bytes.length + nl;
      this.chunk = new Uint8Array(0);
    }
    if (this.failure) throw this.failure;
  }

  /** Ends the document: throws a {@link PreviewError} when it is incomplete or not a preview. */
  end(): void {
    if (this.failure) throw this.failure;
    this.tokenizer.end();
    if (this.failure) throw this.failure;
    if (this.rootKind === undefined || !this.parser.isEnded) throw this.endsEarly();
    if (this.stepsType === undefined) {
      if (!this.previewKey) {
        throw new PreviewError(
          `${this.file}: not a \`pulumi preview --json\` document (no "steps", "changeSummary", "config" or "diagnostics")`,
        );
      }
    }
    if (this.stepsType !== undefined && this.stepsType !== "array") {
      throw new PreviewError(`${this.file}: "steps" must be an array, got ${this.stepsType}`);
    }
    if (this.problems.length > 0) {
      const more = this.moreProblems > 0 ? `; and ${this.moreProblems} more` : "";
      throw new PreviewError(`${this.file}: ${this.problems.join("; ")}${more}`);
    }
  }

  private endsEarly(): PreviewError {
    return new PreviewError(
      `${this.file}: not JSON (the document ends early, at byte ${this.bytesBefore})`,
    );
  }

  private fail(error: Error): void {
    this.failure ??= error;
  }

  /** Watches the top level (root type, keys, the type of `steps`), then feeds the parser. */
  private token(t: ParsedTokenInfo): void {
    const TokenType = this.tokenTypes;
    if (this.failure) return;
    if (this.rootKind === undefined) {
      this.rootKind = typeOfToken(t.token);
      if (t.token !== TokenType.LEFT_BRACE) {
        const got = this.rootKind === "array" ? "an array" : this.rootKind;
        this.fail(
          new PreviewError(
            `${this.file}: expected the JSON object printed by \`pulumi preview --json\`, got ${got}`,
          ),
        );
        return;
      }
    } else if (this.depth === 1) {
      if (this.expect === "key" && t.token === TokenType.STRING) {
        this.key = String(t.value);
        if (PREVIEW_KEYS.includes(this.key)) this.previewKey = true;
        this.expect = "other";
      } else if (t.token === TokenType.COLON) {
        this.expect = "value";
      } else if (this.expect === "value") {
        if (this.key === "steps") this.stepsType = typeOfToken(t.token);
        this.expect = "other";
      }
      if (t.token === TokenType.COMMA) this.expect = "key";
    }
    if (t.token === TokenType.LEFT_BRACE || t.token === TokenType.LEFT_BRACKET) {
      this.depth++;
      if (this.depth === 1) this.expect = "key";
    } else if (t.token === TokenType.RIGHT_BRACE || t.token === TokenType.RIGHT_BRACKET) {
      this.depth--;
    }
    this.current = t;
    this.parser.write(t);
    this.current = undefined;
  }

  /** One element of `steps`: checked, then handed over and forgotten. */
  private step(value: unknown, key: unknown): void {
    if (this.failure || this.stepsType !== "array" || typeof key !== "number") return;
    const i = this.steps++;
    const problem = (p: string) => {
      if (this.problems.length < MAX_PROBLEMS) this.problems.push(p);
      else this.moreProblems++;
    };
    if (!isJsonObject(value)) {
      problem(`steps[${i}]: expected an object`);
      return;
    }
    let ok = true;
    if (typeof value.op !== "string") {
      problem(`steps[${i}].op: expected a string, got ${JSON.stringify(value.op ?? null)}`);
      ok = false;
    }
    if (typeof value.urn !== "string") {
      problem(`steps[${i}].urn: expected a string, got ${JSON.stringify(value.urn ?? null)}`);
      ok = false;
    }
    if (!ok || this.problems.length > 0) return;
    // The parser would take anything thrown here for a JSON error: keep it to rethrow as it is.
    try {
      this.onStep(value);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /** The error for text that is not JSON, or not one JSON document. */
  private jsonError(message: string, offset?: number): PreviewError {
    const firstLine = this.head.toString("utf8").trimStart().split("\n")[0] ?? "";
    if (/^\{.*"sequence"\s*:/.test(firstLine)) {
      return new PreviewError(
        `${this.file}: this is a stream of engine events (PULUMI_ENABLE_STREAMING_JSON_PREVIEW), not the preview document: run \`pulumi preview --json\` without that variable`,
      );
    }
    // The tokenizer's messages carry the byte ("absolute position") and the character.
    const at = offset ?? Number(/absolute position "(\d+)"/.exec(message)?.[1] ?? NaN);
    const char = /^Unexpected "(.)"/.exec(message)?.[1];
    const what =
      char === undefined
        ? message
        : char.charCodeAt(0) < 0x80
          ? `unexpected ${JSON.stringify(char)}`
          : `unexpected byte 0x${char.charCodeAt(0).toString(16)}`;
    if (!Number.isFinite(at)) return new PreviewError(`${this.file}: not JSON (${what})`);
    return new PreviewError(`${this.file}: not JSON (${what} at ${this.position(at)})`);
  }

  /** `line L, column C` (1-based, columns in bytes) of a byte offset in the document. */
  private position(offset: number): string {
    const inChunk = Math.max(0, Math.min(offset - this.bytesBefore, this.chunk.length));
    const line = this.linesBefore + countNewlines(this.chunk, inChunk) + 1;
    const nl = inChunk === 0 ? -1 : this.chunk.lastIndexOf(10, inChunk - 1);
    const lineStart = nl === -1 ? this.lastNewline + 1 : this.bytesBefore + nl + 1;
    return `line ${line}, column ${offset - lineStart + 1}`;
  }
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i !== -1 && i < end; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * Reads a whole preview document held as text, in pieces (no second copy of it), handing each step
 * to `onStep`. Throws {@link PreviewError}.
 */
export function readPreviewText(text: string, file: string, onStep: (s: JsonObject) => void): void {
  const reader = new PreviewDocumentReader(file, onStep);
  const PIECE = 1 << 16;
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + PIECE, text.length);
    // Never split a surrogate pair between two pieces.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end++;
    reader.write(text.slice(start, end));
    start = end;
  }
  reader.end();
}

/** Reads a preview document from a stream of chunks (a file or stdin). Rejects with {@link PreviewError}. */
export async function readPreviewStream(
  source: AsyncIterable<Uint8Array | string>,
  file: string,
  onStep: (s: JsonObject) => void,
): Promise<void> {
  const reader = new PreviewDocumentReader(file, onStep);
  for await (const chunk of source) reader.write(chunk);
  reader.end();
}
