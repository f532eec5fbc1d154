/**
 * The pure Kubernetes translation (src/providers/host/kubernetes): the exact objects of a spec,
 * schema validity against the Kubernetes OpenAPI schema, where secrets go, and which changes
 * touch the pod template.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { planMailServer } from "../../src/plan/plan";
import {
  configKey,
  kubernetesConfigData,
  kubernetesDelivery,
  kubernetesObjects,
  rolloutHash,
  type KubernetesObject,
} from "../../src/providers/host/kubernetes";
import type { MailServerSpecInput } from "../../src/spec/schema";
import { allSchemaErrors } from "./kubernetes-schema";
import { k8sMaterial, k8sSpecInput, newDkimKey, objectOf, validated } from "./kubernetes-fixtures";

const PASSWORDS: Record<string, string> = {
  "alice@example.com": "alice-pw-k8s",
  "bob@example.com": "bob-pw-k8s",
};
const RELAY_PASSWORD = "relay-secret-k8s";
const DKIM = newDkimKey();

/** A Kubernetes spec using every platform setting. */
function richInput(extra: Partial<MailServerSpecInput> = {}): MailServerSpecInput {
  return k8sSpecInput(
    [{ address: "alice@example.com", password: PASSWORDS["alice@example.com"]! }],
    {
      ipv4: "192.0.2.10",
      tls: { type: "letsencrypt" },
      relay: {
        host: "smtp.relay.example",
        port: 587,
        username: "relay-user",
        password: RELAY_PASSWORD,
      },
      features: { fail2ban: true },
      memoryLimit: "2g",
      dnsResolvers: ["10.96.0.10"],
      services: {
        imap: { expose: "private" },
        submission: { expose: "public", allowFrom: ["198.51.100.0/24"] },
      },
      platform: {
        kind: "kubernetes",
        namespace: "mail",
        storageClass: "fast-ssd",
        storage: { mailData: "50Gi" },
        service: { annotations: { "lb.example/proxy": "off" } },
        nodeSelector: { "mail.example/dedicated": "true" },
        certManager: { issuer: "letsencrypt-prod" },
      },
      ...extra,
    },
  );
}

function objectsOf(input: MailServerSpecInput, dkim = DKIM): KubernetesObject[] {
  const spec = validated(input);
  const material = { ...k8sMaterial(spec, PASSWORDS, dkim), relayPassword: RELAY_PASSWORD };
  return kubernetesObjects(planMailServer(spec, material), spec, { name: "mailserver" });
}

type Pod = {
  metadata: { annotations: Record<string, string> };
  spec: {
    containers: {
      env: { name: string; value: string }[];
      ports: unknown[];
      securityContext?: unknown;
      resources?: unknown;
      volumeMounts: unknown[];
      startupProbe: unknown;
      livenessProbe: unknown;
    }[];
    volumes: { name: string; projected?: { sources: unknown[] } }[];
    nodeSelector?: unknown;
    dnsConfig?: unknown;
  };
};
const podOf = (objects: readonly KubernetesObject[]) =>
  (objectOf(objects, "StatefulSet", "mailserver") as unknown as { spec: { template: Pod } }).spec
    .template;

