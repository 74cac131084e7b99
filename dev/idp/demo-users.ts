/**
 * The demo accounts of the development OpenID Provider. Their passwords are public on purpose:
 * this provider exists only on a developer's machine and in tests.
 */
export interface DemoUser {
  /** Stable subject identifier (`sub`); deliberately different from the login name. */
  sub: string;
  username: string;
  password: string;
  name: string;
  email: string;
  emailVerified: boolean;
  groups: string[];
}

/** The demo users. Alice is an admin; Bob is staff only and his email is not verified. */
export const DEMO_USERS: readonly DemoUser[] = Object.freeze([
  {
    sub: "usr_alice",
    username: "alice",
    password: "alice-password",
    name: "Alice Admin",
    email: "alice@example.com",
    emailVerified: true,
    groups: ["admins", "staff"],
  },
  {
    sub: "usr_bob",
    username: "bob",
    password: "bob-password",
    name: "Bob Builder",
    email: "bob@example.com",
    emailVerified: false,
    groups: ["staff"],
  },
]);

/** Returns the demo user with this login name and password, or undefined when either is wrong. */
export function authenticateDemoUser(username: string, password: string): DemoUser | undefined {
  const user = DEMO_USERS.find((candidate) => candidate.username === username.trim().toLowerCase());
  return user && user.password === password ? user : undefined;
}

/** Returns the demo user whose subject identifier is `sub`. */
export function findDemoUserBySub(sub: string): DemoUser | undefined {
  return DEMO_USERS.find((candidate) => candidate.sub === sub);
}

/** Every claim the provider can release for a user; the granted scopes decide which ones it does. */
export function claimsOf(user: DemoUser): { sub: string; [claim: string]: unknown } {
  return {
    sub: user.sub,
    name: user.name,
    preferred_username: user.username,
    email: user.email,
    email_verified: user.emailVerified,
    groups: [...user.groups],
  };
}
