import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  deriveSalt,
  hashPasswords,
  randomSalt,
  sha512Crypt,
  type HashEntry,
} from "../../src/dms/password";
import { PYTHON_CRYPT_PROBE, doveadmVerify, glibcCrypt, requireTool } from "./tools";

const PASSWORDS: readonly string[] = [
  "",
  "a",
  "password",
  "Hello world!",
  "correct horse battery staple",
  "p|a:s$s\\w'o\"rd {SHA512-CRYPT}",
  "tab\tand\nnewline",
  "pässwörd",
  "пароль-密码-🔑",
  "x".repeat(63),
  "y".repeat(64),
  "z".repeat(65),
  "0123456789".repeat(12) + "abcdefg", // 127
  "k".repeat(128),
  "m".repeat(129),
  "é".repeat(100), // 200 bytes
  "w".repeat(511), // the longest crypt(3) accepts
];
const SALTS: readonly string[] = [
  "a",
  "saltstring",
  "./0123456789AbC",
  "abcdefghijklmnop",
  "/./.zZ9/./.zZ9..",
];
const ROUNDS: readonly (number | undefined)[] = [undefined, 1000, 5000, 7777];

/** A deterministic spread of (password, salt, rounds): every password, salt and rounds value. */
function cases(): [string, string, number | undefined][] {
  const out: [string, string, number | undefined][] = [];
  PASSWORDS.forEach((p, i) => {
    SALTS.forEach((s, j) => {
      if ((i + j) % 2 === 0) out.push([p, s, ROUNDS[(i + j) % ROUNDS.length]]);
    });
  });
  return out;
}

function setting(salt: string, rounds: number | undefined): string {
  return rounds === undefined ? `$6$${salt}` : `$6$rounds=${rounds}$${salt}`;
}

describe("sha512Crypt", () => {
  it("matches the SHA-crypt specification's test vectors", () => {
    assert.equal(
      sha512Crypt("Hello world!", "saltstring"),
      "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
    );
    assert.equal(
      sha512Crypt("Hello world!", "saltstringsaltst", 10000),
      "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.",
    );
  });

  it("equals glibc crypt(3) for every password, salt and rounds in the table", (t) => {
    if (!requireTool(t, "python3", PYTHON_CRYPT_PROBE)) return;
    const table = cases();
    assert.equal(table.length, 43);
    const expected = glibcCrypt(table.map(([p, s, r]) => [p, setting(s, r)] as const));
    const ours = table.map(([p, s, r]) => sha512Crypt(p, s, r));
    for (let i = 0; i < table.length; i++) {
      assert.equal(ours[i], expected[i], `case ${i}: ${JSON.stringify(table[i])}`);
    }
  });

  it("verifies with doveadm pw -t, and a wrong password does not", (t) => {
    if (!requireTool(t, "doveadm", ["pw", "-l"])) return;
    const hash = `{SHA512-CRYPT}${sha512Crypt("pässwörd", "abcdefghijklmnop")}`;
    assert.deepEqual(doveadmVerify(hash, "pässwörd"), { status: 0, out: `${hash} (verified)` });
    assert.equal(doveadmVerify(hash, "passwörd").status, 75);
  });

  it("rejects bad salts, rounds and passwords with the bad value named (never the password)", () => {
    const cases: [() => unknown, string][] = [
      [() => sha512Crypt("pw", ""), 'salt must be 1 to 16 characters of [./0-9A-Za-z], got ""'],
      [
        () => sha512Crypt("pw", "abcdefghijklmnopq"),
        'salt must be 1 to 16 characters of [./0-9A-Za-z], got "abcdefghijklmnopq"',
      ],
      [
        () => sha512Crypt("pw", "ab$c"),
        'salt must be 1 to 16 characters of [./0-9A-Za-z], got "ab$c"',
      ],
      [
        () => sha512Crypt("pw", "ab:c"),
        'salt must be 1 to 16 characters of [./0-9A-Za-z], got "ab:c"',
      ],
      [
        () => sha512Crypt("pw", "salt", 999),
        "rounds must be an integer from 1000 to 999999999, got 999",
      ],
      [
        () => sha512Crypt("pw", "salt", 1e9),
        "rounds must be an integer from 1000 to 999999999, got 1000000000",
      ],
      [
        () => sha512Crypt("pw", "salt", 1500.5),
        "rounds must be an integer from 1000 to 999999999, got 1500.5",
      ],
      [() => sha512Crypt("secret\0x", "salt"), "password must not contain a NUL character"],
      [
        () => sha512Crypt("ü".repeat(256), "salt"),
        "password must be at most 511 bytes in UTF-8 (crypt(3) refuses longer ones), got 512",
      ],
    ];
    for (const [f, message] of cases) assert.throws(f, { message });
  });

  it("never puts a '|', ':' or newline in its output", () => {
    for (const [p, s, r] of cases()) assert.doesNotMatch(sha512Crypt(p, s, r), /[|:\n\r]/);
  });
});

