/**
 * The `platform` field: Kubernetes settings refused on Docker, Docker host settings refused on
 * Kubernetes, and the certificate source on Kubernetes. Exact and complete findings.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { validateSpec } from "../../src/spec/validate";
import { formatFinding } from "../../src/spec/findings";
import { kubernetesSettings } from "../../src/providers/host/kubernetes/settings";
import { withSpec } from "./helpers";

function errors(input: unknown): string[] {
  return validateSpec(input)
    .findings.filter((f) => f.level === "error")
    .map(formatFinding);
}

const K8S = { kind: "kubernetes", tlsSecret: "mail-tls" };

describe("platform rules", () => {
  it("accepts Docker by default and a complete Kubernetes spec", () => {
    assert.deepEqual(errors(withSpec({})), []);
    assert.deepEqual(errors(withSpec({ platform: K8S })), []);
    assert.deepEqual(
      errors(withSpec({ platform: { kind: "kubernetes", certManager: { issuer: "le" } } })),
      [],
    );
    assert.deepEqual(
      errors(withSpec({ tls: { type: "none" }, platform: { kind: "kubernetes" } })),
      [],
    );
  });

  it("refuses every Kubernetes setting on Docker, each by path and value", () => {
    assert.deepEqual(
      errors(
        withSpec({
          platform: {
            kind: "docker",
            namespace: "mail",
            service: { type: "NodePort" },
            tlsSecret: "t",
          },
        }),
      ),
      [
        'error platform-kubernetes-only platform.namespace: is a Kubernetes setting but platform.kind is "docker", got "mail"',
        'error platform-kubernetes-only platform.service: is a Kubernetes setting but platform.kind is "docker", got {"type":"NodePort"}',
        'error platform-kubernetes-only platform.tlsSecret: is a Kubernetes setting but platform.kind is "docker", got "t"',
      ],
    );
  });

  it("refuses Docker host settings on Kubernetes, all at once", () => {
    assert.deepEqual(
      errors(
        withSpec({
          platform: K8S,
          bindAddresses: ["192.0.2.10"],
          services: { imaps: { expose: "public", bind: ["192.0.2.11"] } },
          tls: { type: "manual", certPath: "/srv/c.pem", keyPath: "/srv/k.pem" },
        }),
      ),
      [
        'error platform-docker-only bindAddresses: is a Docker host setting; on Kubernetes the Service publishes the ports, got ["192.0.2.10"]',
        'error platform-kubernetes-tls platform.tlsSecret: is only used with tls.type "letsencrypt", got tls.type "manual"',
        'error platform-docker-only services.imaps.bind: is a Docker host setting; on Kubernetes the Service publishes the ports, got ["192.0.2.11"]',
        'error platform-docker-only tls.certPath: is a Docker host path; on Kubernetes use tls.type "letsencrypt" with platform.tlsSecret or platform.certManager, got "/srv/c.pem"',
        'error platform-docker-only tls.keyPath: is a Docker host path; on Kubernetes use tls.type "letsencrypt" with platform.tlsSecret or platform.certManager, got "/srv/k.pem"',
      ],
    );
    assert.deepEqual(
      errors(withSpec({ platform: K8S, tls: { type: "letsencrypt", hostDir: "/srv/le" } })),
      [
        'error platform-docker-only tls.hostDir: is a Docker host path; on Kubernetes the certificate comes from platform.certManager or platform.tlsSecret, got "/srv/le"',
      ],
    );
  });

  it("needs exactly one certificate source for letsencrypt on Kubernetes", () => {
    assert.deepEqual(errors(withSpec({ platform: { kind: "kubernetes" } })), [
      'error platform-kubernetes-tls platform: tls.type is "letsencrypt" but neither platform.certManager nor platform.tlsSecret is set',
    ]);
    assert.deepEqual(errors(withSpec({ platform: { ...K8S, certManager: { issuer: "le" } } })), [
      'error platform-kubernetes-tls platform: tls.type is "letsencrypt" and both platform.certManager and platform.tlsSecret are set; keep one',
    ]);
  });

  it("checks the shape of the Kubernetes settings", () => {
    assert.deepEqual(
      errors(
        withSpec({
          platform: {
            ...K8S,
            namespace: "Mail_NS",
            storage: { mailData: "ten gigs" },
            service: { externalTrafficPolicy: "Nearest" },
          },
        }),
      ).map((l) => l.split(":")[0]),
      [
        "error schema-format platform.namespace",
        "error schema-value platform.service.externalTrafficPolicy",
        "error schema-format platform.storage.mailData",
      ],
    );
  });

  it("applies the Kubernetes defaults in one place", () => {
    const r = validateSpec(withSpec({ platform: K8S }));
    assert.ok(r.ok);
    assert.deepEqual(kubernetesSettings(r.spec), {
      namespace: "mail",
      storage: { mailData: "10Gi", mailState: "1Gi", mailLogs: "1Gi" },
      service: { type: "LoadBalancer", annotations: {}, externalTrafficPolicy: "Local" },
      nodeSelector: {},
      tls: { kind: "secret", secretName: "mail-tls" },
    });
  });

  it("refuses proxyProtocol on Docker, and what PROXY protocol cannot honour on Kubernetes", () => {
    assert.deepEqual(errors(withSpec({ platform: { kind: "docker", proxyProtocol: true } })), [
      'error platform-kubernetes-only platform.proxyProtocol: is a Kubernetes setting but platform.kind is "docker", got true',
    ]);
    const proxied = { ...K8S, proxyProtocol: true };
    assert.deepEqual(errors(withSpec({ platform: proxied })), []);
    assert.deepEqual(
      errors(
        withSpec({ platform: { ...K8S, proxyProtocol: { trustedNetworks: ["10.1.0.0/16"] } } }),
      ),
      [],
    );
    assert.deepEqual(
      errors(
        withSpec({
          platform: proxied,
          services: { submission: { expose: "public", allowFrom: ["198.51.100.0/24"] } },
          overrides: {
            postfixMain: "smtpd_banner = x\npostscreen_upstream_proxy_protocol = haproxy\n",
            dovecot: "service imap-login {\n  inet_listener imap {\n    haproxy = yes\n  }\n}\n",
            userPatches: "postconf -P smtp/inet/postscreen_upstream_proxy_protocol=haproxy\n",
          },
        }),
      ),
      [
        'error platform-proxy-protocol-override overrides.dovecot: sets haproxy, which platform.proxyProtocol sets for the proxied ports, got "    haproxy = yes"',
        'error platform-proxy-protocol-override overrides.postfixMain: sets postscreen_upstream_proxy_protocol, which platform.proxyProtocol sets for the proxied ports, got "postscreen_upstream_proxy_protocol = haproxy"',
        'error platform-proxy-protocol-override overrides.userPatches: sets postscreen_upstream_proxy_protocol, which platform.proxyProtocol sets for the proxied ports, got "postconf -P smtp/inet/postscreen_upstream_proxy_protocol=haproxy"',
        'error platform-proxy-protocol-allow-from services.submission.allowFrom: cannot be enforced behind a PROXY protocol load balancer (the pod sees the balancer\'s address), got ["198.51.100.0/24"]',
      ],
    );
    // An indented line continues the previous Postfix parameter: not a setting of its own.
    assert.deepEqual(
      errors(
        withSpec({
          platform: proxied,
          overrides: { postfixMain: "smtpd_banner = a\n  postscreen_cache_map\n" },
        }),
      ),
      [],
    );
    // Off: the same overrides are the user's own business.
    assert.deepEqual(
      errors(
        withSpec({
          platform: { ...K8S, proxyProtocol: false },
          overrides: { postfixMain: "postscreen_upstream_proxy_protocol = haproxy\n" },
        }),
      ),
      [],
    );
    const warnings = validateSpec(withSpec({ platform: proxied, features: { fail2ban: true } }))
      .findings.filter((f) => f.level === "warn")
      .map(formatFinding);
    assert.ok(
      warnings.some((w) =>
        w.startsWith("warn platform-proxy-protocol-fail2ban features.fail2ban:"),
      ),
      warnings.join("\n"),
    );
  });
});
