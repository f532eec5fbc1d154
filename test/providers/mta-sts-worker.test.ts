/**
 * The Cloudflare Worker script of MTA-STS hosting, run in Node as an ES module against real
 * `Request` objects (Node's fetch API is the one the Workers runtime implements): the policy at
 * the one URL, as text/plain, byte for byte; 404 for any other host, path or method; never a
 * redirect.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { mtaStsWorkerScript } from "../../src/providers/mta-sts/worker-script";
import { mtaStsPolicyText } from "../../src/records/policies";
import { loadWorker } from "../servers/https";

const POLICY = mtaStsPolicyText({ mode: "enforce", mx: ["mail.example.com"], maxAge: 604800 });

test("serves the policy at https://mta-sts.<domain>/.well-known/mta-sts.txt as text/plain", async () => {
  const worker = await loadWorker(mtaStsWorkerScript("mta-sts.example.com", POLICY));
  const res = await worker.fetch(
    new Request("https://mta-sts.example.com/.well-known/mta-sts.txt"),
  );
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(res.headers.get("location"), null);
  assert.equal(await res.text(), POLICY);
  assert.equal(
    POLICY,
    "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmax_age: 604800\r\n",
  );
  const head = await worker.fetch(
    new Request("https://mta-sts.example.com/.well-known/mta-sts.txt", { method: "HEAD" }),
  );
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
});

test("404 for another path, host or method; no redirect anywhere", async () => {
  const worker = await loadWorker(mtaStsWorkerScript("mta-sts.example.com", POLICY));
  const cases: [string, string][] = [
    ["GET", "https://mta-sts.example.com/"],
    ["GET", "https://mta-sts.example.com/.well-known/mta-sts.txt/"],
    ["GET", "https://mta-sts.example.com/.well-known/MTA-STS.txt"],
    ["GET", "https://www.example.com/.well-known/mta-sts.txt"],
    ["GET", "https://mta-sts.example.org/.well-known/mta-sts.txt"],
    ["POST", "https://mta-sts.example.com/.well-known/mta-sts.txt"],
    ["DELETE", "https://mta-sts.example.com/.well-known/mta-sts.txt"],
  ];
  for (const [method, url] of cases) {
    const res = await worker.fetch(new Request(url, { method }));
    assert.equal(res.status, 404, `${method} ${url}`);
    assert.equal(res.headers.get("location"), null);
    assert.equal(await res.text(), "not found\n");
  }
  // The query string does not change the resource (senders send none, caches may add one).
  const q = await worker.fetch(
    new Request("https://mta-sts.example.com/.well-known/mta-sts.txt?x=1"),
  );
  assert.equal(q.status, 200);
});

test("any policy text is embedded safely (quotes, backslashes, line separators)", async () => {
  const tricky =
    'version: STSv1\r\nmode: testing\r\nmx: "*.example.com"\\\u2028\r\nmax_age: 86400\r\n';
  const worker = await loadWorker(mtaStsWorkerScript("mta-sts.example.com", tricky));
  const res = await worker.fetch(
    new Request("https://mta-sts.example.com/.well-known/mta-sts.txt"),
  );
  assert.equal(await res.text(), tricky);
});