describe("deriveSalt", () => {
  it("is 16 crypt-base64 characters of HMAC-SHA-512(key, address NUL password)", () => {
    assert.equal(
      deriveSalt("mail.example.org", "alice@example.org", "pw"),
      "9Yydi2VTgRl0Obv1" /* computed independently with Python hmac */,
    );
    assert.match(deriveSalt("k", "a@b.c", ""), /^[./0-9A-Za-z]{16}$/);
  });

  it("differs per key, per address and per password, and is stable", () => {
    const base = deriveSalt("mail.example.org", "alice@example.org", "pw");
    assert.equal(deriveSalt("mail.example.org", "alice@example.org", "pw"), base);
    assert.notEqual(deriveSalt("mail.example.net", "alice@example.org", "pw"), base);
    assert.notEqual(deriveSalt("mail.example.org", "bob@example.org", "pw"), base);
    assert.notEqual(deriveSalt("mail.example.org", "alice@example.org", "pw2"), base);
    // The NUL separator: ("ab", "c") and ("a", "bc") must not collide.
    assert.notEqual(deriveSalt("k", "ab", "c"), deriveSalt("k", "a", "bc"));
  });
});

describe("randomSalt", () => {
  it("is 16 crypt-base64 characters and differs each call", () => {
    const salts = new Set(Array.from({ length: 50 }, () => randomSalt()));
    assert.equal(salts.size, 50);
    for (const s of salts) assert.match(s, /^[./0-9A-Za-z]{16}$/);
  });
});

describe("hashPasswords", () => {
  const entries: HashEntry[] = Array.from({ length: 100 }, (_, i) => ({
    address: `user${i}@example.org`,
    password: `pw-${i}-${"é".repeat(i % 7)}`,
    salt: deriveSalt("mail.example.org", `user${i}@example.org`, `pw-${i}`),
    rounds: i % 10 === 0 ? 1000 : undefined,
  }));
  const expected = entries.map((e) => `{SHA512-CRYPT}${sha512Crypt(e.password, e.salt, e.rounds)}`);

  it("returns Dovecot hashes in input order, in this thread for small batches", async () => {
    assert.deepEqual(await hashPasswords(entries.slice(0, 5)), expected.slice(0, 5));
    assert.deepEqual(await hashPasswords(entries, { threads: 1 }), expected);
  });

  it("gives the same hashes from a worker pool, with more workers than chunks too", async () => {
    assert.deepEqual(await hashPasswords(entries, { threads: 2 }), expected);
    assert.deepEqual(await hashPasswords(entries, { threads: 2, poolThreshold: 0 }), expected);
    assert.deepEqual(
      await hashPasswords(entries.slice(0, 3), { threads: 4, poolThreshold: 0 }),
      expected.slice(0, 3),
    );
  });

  it("returns [] for no entries", async () => {
    assert.deepEqual(await hashPasswords([]), []);
  });

  it("reports every bad entry at once, by index and address, never quoting a password", async () => {
    await assert.rejects(
      hashPasswords([
        { address: "a@x.org", password: "ok", salt: "abc" },
        { address: "b@x.org", password: "sec\0ret", salt: "abc" },
        { address: "c@x.org", password: "ok", salt: "bad salt" },
        { address: "d@x.org", password: "ok", salt: "abc", rounds: 10 },
      ]),
      {
        message: [
          "entries[1] (b@x.org): password must not contain a NUL character",
          'entries[2] (c@x.org): salt must be 1 to 16 characters of [./0-9A-Za-z], got "bad salt"',
          "entries[3] (d@x.org): rounds must be an integer from 1000 to 999999999, got 10",
        ].join("\n"),
      },
    );
  });
});
