/**
 * Password hashing for `postfix-accounts.cf`: SHA512-CRYPT (`$6$`), byte-identical to glibc /
 * libxcrypt `crypt(3)`, which is what DMS's `setup email add` writes through `doveadm pw -s
 * SHA512-CRYPT` and what Dovecot verifies (docs/dms-contract.md#password-hashes).
 *
 * Two salt sources share one hash function: the Pulumi components keep a random salt
 * ({@link randomSalt}) in state; `dmsctl`, which has no state and must plan deterministically,
 * derives it ({@link deriveSalt}).
 *
 * @see https://www.akkadia.org/drepper/SHA-crypt.txt
 * @see https://doc.dovecot.org/2.3/configuration_manual/authentication/password_schemes/
 */
import { createHmac, randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { createCryptCore, sha512CryptModule, type CryptCore } from "./sha512crypt/wasm";
import { WORKER_SOURCE } from "./sha512crypt/worker-source";

/** The crypt-base64 alphabet (`./0-9A-Za-z`), used for salts and hashes. */
export const CRYPT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Rounds when none are given; the `$6$` string then has no `rounds=` part. */
export const DEFAULT_ROUNDS = 5000;
/** libxcrypt's bounds for `rounds=` (it rejects values outside, glibc used to clamp). */
export const MIN_ROUNDS = 1000;
export const MAX_ROUNDS = 999_999_999;
/**
 * Longest password in UTF-8 bytes. libxcrypt (Debian's libcrypt, which Dovecot in the DMS image
 * uses to verify) refuses passphrases of 512 bytes or more, so a longer one could never log in.
 */
export const MAX_PASSWORD_BYTES = 511;
/** Dovecot's scheme prefix for these hashes in `postfix-accounts.cf`. */
export const DOVECOT_SCHEME_PREFIX = "{SHA512-CRYPT}";

const SALT_PATTERN = /^[./0-9A-Za-z]{1,16}$/;

let core: CryptCore | undefined;

/** The problem with a password, or undefined. Never quotes the password. */
function passwordProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length > MAX_PASSWORD_BYTES) {
    return `password must be at most ${MAX_PASSWORD_BYTES} bytes in UTF-8 (crypt(3) refuses longer ones), got ${bytes.length}`;
  }
  if (bytes.includes(0)) return "password must not contain a NUL character";
  return undefined;
}

function saltProblem(salt: string): string | undefined {
  if (SALT_PATTERN.test(salt)) return undefined;
  return `salt must be 1 to 16 characters of [./0-9A-Za-z], got ${JSON.stringify(salt)}`;
}

function roundsProblem(rounds: number | undefined): string | undefined {
  if (rounds === undefined) return undefined;
  if (Number.isInteger(rounds) && rounds >= MIN_ROUNDS && rounds <= MAX_ROUNDS) return undefined;
  return `rounds must be an integer from ${MIN_ROUNDS} to ${MAX_ROUNDS}, got ${JSON.stringify(rounds)}`;
}

function prefix(salt: string, rounds: number | undefined): string {
  return rounds === undefined ? `$6$${salt}$` : `$6$rounds=${rounds}$${salt}$`;
}

/**
 * SHA512-CRYPT of `password` (UTF-8) with `salt`, as glibc's `crypt(3)` returns it:
 * `$6$<salt>$<86 chars>`, or `$6$rounds=<n>$<salt>$<86 chars>` when `rounds` is given (even 5000,
 * as crypt(3) does when the setting names it). Prefix it with {@link DOVECOT_SCHEME_PREFIX} for
 * Dovecot. Synchronous, about 2 ms at the default rounds; for many passwords use
 * {@link hashPasswords}.
 *
 * @param salt 1 to 16 characters of `./0-9A-Za-z` (16 is what DMS and Dovecot generate).
 * @param rounds {@link MIN_ROUNDS} to {@link MAX_ROUNDS}. @default 5000, written without `rounds=`
 * @throws Error naming the bad salt or rounds; for a bad password, without quoting it.
 */
export function sha512Crypt(password: string, salt: string, rounds?: number): string {
  const key = Buffer.from(password, "utf8");
  const problem = saltProblem(salt) ?? roundsProblem(rounds) ?? passwordProblem(key);
  if (problem !== undefined) throw new Error(problem);
  core ??= createCryptCore();
  return prefix(salt, rounds) + core(key, salt, rounds ?? DEFAULT_ROUNDS);
}

/** Encodes bytes in the crypt-base64 alphabet, 3 bytes to 4 characters, big-endian groups. */
function cryptBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i + 2 < bytes.length; i += 3) {
    const w = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += CRYPT_ALPHABET[(w >> 18) & 63]! + CRYPT_ALPHABET[(w >> 12) & 63]!;
    out += CRYPT_ALPHABET[(w >> 6) & 63]! + CRYPT_ALPHABET[w & 63]!;
  }
  return out;
}

