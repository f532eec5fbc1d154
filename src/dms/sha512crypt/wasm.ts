/**
 * The SHA512-CRYPT core: a WebAssembly build of `sha512crypt.c` (SHA-512 per FIPS 180-4 and
 * Drepper's SHA-crypt loop), embedded as base64 so that neither tsc nor a bundler has to copy an
 * asset. WebAssembly rather than JavaScript because the bar is "at most 3x glibc's crypt(3)": a
 * pure-JS SHA-512 on 64-bit words split into 32-bit halves costs 5-7x (measured 2026-11-22).
 *
 * Internal: `../password.ts` is the public surface.
 */
import { SHA512CRYPT_WASM_BASE64 } from "./wasm.generated";

/** A compiled WebAssembly module (opaque; structured-cloneable to workers). */
export type WasmModule = { readonly __wasmModule: unique symbol };

/** The slice of the WebAssembly JS API used here (Node has it; `lib: ES2022` does not type it). */
export interface WasmApi {
  readonly Module: {
    new (bytes: Uint8Array): WasmModule;
    imports(m: WasmModule): { module: string; name: string; kind: string }[];
    exports(m: WasmModule): { name: string; kind: string }[];
  };
  readonly Instance: new (m: WasmModule, imports: object) => { readonly exports: object };
}

/** `globalThis.WebAssembly`, typed locally rather than by a global declaration. */
export const WASM = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface CoreExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  readonly __heap_base: { readonly value: number };
  sha512crypt(
    key: number,
    keyLen: number,
    salt: number,
    saltLen: number,
    rounds: number,
    scratch: number,
    out: number,
  ): void;
}

/** Length of the hash part of a `$6$` string (512 bits in crypt-base64). */
export const HASH_CHARS = 86;

let compiled: WasmModule | undefined;

/** The compiled module, compiled once per thread and shareable with workers via postMessage. */
export function sha512CryptModule(): WasmModule {
  compiled ??= new WASM.Module(Buffer.from(SHA512CRYPT_WASM_BASE64, "base64"));
  return compiled;
}

/** Computes the 86-character hash of `key` (bytes) with `salt` (ASCII, <= 16 chars). */
export type CryptCore = (key: Uint8Array, salt: string, rounds: number) => string;

/**
 * Instantiates the module and returns a synchronous hasher. The inputs are laid out from
 * `__heap_base`: key, salt, the key-length scratch for the P sequence, then the 86 output bytes.
 */
export function createCryptCore(module: WasmModule = sha512CryptModule()): CryptCore {
  const ex = new WASM.Instance(module, {}).exports as CoreExports;
  const base = ex.__heap_base.value;
  return (key, salt, rounds) => {
    const saltPtr = base + key.length;
    const scratch = saltPtr + salt.length;
    const out = scratch + key.length;
    const end = out + HASH_CHARS;
    const have = ex.memory.buffer.byteLength;
    if (end > have) ex.memory.grow(Math.ceil((end - have) / 65536));
    const mem = new Uint8Array(ex.memory.buffer);
    mem.set(key, base);
    for (let i = 0; i < salt.length; i++) mem[saltPtr + i] = salt.charCodeAt(i);
    ex.sha512crypt(base, key.length, saltPtr, salt.length, rounds, scratch, out);
    let hash = "";
    for (let i = 0; i < HASH_CHARS; i++) hash += String.fromCharCode(mem[out + i]!);
    // The key and its P sequence are secrets: do not leave them in linear memory.
    mem.fill(0, base, out);
    return hash;
  };
}
