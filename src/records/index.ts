/**
 * DNS records of a mail server: typed values, TXT chunking, names, policy texts and the pure
 * `planRecords` that turns a validated spec into records per zone.
 */
export * from "./names";
export * from "./txt";
export * from "./values";
export * from "./policies";
export * from "./plan-records";
