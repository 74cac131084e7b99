import { env, exports } from "cloudflare:workers";
import { expect, it } from "vitest";

it("answers", async () => {
  const res = await exports.default.fetch("http://x/");
  expect(await res.text()).toBe("hello");
  expect(env.OIDC_CLIENT_ID).toBe("edge-auth-demo");
  expect(crypto.subtle).toBeDefined();
});
