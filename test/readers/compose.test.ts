/**
 * Property test: image tags, mounted TLS paths and env values with the characters Compose reads
 * specially (`$`, `${}`, `:`, ` #`, quotes, spaces), fed through validation and the plan, then
 * read back by a real Compose (`docker-compose config`, Debian's v1) from the written
 * `compose.yaml` and `mailserver.env`. Each spec either reads back exactly as planned, or is
 * refused by a registered rule naming the field path and the value.
 *
 * Compose is slow to start, so each property run checks a batch of specs as the services of one
 * file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { planMailServer } from "../../src/plan/plan";
import { renderCompose } from "../../src/plan/render";
import { renderEnvFile } from "../../src/dms";
import { requireTool } from "../dms/tools";
import { Outcomes, SEED } from "./helpers";

const text = (specials: string, maxLength: number) =>
  fc
    .array(
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom("a", "b", "1") },
        { weight: 2, arbitrary: fc.constantFrom(...specials.split("")) },
      ),
      { minLength: 1, maxLength },
    )
    .map((cs) => cs.join(""));

const caseArb = fc.record({
  tag: text("$.{}-_", 8),
  certDir: text("$:{} #_.", 8),
  env: text("$#{} '\"\\=", 8),
});
type Case = { tag: string; certDir: string; env: string };

function specOf(c: Case): Record<string, unknown> {
  return {
    hostname: "mail.example.com",
    ipv4: "192.0.2.10",
    domains: [{ name: "example.com" }],
    accounts: [
      {
        address: "alice@example.com",
        passwordHash: `{SHA512-CRYPT}$6$abcdefghijklmnop$${"A".repeat(86)}`,
      },
    ],
    image: { repository: "ghcr.io/docker-mailserver/docker-mailserver", tag: c.tag },
    tls: { type: "manual", certPath: `/srv/${c.certDir}/cert.pem`, keyPath: "/srv/tls/key.pem" },
    env: { X_VALUE: c.env },
  };
}

/** `docker-compose config` (v1) prints `$` in image and environment values as `$$`. */
const unescape = (v: string) => v.replace(/\$\$/g, "$");

test("image, mounts and env read back through docker-compose config, or are refused", (t) => {
  if (!requireTool(t, "docker-compose", ["version"])) return;
  const dir = mkdtempSync(join(tmpdir(), "compose-readers-"));
  const outcomes = new Outcomes();
  try {
    fc.assert(
      fc.property(fc.array(caseArb, { minLength: 12, maxLength: 12 }), (cases) => {
        const services: Record<string, unknown> = {};
        const expected: Record<
          string,
          { image: string; volumes: string[]; env: Record<string, string> }
        > = {};
        cases.forEach((c, i) => {
          const input = specOf(c);
          const { spec } = outcomes.check(input);
          if (spec === undefined) return;
          const plan = planMailServer(spec, {
            passwordHashes: new Map(),
            dkimKeys: new Map(),
          });
          const doc = parse(renderCompose(plan)) as {
            services: { mailserver: Record<string, unknown> };
          };
          const name = `s${i}`;
          writeFileSync(join(dir, `${name}.env`), renderEnvFile(plan.container.env));
          services[name] = {
            ...doc.services.mailserver,
            env_file: [`${name}.env`],
            container_name: name,
          };
          expected[name] = {
            image: plan.container.image,
            volumes: plan.container.bindMounts.map(
              (b) => `${b.hostPath}:${b.containerPath}${b.readOnly ? ":ro" : ""}`,
            ),
            env: Object.fromEntries(plan.container.env),
          };
        });
        if (Object.keys(services).length === 0) return;
        writeFileSync(join(dir, "compose.yaml"), stringify({ services }, { lineWidth: 0 }));
        const run = spawnSync("docker-compose", ["-f", join(dir, "compose.yaml"), "config"], {
          encoding: "utf8",
          env: { PATH: process.env.PATH ?? "", HOME: "/home-of-the-test" },
          timeout: 60_000,
        });
        assert.equal(run.status, 0, run.stderr);
        const read = parse(run.stdout) as {
          services: Record<
            string,
            { image: string; volumes: string[]; environment: Record<string, string> }
          >;
        };
        for (const [name, want] of Object.entries(expected)) {
          const got = read.services[name]!;
          assert.equal(unescape(got.image), want.image, `${name}: image`);
          for (const v of want.volumes)
            assert.ok(got.volumes.includes(v), `${name}: volume ${v} in ${got.volumes.join(" ")}`);
          const env = Object.fromEntries(
            Object.entries(got.environment).map(([k, v]) => [k, unescape(String(v))]),
          );
          assert.deepEqual(env, want.env, `${name}: environment`);
        }
      }),
      // A failing batch is reported as found: shrinking it would start Compose hundreds of times.
      { seed: SEED, numRuns: 5, endOnFailure: true },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  outcomes.assertBoth(15);
});
