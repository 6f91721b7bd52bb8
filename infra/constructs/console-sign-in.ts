/**
 * Sign-in to the editor's console on AWS: a Cognito user pool (accounts made by an
 * administrator only, strong passwords, TOTP MFA), one group per console role, the hosted
 * sign-in domain and a public app client (authorization code with PKCE, no secret). The API
 * function gets the BULLETIN_CONSOLE_* settings; the HTTP API's authorizer (BulletinApi) checks
 * the ID token on every console route.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { CONSOLE_GROUPS } from '../../functions/contract/env.ts';

export interface ConsoleSignInProps {
  /** Hosted sign-in domain prefix (`<prefix>.auth.<region>.amazoncognito.com`), globally unique per region. */
  domainPrefix: string;
  /** The base URLs the console is reached at (no trailing slash): callback and logout URLs. */
  baseUrls: string[];
}

export class ConsoleSignIn extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  /**
   * The smoke test's own app client (`npm run smoke` with a test user): a secret, the admin
   * password flow only (AdminInitiateAuth needs the caller's IAM credentials), no hosted sign-in;
   * the user still answers the TOTP challenge. The console accepts its ID tokens too.
   */
  readonly smokeClient: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  readonly groups: cognito.CfnUserPoolGroup[];

  constructor(scope: Construct, id: string, props: ConsoleSignInProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'Users', {
      // Accounts are made by an administrator (docs/deploy.md), never by sign-up.
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // A console that releases statistics: a second factor for everyone (an authenticator app).
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { sms: false, otp: true },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        "the Plus feature plan (threat protection) is billed per monthly active user; the pool holds the office's few " +
        'editors, made by an administrator only (no sign-up), each with a required TOTP second factor',
    });
    this.groups = Object.entries(CONSOLE_GROUPS).map(
      ([name, description]) =>
        new cognito.CfnUserPoolGroup(this, `Group-${name}`, {
          userPoolId: this.userPool.userPoolId,
          groupName: name,
          description,
        }),
    );
    this.domain = this.userPool.addDomain('HostedSignIn', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
    });
    this.client = this.userPool.addClient('Console', {
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: props.baseUrls.map((u) => `${u}/console/auth/callback`),
        logoutUrls: props.baseUrls.map((u) => `${u}/console/login`),
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(8),
      accessTokenValidity: Duration.hours(8),
      refreshTokenValidity: Duration.days(1),
    });
    this.smokeClient = this.userPool.addClient('Smoke', {
      generateSecret: true,
      authFlows: { adminUserPassword: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      // A smoke run takes minutes: its token need not outlive it.
      idTokenValidity: Duration.minutes(15),
      accessTokenValidity: Duration.minutes(15),
      refreshTokenValidity: Duration.hours(1),
    });
  }

  /** The ID tokens' `iss`: `https://cognito-idp.<region>.amazonaws.com/<pool id>` (ProviderURL has no scheme). */
  get issuer(): string {
    return `https://${this.userPool.userPoolProviderUrl}`;
  }

  /** `https://<prefix>.auth.<region>.amazoncognito.com` */
  get signInUrl(): string {
    return this.domain.baseUrl();
  }
}
