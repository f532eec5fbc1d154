/**
 * The `platform` settings of a Kubernetes spec with every default applied. The schema leaves the
 * Kubernetes fields optional so validation can refuse them on Docker (rule
 * `platform-kubernetes-only`); every consumer reads them through {@link kubernetesSettings}, so
 * the defaults live in one place.
 */
import type { MailServerSpec } from "../../../spec/schema";
import { proxyProtocolSettings, type ProxyProtocolSettings } from "../../../dms/proxy-protocol";

/** How the certificate of the hostname reaches the pod. */
export type KubernetesTls =
  /** cert-manager issues it into `secretName`. */
  | {
      readonly kind: "cert-manager";
      readonly issuer: string;
      readonly issuerKind: "ClusterIssuer" | "Issuer";
    }
  /** An existing `kubernetes.io/tls` Secret the user manages. */
  | { readonly kind: "secret"; readonly secretName: string }
  /** `tls.type` is `self-signed` or `none`: nothing to mount. */
  | { readonly kind: "none" };

/** `platform` for Kubernetes, every default applied. */
export interface KubernetesSettings {
  readonly namespace: string;
  readonly storageClass?: string;
  readonly storage: {
    readonly mailData: string;
    readonly mailState: string;
    readonly mailLogs: string;
  };
  readonly service: {
    readonly type: "LoadBalancer" | "NodePort" | "ClusterIP";
    readonly annotations: Readonly<Record<string, string>>;
    readonly externalTrafficPolicy: "Local" | "Cluster";
  };
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tls: KubernetesTls;
  /** PROXY protocol from the load balancer, or undefined when off. */
  readonly proxyProtocol?: ProxyProtocolSettings;
}

/** Default namespace of every object. */
export const DEFAULT_NAMESPACE = "mail";

/** The defaults of `platform` for Kubernetes (see `PlatformSpec`). */
export function kubernetesSettings(spec: MailServerSpec): KubernetesSettings {
  const p = spec.platform;
  const tls: KubernetesTls =
    spec.tls.type !== "letsencrypt"
      ? { kind: "none" }
      : p.tlsSecret !== undefined
        ? { kind: "secret", secretName: p.tlsSecret }
        : p.certManager !== undefined
          ? {
              kind: "cert-manager",
              issuer: p.certManager.issuer,
              issuerKind: p.certManager.issuerKind ?? "ClusterIssuer",
            }
          : { kind: "none" };
  const proxy = proxyProtocolSettings(spec);
  return {
    namespace: p.namespace ?? DEFAULT_NAMESPACE,
    ...(p.storageClass !== undefined ? { storageClass: p.storageClass } : {}),
    storage: {
      mailData: p.storage?.mailData ?? "10Gi",
      mailState: p.storage?.mailState ?? "1Gi",
      mailLogs: p.storage?.mailLogs ?? "1Gi",
    },
    service: {
      type: p.service?.type ?? "LoadBalancer",
      annotations: { ...(p.service?.annotations ?? {}) },
      externalTrafficPolicy: p.service?.externalTrafficPolicy ?? "Local",
    },
    nodeSelector: { ...(p.nodeSelector ?? {}) },
    tls,
    ...(proxy !== undefined ? { proxyProtocol: proxy } : {}),
  };
}
