/**
 * The `_mta-sts` TXT record (RFC 8461 §3.1): `v=STSv1; id=<id>`. The policy file itself is built in
 * `../policies.ts`.
 */
import { parseTagList, renderTags } from "./tags";
import { txtFamily } from "./family";

/** The `_mta-sts` record's value. */
export interface MtaStsValue {
  /** 1-32 letters and digits; changes whenever the policy does. */
  readonly id: string;
}

const ID = /^[A-Za-z0-9]{1,32}$/;

/** `v=STSv1; id=<id>` (RFC 8461 §3.1). @throws Error when the id is not 1-32 letters and digits. */
export function renderMtaSts(v: MtaStsValue): string {
  if (!ID.test(v.id)) throw new Error(`MTA-STS id must be 1-32 letters or digits, got ${v.id}`);
  return renderTags([
    ["v", "STSv1"],
    ["id", v.id],
  ]);
}

/** Reads the id of an `_mta-sts` record; `undefined` when it is not one or its id is malformed. */
export function parseMtaSts(text: string): MtaStsValue | undefined {
  if (txtFamily(text) !== "mta-sts") return undefined;
  const { tags, problems } = parseTagList(text, "exact");
  const id = tags.get("id");
  return problems.length === 0 && id !== undefined && ID.test(id) ? { id } : undefined;
}
