/**
 * The smoke test's console step on AWS: sign a test user in to the console's user pool and open
 * a console page with the ID token, as a browser would after the hosted sign-in.
 *
 * The console's own app client is public and only does the hosted authorization code flow with
 * PKCE, which needs a browser. The stack has a second, confidential app client for this
 * (`ConsoleSmokeClientId`): the admin password flow, so the caller's IAM credentials are needed
 * (`cognito-idp:AdminInitiateAuth`, `AdminRespondToAuthChallenge`, `DescribeUserPoolClient` for
 * its secret) as well as the user's password; the pool requires TOTP, so the challenge
 * `SOFTWARE_TOKEN_MFA` is answered with a code computed from the user's TOTP secret (otplib).
 * The console accepts that client's ID tokens (`BULLETIN_CONSOLE_SMOKE_CLIENT_ID`); the user's
 * group decides what the token may do, as for anyone. docs/deploy.md: making the test user.
 */
import { createHmac } from 'node:crypto';
import {
  AdminInitiateAuthCommand,
  AdminRespondToAuthChallengeCommand,
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { generate } from 'otplib';

export interface ConsoleSmokeUser {
  /** Output `ConsoleUserPoolId` (`<region>_<id>`). */
  userPoolId: string;
  /** Output `ConsoleSmokeClientId`. */
  clientId: string;
  username: string;
  password: string;
  /** The Base32 secret of the user's authenticator (TOTP). */
  totpSecret: string;
}

/** `SECRET_HASH` of a confidential app client: Base64(HMAC-SHA256(secret, username + client id)). */
export function secretHash(clientSecret: string, username: string, clientId: string): string {
  return createHmac('sha256', clientSecret)
    .update(username + clientId)
    .digest('base64');
}

/** The region of a user pool id (`cn-north-1_AbC123`). */
export function regionOfPool(userPoolId: string): string {
  const region = /^([a-z]{2}(-[a-z]+)+-\d)_[A-Za-z0-9]+$/.exec(userPoolId)?.[1];
  if (!region) throw new Error(`not a user pool id: ${userPoolId} (expected <region>_<id>)`);
  return region;
}

/** A Cognito client for the pool's region (`endpoint`: tests' loopback service). */
export function cognitoFor(userPoolId: string, endpoint?: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: regionOfPool(userPoolId),
    ...(endpoint ? { endpoint } : {}),
  });
}

/**
 * Signs the user in (admin password flow, then the TOTP challenge) and returns the ID token.
 * @throws Error saying which step refused and why (a user still to set a password or an
 *   authenticator gets a challenge other than TOTP: docs/deploy.md says how to finish it).
 */
export async function consoleIdToken(
  cognito: CognitoIdentityProviderClient,
  user: ConsoleSmokeUser,
): Promise<string> {
  const { userPoolId, clientId, username } = user;
  const described = await cognito.send(
    new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }),
  );
  const clientSecret = described.UserPoolClient?.ClientSecret;
  if (!clientSecret) throw new Error(`app client ${clientId} has no secret: not the smoke client`);
  const hash = secretHash(clientSecret, username, clientId);
  const started = await cognito.send(
    new AdminInitiateAuthCommand({
      UserPoolId: userPoolId,
      ClientId: clientId,
      AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: username, PASSWORD: user.password, SECRET_HASH: hash },
    }),
  );
  if (started.ChallengeName !== 'SOFTWARE_TOKEN_MFA' || !started.Session)
    throw new Error(
      `expected the TOTP challenge, got ${started.ChallengeName ?? (started.AuthenticationResult ? 'tokens without MFA' : 'nothing')}: ` +
        'the test user must have a permanent password and an authenticator (docs/deploy.md)',
    );
  // The user name Cognito knows (the sign-in may have used an alias).
  const known = started.ChallengeParameters?.['USER_ID_FOR_SRP'] ?? username;
  const answered = await cognito.send(
    new AdminRespondToAuthChallengeCommand({
      UserPoolId: userPoolId,
      ClientId: clientId,
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      Session: started.Session,
      ChallengeResponses: {
        USERNAME: known,
        SOFTWARE_TOKEN_MFA_CODE: await generate({ secret: user.totpSecret }),
        SECRET_HASH: secretHash(clientSecret, known, clientId),
      },
    }),
  );
  const token = answered.AuthenticationResult?.IdToken;
  if (!token) throw new Error(`the TOTP answer gave no ID token (${answered.ChallengeName ?? ''})`);
  return token;
}

/**
 * Opens a console page with the ID token in the console's cookie: it must answer 200 with the
 * page of a signed-in person (the sign-out link), not the sign-in.
 */
export async function checkConsolePage(
  base: URL,
  idToken: string,
  path = '/console/drafts',
): Promise<void> {
  const url = new URL(path.replace(/^\//, ''), base);
  const res = await fetch(url, {
    redirect: 'manual',
    headers: { cookie: `bulletin_id=${idToken}` },
  });
  const html = await res.text();
  if (res.status !== 200)
    throw new Error(
      `GET ${url.pathname} with the token → ${res.status} ${res.headers.get('location') ?? html.slice(0, 200)}`,
    );
  if (!html.includes('/console/logout'))
    throw new Error(`GET ${url.pathname} answered a page without a signed-in person`);
}
