/**
 * Reads Route53 record sets (`aws.route53.Record`, one resource per name and type) back from
 * `pulumi preview --json`. Plain parsing, no `@pulumi/aws`.
 */
import {
  jsonNumber,
  jsonString,
  stateRecordType,
  type JsonObject,
  type PreviewRecordReader,
  type PreviewRecordState,
} from "../preview-reader";
import { readRoute53Values } from "./values";

/** The reader of Route53 record set states. */
export const route53PreviewReader: PreviewRecordReader = {
  kind: "route53",
  resourceTypes: ["aws:route53/record:Record"],
  readState(props: JsonObject): PreviewRecordState | undefined {
    const type = stateRecordType(props);
    if (type === undefined) return undefined;
    const ttl = jsonNumber(props.ttl);
    return {
      zoneId: jsonString(props.zoneId) ?? "",
      name: (jsonString(props.name) ?? "").toLowerCase(),
      type,
      values: readRoute53Values(type, props),
      ...(ttl === undefined ? {} : { ttl }),
    };
  },
};
