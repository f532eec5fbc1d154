import { z } from "zod";
import { MailServerSpecSchema } from "./schema";

/**
 * The JSON Schema of the spec file (what a user writes, defaults optional), for editor completion:
 * put `# yaml-language-server: $schema=node_modules/pulumi-docker-mailserver/schema/mailserver.schema.json`
 * at the top of a spec file.
 */
export function specJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(MailServerSpecSchema, { io: "input", unrepresentable: "any" });
  return {
    ...schema,
    $id: "https://unpkg.com/pulumi-docker-mailserver/schema/mailserver.schema.json",
    title: "docker-mailserver spec (pulumi-docker-mailserver)",
  };
}
