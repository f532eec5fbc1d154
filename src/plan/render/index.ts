/** Renderers of a plan: text tables, stable JSON, RFC 1035 zone files and Markdown. */
export * from "./table";
export * from "./json";
export * from "./zone";
export * from "./markdown";
export { elide } from "./text";
export * from "./compose";
export * from "./kubernetes";
