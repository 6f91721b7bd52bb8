/**
 * A small EventBridge Scheduler on loopback: the REST-JSON protocol of the schedule operations the
 * project uses (GetSchedule, CreateSchedule, UpdateSchedule, DeleteSchedule), so that the real
 * `SchedulerClient`, pointed at it with an endpoint override, is tested end to end — request
 * serialization, error types, response parsing. There is no Scheduler emulator to run instead.
 *
 * Modelled as the service documents it: UpdateSchedule replaces the whole schedule (a field left
 * out is reset, which is why the adapter sends back all GetSchedule returned); names are unique per
 * group (CreateSchedule of an existing one: ConflictException); an unknown one:
 * ResourceNotFoundException; a schedule without expression, target or time window: 400
 * ValidationException. Timestamps go out as epoch seconds (restJson1's default).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A schedule as stored (the request's fields, as the service keeps them). */
export type StoredSchedule = Record<string, unknown> & {
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  Target: { Arn: string; RoleArn: string; Input?: string } & Record<string, unknown>;
  State?: string;
};

export interface SchedulerEndpoint {
  url: string;
  /** By `<group>/<name>`. */
  schedules: Map<string, StoredSchedule>;
  /** Every request: operation and schedule name, in order. */
  calls: { operation: string; name: string; group: string }[];
  close(): Promise<void>;
}

const OPERATIONS: Record<string, string> = {
  GET: 'GetSchedule',
  POST: 'CreateSchedule',
  PUT: 'UpdateSchedule',
  DELETE: 'DeleteSchedule',
};

const ACCOUNT = '123456789012';
const REGION = 'cn-north-1';

export async function startSchedulerEndpoint(): Promise<SchedulerEndpoint> {
  const schedules = new Map<string, StoredSchedule>();
  const calls: SchedulerEndpoint['calls'] = [];
  const arnOf = (group: string, name: string) =>
    `arn:aws-cn:scheduler:${REGION}:${ACCOUNT}:schedule/${group}/${name}`;

  const answer = (res: ServerResponse, status: number, body: object, errorType?: string) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-requestid': `req-${calls.length}`,
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, status: number, type: string, message: string) =>
    answer(res, status, { Message: message }, type);

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const url = new URL(req.url ?? '/', 'http://scheduler.invalid');
    const m = /^\/schedules\/([^/]+)$/.exec(url.pathname);
    const operation = OPERATIONS[req.method ?? ''];
    if (!m || !operation) return fail(res, 404, 'UnknownOperationException', url.pathname);
    const name = decodeURIComponent(m[1]!);
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const group = String(
      (operation === 'GetSchedule' || operation === 'DeleteSchedule'
        ? url.searchParams.get('groupName')
        : body['GroupName']) ?? 'default',
    );
    calls.push({ operation, name, group });
    const key = `${group}/${name}`;
    const existing = schedules.get(key);
    switch (operation) {
      case 'GetSchedule':
        if (!existing)
          return fail(res, 404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
        return answer(res, 200, {
          ...existing,
          Arn: arnOf(group, name),
          CreationDate: 1_767_225_600,
          LastModificationDate: 1_767_225_600,
        });
      case 'DeleteSchedule':
        if (!existing)
          return fail(res, 404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
        schedules.delete(key);
        return answer(res, 200, {});
      default: {
        for (const field of ['ScheduleExpression', 'Target', 'FlexibleTimeWindow'])
          if (body[field] === undefined)
            return fail(res, 400, 'ValidationException', `${field} must not be null`);
        if (operation === 'CreateSchedule' && existing)
          return fail(res, 409, 'ConflictException', `Schedule ${name} already exists.`);
        if (operation === 'UpdateSchedule' && !existing)
          return fail(res, 404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
        const { ClientToken: _token, ...kept } = body;
        // Update replaces the schedule whole: what the request leaves out is gone.
        schedules.set(key, {
          State: 'ENABLED',
          ...kept,
          Name: name,
          GroupName: group,
        } as StoredSchedule);
        return answer(res, 200, { ScheduleArn: arnOf(group, name) });
      }
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    schedules,
    calls,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
