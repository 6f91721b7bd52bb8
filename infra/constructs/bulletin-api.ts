/**
 * The HTTP API (API Gateway v2) in front of the API function.
 *
 * - `POST /reports` (on-demand reports) needs an authorizer: IAM (SigV4-signed requests from
 *   operators' roles) by default, or a JWT authorizer when an issuer and audience are given.
 *   The function trusts the principal the authorizer puts in the request context.
 * - Everything else (`$default`: archive page, bulletins, downloads, feeds, subscriptions) is
 *   public, as subscribers have no AWS identity; the app itself refuses what needs a principal.
 * - Throttled per stage, and harder on `POST /reports` (each request starts a render).
 * - Access logs name the caller: the IAM principal (`userArn`) or the JWT subject (`sub`).
 * - With a custom domain the default `execute-api` endpoint is off: one public address.
 * - The editor's console (`/console`, `/console/*`): every method but GET is behind a Lambda
 *   REQUEST authorizer — the API function itself (`authorizeConsole`) verifying the ID token in
 *   the console's cookie. GET (pages, the sign-in, the stylesheet) goes to the function without
 *   it: the console verifies the same token on every page (the same verifier, the group decides)
 *   and sends a signed-out reader to `/console/login?next=<the page>`, where the authorizer could
 *   only answer API Gateway's own 401/403 JSON — an HTTP API has no gateway responses to turn
 *   that into a redirect (REST APIs have them).
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface BulletinApiProps {
  handler: lambda.IFunction;
  /** JWT authorizer for `POST /reports` instead of IAM. */
  jwt?: { issuer: string; audience: string[] };
  /** Requests per second on the whole stage (steady, burst). */
  throttle?: { rateLimit: number; burstLimit: number };
  /** Requests per second on `POST /reports`. */
  reportsThrottle?: { rateLimit: number; burstLimit: number };
  /** A custom domain (ACM certificate in the stack's region): turns the default endpoint off. */
  customDomain?: { domainName: string; certificateArn: string };
  /** Put the console's routes behind `handler` as a REQUEST authorizer (the cookie's ID token). */
  consoleAuthorizer?: boolean;
}

/**
 * The console's paths: GET reaches the function, which checks the sign-in itself (a signed-out
 * reader is sent to the sign-in, then back); every other method is behind the authorizer.
 */
export const CONSOLE_PATHS = ['/console', '/console/{proxy+}'];

export const REPORTS_ROUTE = 'POST /reports';

export class BulletinApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  readonly reportsRoute: apigw.HttpRoute;
  readonly domain?: apigw.DomainName;
  private readonly domainName?: string;

  constructor(scope: Construct, id: string, props: BulletinApiProps) {
    super(scope, id);
    const integration = new HttpLambdaIntegration('Integration', props.handler);
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Torch Bulletin: archive, downloads, feeds, subscriptions, on-demand reports',
      createDefaultStage: false,
      defaultIntegration: integration,
      disableExecuteApiEndpoint: props.customDomain !== undefined,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
    });
    const throttle = props.throttle ?? { rateLimit: 50, burstLimit: 100 };
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            principal: '$context.authorizer.principalId',
            // Who called: the SigV4 principal (IAM) or the token's subject (JWT); '-' otherwise.
            userArn: '$context.identity.userArn',
            jwtSub: '$context.authorizer.claims.sub',
          }),
        ),
      },
    });

    const authorizer = props.jwt
      ? new authorizers.HttpJwtAuthorizer('ReportsJwt', props.jwt.issuer, {
          jwtAudience: props.jwt.audience,
        })
      : new authorizers.HttpIamAuthorizer();
    const [reportsRoute] = this.api.addRoutes({
      path: '/reports',
      methods: [apigw.HttpMethod.POST],
      integration,
      authorizer,
    });
    this.reportsRoute = reportsRoute!;
    // The editorial cycle's operator API (drafts, release, discard, withdraw, corrections,
    // runs), behind the same authorizer as the report requests.
    this.api.addRoutes({
      path: '/operator/api/{proxy+}',
      methods: [apigw.HttpMethod.GET, apigw.HttpMethod.POST],
      integration,
      authorizer,
    });
    if (props.consoleAuthorizer) {
      const consoleAuthorizer = new authorizers.HttpLambdaAuthorizer(
        'ConsoleAuthorizer',
        props.handler,
        {
          responseTypes: [authorizers.HttpLambdaResponseType.SIMPLE],
          // No cookie: 401 without invoking the function.
          identitySource: ['$request.header.Cookie'],
          // Off: the cookie header carries other cookies, and a sign-out must take effect at once.
          resultsCacheTtl: Duration.seconds(0),
        },
      );
      for (const path of CONSOLE_PATHS) {
        // ANY: every method without a route of its own — all but GET.
        this.api.addRoutes({
          path,
          methods: [apigw.HttpMethod.ANY],
          integration,
          authorizer: consoleAuthorizer,
        });
        const [page] = this.api.addRoutes({
          path,
          methods: [apigw.HttpMethod.GET],
          integration,
        });
        Validations.of(page!).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            "the console's pages by GET: the function verifies the ID token (signature, issuer, " +
            'audience, expiry, role group) on every page and sends a signed-out reader to the ' +
            'sign-in and back; every other method has the REQUEST authorizer',
        });
      }
    }
    // The stage's RouteSettings name the route: without this dependency CloudFormation may
    // create the stage first and fail with "Unable to find Route by key POST /reports".
    this.stage.node.addDependency(this.reportsRoute);

    if (props.customDomain) {
      this.domainName = props.customDomain.domainName;
      this.domain = new apigw.DomainName(this, 'Domain', {
        domainName: props.customDomain.domainName,
        certificate: acm.Certificate.fromCertificateArn(
          this,
          'Certificate',
          props.customDomain.certificateArn,
        ),
      });
      new apigw.ApiMapping(this, 'Mapping', {
        api: this.api,
        domainName: this.domain,
        stage: this.stage,
      });
    }

    // Route-level throttling has no L2 property: set it on the stage resource.
    const reports = props.reportsThrottle ?? { rateLimit: 1, burstLimit: 5 };
    // (routeSettings is untyped JSON: CloudFormation's own PascalCase keys.)
    const cfnStage = this.stage.node.defaultChild as apigw.CfnStage;
    cfnStage.routeSettings = {
      [REPORTS_ROUTE]: {
        ThrottlingRateLimit: reports.rateLimit,
        ThrottlingBurstLimit: reports.burstLimit,
      },
    };
  }

  /** The base URL of the API (no trailing slash): the custom domain's when there is one. */
  get url(): string {
    return this.domainName ? `https://${this.domainName}` : this.api.apiEndpoint;
  }
}
