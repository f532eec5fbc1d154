/**
 * `dmsctl plan` default output: the plan as aligned text tables for a terminal. Long values are
 * elided in the middle (see `--format json` or `--format zone` for full values); secret file
 * contents never appear, only their paths.
 */
import { formatFinding, type Finding } from "../../spec/findings";
import type { Plan } from "../types";
import { columns, elide } from "./text";
import { backupRows } from "./backup";
import { upgradeLines } from "./upgrade";

/** Renders the plan as text tables, one section per part, with a final newline. */
export function renderTable(plan: Plan): string {
  const out: string[] = [`Plan for ${plan.hostname}`, ""];
  // The table lists one row per value; a record set (MX with two hosts) has several, so both
  // counts are given, labelled, and the row count always matches the value count.
  const values = plan.records.reduce((n, r) => n + r.values.length, 0);
  const sets = plan.records.length;
  out.push(
    `DNS records: ${sets} record set${sets === 1 ? "" : "s"}, ${values} value${values === 1 ? "" : "s"} (one row each) in ${plan.zones.length} zone${plan.zones.length === 1 ? "" : "s"}`,
  );
  out.push(
    ...columns(
      ["ZONE", "NAME", "TYPE", "TTL", "VALUE"],
      plan.records.flatMap((r) =>
        r.values.map((v) => [r.zone, r.name, r.type, String(r.ttl), elide(v)]),
      ),
    ),
  );
  out.push("", "Zones");
  out.push(
    ...columns(
      ["ZONE", "PROVIDER", "ZONE ID", "RECORDS"],
      plan.zones.map((z) => [z.zone, z.provider, z.zoneId ?? "-", String(z.records.length)]),
    ),
  );
  if (plan.ptr.length > 0) {
    out.push("", "Reverse DNS (PTR, set at the provider of each address)");
    out.push(
      ...columns(
        ["IP", "PTR NAME", "MUST NAME"],
        plan.ptr.map((p) => [p.ip, p.name, `${p.hostname}.`]),
      ),
    );
  }
  out.push("", `DMS config files: ${plan.files.length} (config volume /tmp/docker-mailserver)`);
  out.push(
    ...columns(
      ["PATH", "RELOAD", "SECRET", "BYTES"],
      plan.files.map((f) => [
        f.path,
        f.reload,
        f.secret ? "yes" : "no",
        String(Buffer.byteLength(f.content)),
      ]),
    ),
  );
  out.push("", "Ports");
  out.push(
    ...columns(
      ["SERVICE", "PORT", "EXPOSE", "BIND", "ALLOW FROM", "DESCRIPTION"],
      plan.ports.map((p) => [
        p.service,
        `${p.port}/${p.protocol}`,
        p.expose,
        p.bind.join(",") || "-",
        p.allowFrom.join(",") || "-",
        p.description,
      ]),
    ),
  );
  const c = plan.container;
  out.push("", "Container");
  out.push(
    ...columns(
      ["FIELD", "VALUE"],
      [
        ["image", c.image],
        ["hostname", c.hostname],
        ["volumes", c.volumes.map((v) => `${v.name}:${v.containerPath}`).join(", ") || "-"],
        [
          "bind mounts",
          c.bindMounts
            .map((b) => `${b.hostPath}:${b.containerPath}${b.readOnly ? ":ro" : ""}`)
            .join(", ") || "-",
        ],
        ["cap_add", c.capAdd.join(", ") || "-"],
        ["memory", c.memoryBytes === undefined ? "no limit" : `${c.memoryBytes} bytes`],
        ["dns", c.dns?.join(", ") ?? "Docker's"],
        ["restart", c.restart],
        ["recreate hash", c.recreateHash],
      ],
    ),
  );
  out.push("", "Environment (mailserver.env)");
  out.push(...c.env.map(([k, v]) => `${k}=${v}`));
  if (plan.upgrade !== undefined) {
    out.push("", "Image upgrade", ...upgradeLines(plan.upgrade).map((l) => `  ${l}`));
  }
  if (plan.backup !== undefined) {
    out.push("", "Backup");
    out.push(...columns(["FIELD", "VALUE"], backupRows(plan.backup)));
  }
  if ((plan.mtaStsPolicies ?? []).length > 0) {
    out.push("", "MTA-STS policies (serve over HTTPS)");
    out.push(
      ...columns(
        ["URL", "ID"],
        (plan.mtaStsPolicies ?? []).map((p) => [p.url, p.id]),
      ),
    );
  }
  out.push("", ...renderFindings(plan.warnings));
  return `${out.join("\n")}\n`;
}

/** `Warnings: none`, or one line per finding with its remediation indented below. */
export function renderFindings(findings: readonly Finding[]): string[] {
  if (findings.length === 0) return ["Warnings: none"];
  const out = [`Warnings: ${findings.length}`];
  for (const f of findings) {
    out.push(`  ${formatFinding(f)}`);
    if (f.remediation !== undefined) out.push(`    fix: ${f.remediation}`);
  }
  return out;
}
