/**
 * The hash worker, as CommonJS source for `new Worker(source, { eval: true })`. A string rather
 * than a file so it runs the same from tsc output, under tsx and inside a bundle: no worker script
 * path to resolve. It receives the compiled module in `workerData` (no second compile) and mirrors
 * `createCryptCore` in `./wasm.ts`; the pool tests check both give identical hashes.
 */
export const WORKER_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const ex = new WebAssembly.Instance(workerData.module, {}).exports;
const base = ex.__heap_base.value;
function hash(key, salt, rounds) {
  const saltPtr = base + key.length;
  const scratch = saltPtr + salt.length;
  const out = scratch + key.length;
  const have = ex.memory.buffer.byteLength;
  if (out + 86 > have) ex.memory.grow(Math.ceil((out + 86 - have) / 65536));
  const mem = new Uint8Array(ex.memory.buffer);
  mem.set(key, base);
  for (let i = 0; i < salt.length; i++) mem[saltPtr + i] = salt.charCodeAt(i);
  ex.sha512crypt(base, key.length, saltPtr, salt.length, rounds, scratch, out);
  let h = "";
  for (let i = 0; i < 86; i++) h += String.fromCharCode(mem[out + i]);
  mem.fill(0, base, out);
  return h;
}
parentPort.on("message", (m) => {
  parentPort.postMessage({ start: m.start, hashes: m.jobs.map((j) => hash(j.key, j.salt, j.rounds)) });
});
`;
