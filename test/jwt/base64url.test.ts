import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeBase64UrlStrict, decodeWithAtob, encodeBase64Url } from "../../src/jwt/base64url.ts";
import { seededRuns } from "../support/property-runs.ts";

/** What the decoder must answer: the bytes of a canonical spelling, undefined for anything else. */
function expected(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1 || !/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = decodeWithAtob(text);
  return bytes && encodeBase64Url(bytes) === text ? bytes : undefined;
}

describe("strict base64url (RFC 7515 §2)", () => {
  it("decodes what encodeBase64Url makes, for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(decodeBase64UrlStrict(encodeBase64Url(bytes))).toEqual(bytes);
      }),
      seededRuns(1000),
    );
  });

  it("answers exactly the canonical spellings, whatever the characters", () => {
    const characters = fc.constantFrom(..."AQgwBZaz09-_+/= \t\n\r\f.%".split(""));
    fc.assert(
      fc.property(fc.string({ unit: characters, maxLength: 40 }), (text) => {
        expect(decodeBase64UrlStrict(text)).toEqual(expected(text));
      }),
      seededRuns(5000),
    );
  });

  it("refuses padding, whitespace, the standard alphabet and unused bits that are not zero", () => {
    for (const text of ["QQ==", "QQ=", "Q Q", "QQ\n", "\tQQ", "+/8", "QR", "QUF", "QUJ", "Q", "QUFBQ"])
      expect(decodeBase64UrlStrict(text), JSON.stringify(text)).toBeUndefined();
    expect(decodeBase64UrlStrict("")).toEqual(new Uint8Array());
    expect(decodeBase64UrlStrict("QQ")).toEqual(new Uint8Array([0x41]));
    expect(decodeBase64UrlStrict("-_8")).toEqual(new Uint8Array([0xfb, 0xff]));
  });
});
