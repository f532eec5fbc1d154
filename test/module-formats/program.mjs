// An ES module Pulumi program importing the built package by name (named imports), under mocks.
import mocks from "./mocks.cjs";
import { MailServer, MAIL_SERVER_TYPE } from "pulumi-docker-mailserver";

const types = mocks.installRecordingMocks();
const mail = new MailServer("esm", mocks.SPEC);
mail.container.id.apply(() =>
  setTimeout(() => {
    console.log(JSON.stringify({ format: "esm", token: MAIL_SERVER_TYPE, types: types.sort() }));
  }, 50),
);
