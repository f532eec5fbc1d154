/**
 * The `platform` part of the spec: where docker-mailserver runs (`docker`, the default, or
 * `kubernetes` with its namespace, storage, Service and PROXY protocol settings). Kept apart from
 * ./schema.ts, which imports it, because it is the one section that is about the cluster rather
 * than mail.
 */
import { z } from "zod";

/** A Kubernetes resource quantity such as `10Gi` or `500M`. */
export const QUANTITY_PATTERN = /^[0-9]+(?:\.[0-9]+)?(?:[KMGTPE]i|[kMGTPE])?$/;
/** A DNS-1123 label: Kubernetes namespace and object names. */
const K8S_NAME = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const k8sName = () =>
  z.string().regex(K8S_NAME, {
    message: "must be a Kubernetes name: lowercase letters, digits and '-', at most 63",
  });
const quantity = () =>
  z.string().regex(QUANTITY_PATTERN, {
    message: "must be a Kubernetes quantity such as 10Gi or 500Mi",
  });

/**
 * Where the mail server runs. `docker` (the default) is one container on a Docker host;
 * `kubernetes` is a StatefulSet with its volumes, config and Service in a namespace
 * (docs/kubernetes.md). The Kubernetes fields are optional here and defaulted in
 * `kubernetesSettings`, so that validation can tell a field the user set on the wrong platform
 * (rules `platform-kubernetes-only` and `platform-docker-only`).
 */
export const PlatformSpec = z
  .object({
    /** @default "docker" */
    kind: z.enum(["docker", "kubernetes"]).default("docker"),
    /** Namespace of every object. Kubernetes only. @default "mail" */
    namespace: k8sName().optional(),
    /** StorageClass of the volume claims. Kubernetes only. @default the cluster's default class */
    storageClass: k8sName().optional(),
    /** Requested sizes of the volume claims. Kubernetes only. */
    storage: z
      .object({
        /** `/var/mail`. @default "10Gi" */
        mailData: quantity().optional(),
        /** `/var/mail-state`: queue, Dovecot and rspamd state. @default "1Gi" */
        mailState: quantity().optional(),
        /** `/var/log/mail`. @default "1Gi" */
        mailLogs: quantity().optional(),
      })
      .strict()
      .optional(),
    /** The Service exposing the public ports. Kubernetes only. */
    service: z
      .object({
        /** @default "LoadBalancer" */
        type: z.enum(["LoadBalancer", "NodePort", "ClusterIP"]).optional(),
        /** Annotations, e.g. a cloud load balancer's settings. @default {} */
        annotations: z.record(z.string().min(1), z.string()).optional(),
        /**
         * `Local` keeps the client's IP (which SPF, postscreen, rspamd and Fail2Ban need) by
         * sending traffic only to nodes running the pod; `Cluster` hides it unless the load
         * balancer speaks PROXY protocol. @default "Local"
         * @see https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#preserving-the-client-source-ip
         */
        externalTrafficPolicy: z.enum(["Local", "Cluster"]).optional(),
      })
      .strict()
      .optional(),
    /**
     * PROXY protocol from the load balancer. `true` (or `{ trustedNetworks }`) adds a second port
     * for every public Postfix and Dovecot service that reads the PROXY header (12525 for SMTP,
     * the normal port plus 10000 for the others), and points the Service at those; the normal
     * ports keep serving in-cluster clients without the header, through `<name>-internal`.
     * The load balancer must send the header: its annotations are yours to set in
     * `service.annotations` (docs/kubernetes.md). Kubernetes only. @default false
     */
    proxyProtocol: z
      .union([
        z.boolean(),
        z
          .object({
            /**
             * The sources allowed to send a PROXY header: the load balancer's or the nodes'
             * addresses as the pod sees them. Dovecot refuses the header from anywhere else,
             * and the NetworkPolicy admits only these to the proxied ports.
             * @default ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
             */
            trustedNetworks: z.array(z.union([z.cidrv4(), z.cidrv6()])).min(1),
          })
          .strict(),
      ])
      .optional(),
    /** `nodeSelector` of the pod. Kubernetes only. @default {} */
    nodeSelector: z.record(z.string().min(1), z.string()).optional(),
    /**
     * With `tls.type: letsencrypt`, a cert-manager issuer that issues the certificate of the
     * hostname. Kubernetes only.
     * @see https://cert-manager.io/docs/usage/certificate/
     */
    certManager: z
      .object({
        /** The issuer's name. */
        issuer: z.string().min(1),
        /** @default "ClusterIssuer" */
        issuerKind: z.enum(["ClusterIssuer", "Issuer"]).optional(),
      })
      .strict()
      .optional(),
    /**
     * With `tls.type: letsencrypt`, an existing `kubernetes.io/tls` Secret in the namespace
     * holding the hostname's certificate, instead of cert-manager. Kubernetes only.
     */
    tlsSecret: k8sName().optional(),
  })
  .strict();