/**
 * A deterministic 16-character salt: the crypt-base64 of the first 12 bytes of
 * HMAC-SHA-512(`key`, `address` NUL `password`). `dmsctl` uses the server's hostname as `key`.
 *
 * Why this keeps what a salt is for: a salt must make equal passwords hash differently and make
 * precomputed tables useless. Here the salt differs per account (the address is an input) and per
 * deployment (the key), so two users, or one user on two servers, with the same password still
 * get different hashes, and no table can be built before the key and address are known. It is
 * derived from the password too, so a password change also changes the salt (no two hashes of one
 * account share a salt). What it gives up is secrecy from someone who already knows the password,
 * which a salt never had: it is stored in clear next to the hash.
 */
export function deriveSalt(key: string, address: string, password: string): string {
  const mac = createHmac("sha512", key).update(`${address}\0${password}`, "utf8").digest();
  return cryptBase64(mac.subarray(0, 12));
}

/** A random 16-character salt (96 bits from the OS CSPRNG), for callers that keep it in state. */
export function randomSalt(): string {
  return cryptBase64(randomBytes(12));
}

/** One password to hash. */
export interface HashEntry {
  /** The account address; only used to name the entry in errors. */
  readonly address: string;
  readonly password: string;
  /** See {@link sha512Crypt}. */
  readonly salt: string;
  /** @default 5000 (no `rounds=` in the output) */
  readonly rounds?: number;
}

/** Options of {@link hashPasswords}. */
export interface HashOptions {
  /** Worker threads for large batches. @default the number of cores (`os.availableParallelism()`) */
  readonly threads?: number;
  /**
   * Batches smaller than this are hashed in the calling thread: starting workers costs more than
   * it saves. @default {@link POOL_THRESHOLD}
   */
  readonly poolThreshold?: number;
}

/**
 * Below this many hashes the pool does not pay. Measured on 2 idle cores (2026-11-22): starting
 * the workers costs about 30 ms and one hash about 1.8 ms; 16 hashes took 28 ms in-thread and
 * 40 ms pooled, 32 took 56 ms and 53 ms, 64 took 110 ms and 86 ms. `bench/hash.bench.ts` prints
 * this crossover.
 */
export const POOL_THRESHOLD = 32;

/**
 * Hashes many passwords, in input order, as Dovecot hashes (`{SHA512-CRYPT}$6$...`). Large
 * batches run in a pool of `worker_threads` sized to the cores; small ones in this thread. Every
 * entry is checked first and all problems are reported at once (naming index and address, never
 * the password).
 */
export async function hashPasswords(
  entries: readonly HashEntry[],
  options: HashOptions = {},
): Promise<string[]> {
  const keys: Buffer[] = [];
  const problems: string[] = [];
  entries.forEach((e, i) => {
    const key = Buffer.from(e.password, "utf8");
    keys.push(key);
    const problem = saltProblem(e.salt) ?? roundsProblem(e.rounds) ?? passwordProblem(key);
    if (problem !== undefined) problems.push(`entries[${i}] (${e.address}): ${problem}`);
  });
  if (problems.length > 0) throw new Error(problems.join("\n"));

  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  const threshold = options.poolThreshold ?? POOL_THRESHOLD;
  const done = (hashes: readonly string[]) =>
    hashes.map((h, i) => DOVECOT_SCHEME_PREFIX + prefix(entries[i]!.salt, entries[i]!.rounds) + h);
  if (threads === 1 || entries.length < threshold) {
    core ??= createCryptCore();
    const c = core;
    return done(entries.map((e, i) => c(keys[i]!, e.salt, e.rounds ?? DEFAULT_ROUNDS)));
  }
  const jobs = entries.map((e, i) => ({
    key: keys[i]!,
    salt: e.salt,
    rounds: e.rounds ?? DEFAULT_ROUNDS,
  }));
  return done(await hashInPool(jobs, Math.min(threads, entries.length)));
}

interface Job {
  readonly key: Uint8Array;
  readonly salt: string;
  readonly rounds: number;
}

/**
 * Runs jobs on `threads` workers. Work is handed out in chunks as workers finish, so a slow worker
 * does not hold up the batch; workers are always terminated, also on failure.
 */
async function hashInPool(jobs: readonly Job[], threads: number): Promise<string[]> {
  const results = new Array<string>(jobs.length);
  const chunk = Math.max(8, Math.ceil(jobs.length / (threads * 8)));
  const module = sha512CryptModule();
  let next = 0;
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: threads }, () => {
        const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module } });
        workers.push(worker);
        return new Promise<void>((resolve, reject) => {
          let finished = false;
          const send = () => {
            if (next >= jobs.length) {
              finished = true;
              resolve();
              return;
            }
            const start = next;
            next = Math.min(jobs.length, next + chunk);
            worker.postMessage({ start, jobs: jobs.slice(start, next) });
          };
          worker.on("message", (m: { start: number; hashes: string[] }) => {
            m.hashes.forEach((h, i) => (results[m.start + i] = h));
            send();
          });
          worker.on("error", reject);
          worker.on("exit", (code) => {
            if (!finished) reject(new Error(`hash worker exited early with code ${code}`));
          });
          send();
        });
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
