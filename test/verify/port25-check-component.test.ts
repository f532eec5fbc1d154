/**
 * `Port25Check` under Pulumi mocks: the one-shot container's exact inputs, and the verdict parsed
 * from canned `containerLogs` (the parsing of real output from the same command is tested in a
 * network namespace, `port25-netns.test.ts`).
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { PORT25_PROBE_SCRIPT } from "../../src/verify/port25-probe-script";
import { Port25Check, describe as describeResult } from "../../src/components/port25-check";

const registrations: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
let logs = "";
/**
 * In `fail` mode the component's outputs fail to serialize: that is how the update fails. Under
 * mocks nothing awaits that RPC, so it surfaces as an unhandled rejection; collect those here (and
 * only those) and assert on them.
 */
const outputFailures: string[] = [];

before(() => {
  const others = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", (reason, promise) => {
    const text = reason instanceof Error ? reason.message : String(reason);
    if (text.startsWith('error serializing property "outputs": outbound port 25')) {
      outputFailures.push(text);
      return;
    }
    for (const l of others) l(reason, promise);
  });
  void pulumi.runtime.setMocks(
    {
      newResource(args) {
        registrations.push({ type: args.type, name: args.name, inputs: args.inputs });
        const state: Record<string, unknown> = { ...args.inputs };
        if (args.type === "docker:index/container:Container") state.containerLogs = logs;
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        throw new Error(`unexpected provider call ${args.token}`);
      },
    },
    "project",
    "stack",
    false,
  );
});

/** The Output's value, or its error (tests only: Output's internal promise). */
function settled<T>(o: pulumi.Output<T>): Promise<{ value?: T; error?: Error }> {
  const p = (o as unknown as { promise(): Promise<T> }).promise();
  return p.then(
    (value) => ({ value }),
    (error: Error) => ({ error }),
  );
}

const OPEN = [
  "DMS-PORT25 gmail-smtp-in.l.google.com:25 open 212 banner 220 mx.google.com ESMTP",
  "DMS-PORT25 mx1.hotmail.com:25 open 180 banner 220 hotmail ESMTP",
  "DMS-PORT25 mx-aol.mail.gm0.yahoodns.net:25 timeout 10003 no answer to the connection attempt within 10 s",
  "DMS-PORT25-END",
  "",
].join("\n");
const BLOCKED = [
  "DMS-PORT25 mx.example.net:25 timeout 3004 no answer to the connection attempt within 3 s",
  "DMS-PORT25-END",
  "",
].join("\n");

describe("Port25Check", () => {
  test("runs the probe command in a one-shot container of the given image", async () => {
    registrations.length = 0;
    logs = OPEN;
    const check = new Port25Check("mail-port25", {
      image: "ghcr.io/docker-mailserver/docker-mailserver:15.1.0",
      trigger: "container-id-1",
    });
    const { value } = await settled(check.result);
    assert.equal(value!.verdict, "open");
    assert.equal(value!.summary, "open: 2 of 3 targets answered with a banner and EHLO");
    assert.deepEqual(
      registrations.map((r) => [r.type, r.name]),
      [
        ["dms:index:Port25Check", "mail-port25"],
        ["docker:index/container:Container", "mail-port25-probe"],
      ],
    );
    const inputs = registrations[1]!.inputs;
    assert.deepEqual(
      {
        image: inputs.image,
        entrypoints: inputs.entrypoints,
        command: inputs.command,
        attach: inputs.attach,
        logs: inputs.logs,
        mustRun: inputs.mustRun,
        restart: inputs.restart,
        labels: inputs.labels,
      },
      {
        image: "ghcr.io/docker-mailserver/docker-mailserver:15.1.0",
        entrypoints: ["/bin/bash"],
        command: [
          "-c",
          PORT25_PROBE_SCRIPT,
          "dms-port25-probe",
          "--timeout",
          "10",
          "gmail-smtp-in.l.google.com:25",
          "mx1.hotmail.com:25",
          "mx-aol.mail.gm0.yahoodns.net:25",
        ],
        attach: true,
        logs: true,
        mustRun: false,
        restart: "no",
        labels: [{ label: "dms.port25-check.trigger", value: "container-id-1" }],
      },
    );
  });

  test("warn mode: a blocked port is a result, not a failure", async () => {
    logs = BLOCKED;
    const check = new Port25Check("warned", {
      image: "dms:local",
      targets: [{ host: "mx.example.net" }],
      timeoutSeconds: 3,
      cloud: "gcp",
    });
    const { value, error } = await settled(check.result);
    assert.equal(error, undefined);
    assert.equal(value!.verdict, "blocked");
    assert.equal(value!.complete, true);
    assert.match(value!.remediation, /^Outbound connections to port 25 are silently dropped/);
    assert.match(value!.remediation, /Compute Engine blocks outbound TCP 25 permanently/);
    assert.equal((await settled(check.verdict)).value, "blocked");
  });

  test("fail mode: a blocked port fails the update with every target and the remediation", async () => {
    logs = BLOCKED;
    const check = new Port25Check("failing", {
      image: "dms:local",
      mode: "fail",
      targets: [{ host: "mx.example.net" }],
      cloud: "aws",
    });
    const { error } = await settled(check.result);
    assert.ok(error instanceof pulumi.ResourceError, String(error));
    assert.match(
      error.message,
      /^outbound port 25 from the mail host is blocked: none of 1 target answered \(1 timeout\)\n  mx\.example\.net:25: timeout, no answer to the connection attempt within 3 s\nOutbound connections/,
    );
    assert.match(error.message, /ec2-email-limit-rdns-request/);
    // The component's registerOutputs fails with the same text: the update fails.
    for (let i = 0; i < 50 && outputFailures.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(outputFailures.length >= 1);
    for (const f of outputFailures) assert.ok(f.endsWith(error.message), f);
  });

  test("a truncated log (killed container) is blocked and says the probe did not finish", async () => {
    logs = "";
    const check = new Port25Check("truncated", {
      image: "dms:local",
      targets: [{ host: "mx.example.net" }],
    });
    const { value } = await settled(check.result);
    assert.equal(value!.verdict, "blocked");
    assert.equal(value!.complete, false);
    assert.deepEqual(value!.targets, [
      {
        target: "mx.example.net:25",
        outcome: "error",
        elapsedMs: 0,
        detail: "the probe did not finish",
      },
    ]);
    assert.match(describeResult(value!), /\(the probe did not finish\)/);
  });
});
