/**
 * docker-mailserver on a Kubernetes cluster: a StatefulSet with its volume claims, config and
 * Service in the namespace `mail`, the certificate from cert-manager, and the DNS as a zone file
 * (`pulumi stack output zoneFiles`). The A record's address is the Service's load balancer IP.
 *
 *   kubectl create namespace mail
 *   pulumi config set --secret alicePassword '<password>'
 *   pulumi config set issuer letsencrypt-prod      # a cert-manager ClusterIssuer
 *   pulumi up
 */
import * as pulumi from "@pulumi/pulumi";
import { KubernetesMailServer } from "pulumi-docker-mailserver";

const config = new pulumi.Config();

const mail = new KubernetesMailServer("mail", {
  hostname: "mail.example.com",
  domains: [
    {
      name: "example.com",
      dmarc: { policy: "quarantine", rua: ["mailto:dmarc@example.com"] },
      autoconfig: true,
    },
  ],
  accounts: [
    {
      address: "alice@example.com",
      password: config.requireSecret("alicePassword"),
      aliases: ["postmaster@example.com", "dmarc@example.com"],
    },
  ],
  tls: { type: "letsencrypt" },
  memoryLimit: "2g",
  services: { imap: { expose: "private" } },
  platform: {
    kind: "kubernetes",
    namespace: "mail",
    storage: { mailData: "20Gi" },
    service: { type: "LoadBalancer", externalTrafficPolicy: "Local" },
    certManager: { issuer: config.get("issuer") ?? "letsencrypt-prod" },
  },
  // The same object names as `dmsctl plan --format kubernetes` prints.
  objectName: "mailserver",
});

export const address = mail.address;
export const records = mail.records;
export const zoneFiles = mail.zoneFiles;
export const clientSettings = mail.clientSettings;
export const ports = mail.ports;
export const ptr = mail.ptr;
export const warnings = mail.warnings;
