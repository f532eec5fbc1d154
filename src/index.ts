/**
 * pulumi-docker-mailserver: public exports only.
 *
 * Importing this module must stay cheap: it never loads `@pulumi/aws` or `@pulumi/cloudflare`
 * (provider adapters require them lazily, only when a spec uses them).
 *
 * @packageDocumentation
 */
export * from "./spec/schema";
export * from "./spec/findings";
export * from "./plan/types";
export * from "./plan/material";
export * from "./dms";
