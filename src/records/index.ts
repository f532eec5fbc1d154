/**
 * DNS records of a mail server: the record types, typed values, TXT chunking, names and policy
 * texts. The planner that turns a spec into records per zone is `../plan/records`.
 */
export * from "./types";
export * from "./names";
export * from "./txt";
export * from "./values";
export * from "./policies";