describe("kubernetesObjects", () => {
  it("lists every object of a Kubernetes spec, in apply order", () => {
    assert.deepEqual(
      objectsOf(richInput()).map(
        (o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`,
      ),
      [
        "v1 ConfigMap mail/mailserver-config",
        "v1 ConfigMap mail/mailserver-config-startup",
        "v1 Secret mail/mailserver-secrets",
        "v1 PersistentVolumeClaim mail/mailserver-mail-data",
        "v1 PersistentVolumeClaim mail/mailserver-mail-logs",
        "v1 PersistentVolumeClaim mail/mailserver-mail-state",
        "cert-manager.io/v1 Certificate mail/mailserver-tls",
        "apps/v1 StatefulSet mail/mailserver",
        "v1 Service mail/mailserver",
        "v1 Service mail/mailserver-internal",
        "networking.k8s.io/v1 NetworkPolicy mail/mailserver",
      ],
    );
  });

  it("places the plan's files, env, ports and healthcheck into the pod", () => {
    const objects = objectsOf(richInput());
    const pod = podOf(objects);
    const c = pod.spec.containers[0]!;
    assert.deepEqual(
      c.env.find((e) => e.name === "OVERRIDE_HOSTNAME"),
      { name: "OVERRIDE_HOSTNAME", value: "mail.example.com" },
    );
    assert.deepEqual(
      c.env.find((e) => e.name === "SSL_TYPE"),
      { name: "SSL_TYPE", value: "letsencrypt" },
    );
    assert.deepEqual(c.ports, [
      { name: "smtp", containerPort: 25, protocol: "TCP" },
      { name: "imap", containerPort: 143, protocol: "TCP" },
      { name: "submissions", containerPort: 465, protocol: "TCP" },
      { name: "submission", containerPort: 587, protocol: "TCP" },
      { name: "imaps", containerPort: 993, protocol: "TCP" },
    ]);
    assert.deepEqual(c.securityContext, { capabilities: { add: ["NET_ADMIN"] } });
    assert.deepEqual(c.resources, { limits: { memory: String(2 * 1024 ** 3) } });
    const probe = {
      exec: {
        command: ["/bin/sh", "-c", "ss --listening --ipv4 --tcp | grep --silent ':smtp' || exit 1"],
      },
      periodSeconds: 30,
      timeoutSeconds: 3,
    };
    assert.deepEqual(c.startupProbe, { ...probe, failureThreshold: 5 });
    assert.deepEqual(c.livenessProbe, { ...probe, failureThreshold: 3 });
    assert.deepEqual(c.volumeMounts, [
      { name: "config", mountPath: "/tmp/docker-mailserver", readOnly: true },
      { name: "mail-data", mountPath: "/var/mail" },
      { name: "mail-logs", mountPath: "/var/log/mail" },
      { name: "mail-state", mountPath: "/var/mail-state" },
      { name: "tls", mountPath: "/etc/letsencrypt/live/mail.example.com", readOnly: true },
    ]);
    assert.deepEqual(pod.spec.nodeSelector, { "mail.example/dedicated": "true" });
    assert.deepEqual(pod.spec.dnsConfig, { nameservers: ["10.96.0.10"] });
    const config = pod.spec.volumes.find((v) => v.name === "config")!;
    assert.deepEqual(config.projected!.sources, [
      { configMap: { name: "mailserver-config" } },
      {
        configMap: {
          name: "mailserver-config-startup",
          items: [
            {
              key: "rspamd__dkim__rsa-2048-k8s-example.com.public.dns.txt",
              path: "rspamd/dkim/rsa-2048-k8s-example.com.public.dns.txt",
              mode: 0o644,
            },
            {
              key: "rspamd__dkim__rsa-2048-k8s-example.com.public.txt",
              path: "rspamd/dkim/rsa-2048-k8s-example.com.public.txt",
              mode: 0o644,
            },
            {
              key: "rspamd__override.d__dkim_signing.conf",
              path: "rspamd/override.d/dkim_signing.conf",
              mode: 0o644,
            },
          ],
        },
      },
      {
        secret: {
          name: "mailserver-secrets",
          items: [
            { key: "postfix-accounts.cf", path: "postfix-accounts.cf", mode: 0o600 },
            { key: "postfix-sasl-password.cf", path: "postfix-sasl-password.cf", mode: 0o600 },
            {
              key: "rspamd__dkim__rsa-2048-k8s-example.com.private.txt",
              path: "rspamd/dkim/rsa-2048-k8s-example.com.private.txt",
              mode: 0o444,
            },
          ],
        },
      },
    ]);
  });

  it("exposes public ports through a Service keeping client IPs, private ones in-cluster only", () => {
    const objects = objectsOf(richInput());
    const svc = objectOf(objects, "Service", "mailserver") as unknown as {
      metadata: unknown;
      spec: unknown;
    };
    assert.deepEqual((svc.metadata as { annotations: unknown }).annotations, {
      "lb.example/proxy": "off",
    });
    assert.deepEqual(svc.spec, {
      type: "LoadBalancer",
      externalTrafficPolicy: "Local",
      selector: {
        "app.kubernetes.io/name": "docker-mailserver",
        "app.kubernetes.io/instance": "mailserver",
      },
      ports: [
        { name: "smtp", port: 25, targetPort: "smtp", protocol: "TCP" },
        { name: "submissions", port: 465, targetPort: "submissions", protocol: "TCP" },
        { name: "submission", port: 587, targetPort: "submission", protocol: "TCP" },
        { name: "imaps", port: 993, targetPort: "imaps", protocol: "TCP" },
      ],
    });
    const internal = objectOf(objects, "Service", "mailserver-internal") as unknown as {
      spec: { type: string; ports: { port: number }[] };
    };
    assert.equal(internal.spec.type, "ClusterIP");
    assert.deepEqual(
      internal.spec.ports.map((p) => p.port),
      [143],
    );
    const policy = objectOf(objects, "NetworkPolicy", "mailserver") as unknown as { spec: unknown };
    assert.deepEqual(policy.spec, {
      podSelector: {
        matchLabels: {
          "app.kubernetes.io/name": "docker-mailserver",
          "app.kubernetes.io/instance": "mailserver",
        },
      },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }],
          ports: [
            { protocol: "TCP", port: 25 },
            { protocol: "TCP", port: 465 },
            { protocol: "TCP", port: 993 },
          ],
        },
        {
          from: [{ ipBlock: { cidr: "198.51.100.0/24" } }],
          ports: [{ protocol: "TCP", port: 587 }],
        },
        { from: [{ podSelector: {} }], ports: [{ protocol: "TCP", port: 143 }] },
      ],
    });
  });

  it("with PROXY protocol, points the Service at the proxied ports and keeps the normal ones in-cluster", async () => {
    const input = (proxyProtocol: unknown) =>
      richInput({
        features: {},
        services: { imap: { expose: "private" } },
        platform: {
          kind: "kubernetes",
          namespace: "mail",
          service: { externalTrafficPolicy: "Cluster" },
          certManager: { issuer: "letsencrypt-prod" },
          proxyProtocol,
        } as MailServerSpecInput["platform"],
      });
    const objects = objectsOf(input({ trustedNetworks: ["10.0.0.0/16"] }));
    const svc = objectOf(objects, "Service", "mailserver") as unknown as {
      spec: { externalTrafficPolicy: string; ports: unknown[] };
    };
    assert.equal(svc.spec.externalTrafficPolicy, "Cluster");
    assert.deepEqual(svc.spec.ports, [
      { name: "smtp", port: 25, targetPort: "px-smtp", protocol: "TCP" },
      { name: "submissions", port: 465, targetPort: "px-submissions", protocol: "TCP" },
      { name: "submission", port: 587, targetPort: "px-submission", protocol: "TCP" },
      { name: "imaps", port: 993, targetPort: "px-imaps", protocol: "TCP" },
    ]);
    // In-cluster clients send no header: the normal ports, public ones too, on -internal.
    const internal = objectOf(objects, "Service", "mailserver-internal") as unknown as {
      spec: { ports: { port: number; targetPort: string }[] };
    };
    assert.deepEqual(
      internal.spec.ports.map((p) => `${p.port}->${p.targetPort}`),
      ["25->smtp", "143->imap", "465->submissions", "587->submission", "993->imaps"],
    );
    const pod = podOf(objects);
    const container = pod.spec.containers[0]!;
    assert.deepEqual(
      (container.ports as { name: string; containerPort: number }[]).map(
        (p) => `${p.name}:${p.containerPort}`,
      ),
      [
        "smtp:25",
        "imap:143",
        "submissions:465",
        "submission:587",
        "imaps:993",
        "px-smtp:12525",
        "px-submissions:10465",
        "px-submission:10587",
        "px-imaps:10993",
      ],
    );
    // Every port name a Service targets exists, within the 15 characters a port name allows.
    for (const p of container.ports as { name: string }[]) assert.ok(p.name.length <= 15, p.name);
    // The probes are the healthcheck's, on the normal port, unchanged by PROXY protocol.
    const off = podOf(objectsOf(input(false))).spec.containers[0]!;
    assert.deepEqual(container.livenessProbe, off.livenessProbe);
    assert.deepEqual(container.startupProbe, off.startupProbe);
    // The proxied ports admit only the trusted networks.
    const policy = objectOf(objects, "NetworkPolicy", "mailserver") as unknown as {
      spec: { ingress: { from: unknown[]; ports: { port: number }[] }[] };
    };
    assert.deepEqual(policy.spec.ingress[1], {
      from: [{ ipBlock: { cidr: "10.0.0.0/16" } }],
      ports: [12525, 10465, 10587, 10993].map((port) => ({ protocol: "TCP", port })),
    });
    // `true`: the private IPv4 ranges, as the Helm chart trusts.
    const byDefault = objectOf(
      objectsOf(input(true)),
      "NetworkPolicy",
      "mailserver",
    ) as unknown as {
      spec: { ingress: { from: { ipBlock: { cidr: string } }[] }[] };
    };
    assert.deepEqual(
      byDefault.spec.ingress[1]!.from.map((f) => f.ipBlock.cidr),
      ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
    );
    assert.deepEqual(await allSchemaErrors(objects), []);
    // Off: nothing of it.
    assert.deepEqual(
      (off.ports as { name: string }[]).filter((p) => p.name.startsWith("px-")),
      [],
    );
  });

  it("renders the PROXY protocol files for the public services only, before the user's text", () => {
    const spec = validated(
      richInput({
        features: { pop3: true, managesieve: true },
        services: { imap: { expose: "private" } },
        overrides: {
          dovecot: "mail_max_userip_connections = 20\n",
          userPatches: "#!/bin/bash\necho mine\n",
          postfixMain: "smtpd_banner = $myhostname ESMTP\n",
        },
        platform: {
          kind: "kubernetes",
          namespace: "mail",
          certManager: { issuer: "letsencrypt-prod" },
          proxyProtocol: true,
        },
      }),
    );
    const plan = planMailServer(spec, {
      ...k8sMaterial(spec, PASSWORDS, DKIM),
      relayPassword: RELAY_PASSWORD,
    });
    const fileOf = (path: string) => plan.files.find((f) => f.path === path)!;
    const dovecot = fileOf("dovecot.cf").content;
    assert.match(
      dovecot,
      /^haproxy_trusted_networks = 10\.0\.0\.0\/8 172\.16\.0\.0\/12 192\.168\.0\.0\/16$/m,
    );
    // imap is private: no proxied listener for it; imaps, pop3s and managesieve are public.
    assert.deepEqual(
      [...dovecot.matchAll(/inet_listener (\S+) \{\n\s+port = (\d+)/g)].map(
        (m) => `${m[1]}:${m[2]}`,
      ),
      ["imaps-proxy:10993", "pop3s-proxy:10995", "managesieve-proxy:14190"],
    );
    assert.ok(dovecot.endsWith("mail_max_userip_connections = 20\n"), "the user's text last");
    const patches = fileOf("user-patches.sh");
    assert.equal(patches.mode, 0o755);
    assert.ok(patches.content.startsWith("#!/bin/bash\n"));
    assert.ok(patches.content.endsWith("#!/bin/bash\necho mine\n"), "the user's script last");
    assert.deepEqual(
      [...patches.content.matchAll(/postconf -P (\d+)\/inet\/(\w+)=haproxy/g)].map(
        (m) => `${m[1]} ${m[2]}`,
      ),
      [
        "12525 postscreen_upstream_proxy_protocol",
        "10465 smtpd_upstream_proxy_protocol",
        "10587 smtpd_upstream_proxy_protocol",
      ],
    );
    assert.equal(
      fileOf("postfix-main.cf").content,
      "postscreen_cache_map = proxy:btree:$data_directory/postscreen_cache\nsmtpd_banner = $myhostname ESMTP\n",
    );
    // Startup-only files: they roll the pod.
    for (const path of ["dovecot.cf", "user-patches.sh", "postfix-main.cf"]) {
      assert.equal(kubernetesDelivery(fileOf(path)), "rollout", path);
    }
  });

  it("keeps claims on delete (with Argo CD / Flux / Helm annotations) unless retainData is false", () => {
    const claim = (objects: KubernetesObject[]) =>
      objectOf(objects, "PersistentVolumeClaim", "mailserver-mail-data") as unknown as {
        metadata: { annotations?: Record<string, string> };
        spec: unknown;
      };
    const kept = claim(objectsOf(richInput()));
    assert.deepEqual(kept.metadata.annotations, {
      "argocd.argoproj.io/sync-options": "Delete=false",
      "helm.sh/resource-policy": "keep",
      "kustomize.toolkit.fluxcd.io/prune": "disabled",
    });
    assert.deepEqual(kept.spec, {
      accessModes: ["ReadWriteOnce"],
      storageClassName: "fast-ssd",
      resources: { requests: { storage: "50Gi" } },
    });
    assert.equal(
      claim(objectsOf(richInput({ retainData: false }))).metadata.annotations,
      undefined,
    );
  });

  it("issues the certificate with cert-manager, or mounts a user-named Secret", () => {
    const cert = objectOf(objectsOf(richInput()), "Certificate", "mailserver-tls") as unknown as {
      spec: unknown;
    };
    assert.deepEqual(cert.spec, {
      secretName: "mailserver-tls",
      dnsNames: ["mail.example.com"],
      issuerRef: { group: "cert-manager.io", kind: "ClusterIssuer", name: "letsencrypt-prod" },
    });
    const own = objectsOf(k8sSpecInput([{ address: "alice@example.com", password: "x" }]));
    assert.equal(
      own.some((o) => o.kind === "Certificate"),
      false,
    );
    const tls = podOf(own).spec.volumes.find((v) => v.name === "tls") as unknown as {
      secret: unknown;
    };
    assert.deepEqual(tls.secret, {
      secretName: "mail-tls",
      items: [
        { key: "tls.crt", path: "fullchain.pem" },
        { key: "tls.key", path: "privkey.pem" },
      ],
      defaultMode: 0o600,
    });
  });

  it("validates every object against the Kubernetes OpenAPI schema (and cert-manager's CRD)", async () => {
    const variants = [
      richInput(),
      richInput({ retainData: false, services: { smtp: { expose: "off" } } }),
      k8sSpecInput([{ address: "alice@example.com", password: "x" }]),
      k8sSpecInput([{ address: "alice@example.com", password: "x" }], {
        tls: { type: "none" },
        platform: { kind: "kubernetes", service: { type: "ClusterIP" } },
        overrides: { userPatches: "#!/bin/bash\necho hi\n", postfixMain: "smtpd_banner = x\n" },
        features: { rspamd: false },
      }),
    ];
    for (const input of variants) {
      const objects = objectsOf(input);
      assert.ok(objects.length >= 8);
      assert.deepEqual(await allSchemaErrors(objects), []);
    }
    // The check is real: a wrong type is reported with its path.
    const broken = objectsOf(richInput()).map((o) =>
      o.kind === "Service" ? { ...o, spec: { ...(o.spec as object), ports: [{ port: "25" }] } } : o,
    );
    const errors = await allSchemaErrors(broken);
    assert.equal(errors.length, 2);
    assert.match(errors[0]!, /^Service mailserver: .*ports\/0\/port must be integer/);
  });

  it("keeps every secret in the Secret, nowhere else", () => {
    const spec = validated(richInput());
    const material = { ...k8sMaterial(spec, PASSWORDS, DKIM), relayPassword: RELAY_PASSWORD };
    const objects = kubernetesObjects(planMailServer(spec, material), spec, { name: "mailserver" });
    const hash = material.passwordHashes.get("alice@example.com")!;
    const secrets = [hash, RELAY_PASSWORD, DKIM.split("\n")[1]!];
    const secret = JSON.stringify(objectOf(objects, "Secret", "mailserver-secrets"));
    for (const s of secrets) assert.ok(secret.includes(s), "the Secret holds it");
    for (const o of objects.filter((x) => x.kind !== "Secret")) {
      const text = JSON.stringify(o);
      for (const s of secrets)
        assert.equal(text.includes(s), false, `${o.kind} ${o.metadata.name}`);
    }
  });

  it("changes only ConfigMap/Secret data when an account is added; env changes roll the pod", () => {
    const one = objectsOf(richInput());
    const two = objectsOf(
      richInput({
        accounts: [
          { address: "alice@example.com", password: PASSWORDS["alice@example.com"]! },
          {
            address: "bob@example.com",
            password: PASSWORDS["bob@example.com"]!,
            aliases: ["info@example.com"],
            quota: "1G",
          },
        ],
      }),
    );
    const changed = one
      .filter((o, i) => JSON.stringify(o) !== JSON.stringify(two[i]))
      .map((o) => o.metadata.name);
    assert.deepEqual(changed, ["mailserver-config", "mailserver-secrets"]);

    const berlin = objectsOf(richInput({ timezone: "Europe/Berlin" }));
    const [a, b] = [podOf(one), podOf(berlin)];
    assert.notEqual(
      a.metadata.annotations["dms.docker-mailserver.io/rollout-hash"],
      b.metadata.annotations["dms.docker-mailserver.io/rollout-hash"],
    );
    assert.deepEqual(
      b.spec.containers[0]!.env.find((e) => e.name === "TZ"),
      { name: "TZ", value: "Europe/Berlin" },
    );
  });

  it("rolls the pod when an rspamd file changes (the change detector cannot see it)", () => {
    const a = podOf(objectsOf(richInput()));
    const b = podOf(objectsOf(richInput(), newDkimKey()));
    assert.notEqual(
      a.metadata.annotations["dms.docker-mailserver.io/rollout-hash"],
      b.metadata.annotations["dms.docker-mailserver.io/rollout-hash"],
    );
  });

  it("is deterministic: the same spec in another order gives byte-identical objects", () => {
    const input = richInput({
      accounts: [
        { address: "alice@example.com", password: PASSWORDS["alice@example.com"]! },
        {
          address: "bob@example.com",
          passwordHash: "{SHA512-CRYPT}$6$abcdefghijklmnop$" + "A".repeat(86),
        },
      ],
    });
    const reordered = { ...input, accounts: [...input.accounts!].reverse() };
    const spec = validated(input);
    const m = { ...k8sMaterial(spec, PASSWORDS, DKIM), relayPassword: RELAY_PASSWORD };
    const specR = validated(reordered);
    const first = JSON.stringify(kubernetesObjects(planMailServer(spec, m), spec, { name: "m" }));
    const second = JSON.stringify(
      kubernetesObjects(planMailServer(specR, m), specR, { name: "m" }),
    );
    assert.equal(first, second);
  });
});

describe("config keys and delivery", () => {
  it("writes / as __ and refuses paths that cannot be keys", () => {
    assert.equal(
      configKey("rspamd/override.d/dkim_signing.conf"),
      "rspamd__override.d__dkim_signing.conf",
    );
    assert.throws(() => configKey("a__b"), /config file path "a__b" cannot be a ConfigMap key/);
    assert.throws(() => configKey("a b"), /cannot be a ConfigMap key/);
  });

  it("delivers top-level live files live, everything else by rollout", () => {
    const f = (path: string, reload: "live" | "recreate") => ({
      path,
      content: "",
      reload,
      secret: false,
    });
    assert.equal(kubernetesDelivery(f("postfix-accounts.cf", "live")), "live");
    assert.equal(kubernetesDelivery(f("rspamd/override.d/x.conf", "live")), "rollout");
    assert.equal(kubernetesDelivery(f("postfix-main.cf", "recreate")), "rollout");
    const data = kubernetesConfigData([
      f("postfix-virtual.cf", "live"),
      f("postfix-main.cf", "recreate"),
      { ...f("postfix-accounts.cf", "live"), secret: true },
    ]);
    assert.deepEqual(data, {
      config: { "postfix-virtual.cf": "" },
      configStartup: { "postfix-main.cf": "" },
      secrets: { "postfix-accounts.cf": "" },
    });
  });

  it("hashes the rollout files and the recreate hash, not live files", () => {
    const spec = validated(richInput());
    const plan = planMailServer(spec, {
      ...k8sMaterial(spec, PASSWORDS, DKIM),
      relayPassword: RELAY_PASSWORD,
    });
    const liveChanged = {
      ...plan,
      files: plan.files.map((f) =>
        f.path === "postfix-virtual.cf" ? { ...f, content: "x y\n" } : f,
      ),
    };
    assert.equal(rolloutHash(liveChanged), rolloutHash(plan));
    const startupChanged = {
      ...plan,
      files: plan.files.map((f) =>
        f.path.startsWith("rspamd/override.d") ? { ...f, content: "x\n" } : f,
      ),
    };
    assert.notEqual(rolloutHash(startupChanged), rolloutHash(plan));
    assert.match(rolloutHash(plan), /^[0-9a-f]{64}$/);
    // Secret contents are not hashed: the annotation is readable by anyone who reads the pod.
    const secretSwapped = {
      ...plan,
      files: plan.files.map((f) => (f.secret ? { ...f, content: `${f.content}other\n` } : f)),
    };
    const secretRollout = plan.files.filter((f) => f.secret && kubernetesDelivery(f) === "rollout");
    assert.ok(secretRollout.length > 0);
    assert.equal(rolloutHash(secretSwapped), rolloutHash(plan));
    // What makes that safe: each secret rollout file (an rspamd key) has a public companion that
    // is hashed, so a new key still rolls the pod (the test above).
    for (const f of secretRollout) {
      const companion = f.path.replace(/\.private\.txt$/, ".public.txt");
      assert.ok(
        plan.files.some(
          (g) => g.path === companion && !g.secret && kubernetesDelivery(g) === "rollout",
        ),
        `${f.path} has no public companion`,
      );
    }
  });
});
